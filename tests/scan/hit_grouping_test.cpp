// group_hits / group_more_hits (scan/candidate_selector.hpp) against a plain
// reference: an atom's hits are the post's hits with that atom, in the order
// found, whether the atom hit once (a range of the hits themselves) or more
// often (a range of the gathered copy).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include "scan/candidate_selector.hpp"

namespace sito::detail {
namespace {

std::vector<hit> random_hits(std::mt19937_64& rng, uint32_t first_atom, uint32_t atoms, size_t n, uint32_t& position) {
  std::vector<hit> out;
  for (size_t k = 0; k < n; ++k) {
    ++position;
    out.push_back({first_atom + static_cast<uint32_t>(rng() % atoms), static_cast<uint8_t>(rng() % 3), position,
                   position * 2, position * 2 + 1});
  }
  return out;
}

/// Every atom's view equals the hits with that atom, in order, and atoms
/// without hits have none; distinct_atoms lists each atom once, in the
/// order of its first hit.
void expect_grouped(const thread_scratch& ts, const std::vector<hit>& hits, uint32_t stamp, uint32_t atoms) {
  const program_evaluator::hit_view view = view_of(ts, hits, stamp);
  std::map<uint32_t, std::vector<uint32_t>> want;  // atom → positions
  std::vector<uint32_t> order;
  for (const hit& h : hits) {
    if (want[h.atom].empty()) order.push_back(h.atom);
    want[h.atom].push_back(h.position);
  }
  for (uint32_t a = 0; a < atoms; ++a) {
    std::vector<uint32_t> got;
    for (const hit& h : view.of(a)) {
      EXPECT_EQ(h.atom, a);
      got.push_back(h.position);
    }
    auto it = want.find(a);
    ASSERT_EQ(got, it == want.end() ? std::vector<uint32_t>{} : it->second) << "atom " << a;
  }
  EXPECT_EQ(ts.distinct_atoms, order);
}

TEST(HitGrouping, AgreesWithAPlainFilterAndGrowsWithConditionHits) {
  std::mt19937_64 rng(20261130);
  constexpr uint32_t atoms = 64;
  thread_scratch ts;
  ts.atom_state.assign(atoms, {});
  size_t regrouped = 0, extended = 0;
  for (int round = 0; round < 2000; ++round) {
    uint32_t position = 0;
    // Query atoms 0..31 (some hit once, some often), then condition-only
    // atoms 32..63 appended after grouping, as the scanner does for mentions.
    std::vector<hit> hits = random_hits(rng, 0, 1 + static_cast<uint32_t>(rng() % 32), rng() % 40, position);
    const uint32_t stamp = group_hits(ts, hits);
    expect_grouped(ts, hits, stamp, atoms);
    if (::testing::Test::HasFatalFailure()) return;
    const bool reuse_an_atom = rng() % 4 == 0 && !hits.empty();
    std::vector<hit> more = random_hits(rng, 32, 32, rng() % 20, position);
    if (reuse_an_atom) more.push_back({hits[0].atom, 1, ++position, 0, 1});  // not condition-only: must regroup
    const size_t before = hits.size();
    hits.insert(hits.end(), more.begin(), more.end());
    const uint32_t after = group_more_hits(ts, hits, before, stamp);
    (after == stamp ? extended : regrouped) += 1;
    if (reuse_an_atom) {
      EXPECT_NE(after, stamp) << "an atom grouped before cannot be extended in place";
    }
    expect_grouped(ts, hits, after, atoms);
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(extended, 1000u);
  EXPECT_GT(regrouped, 200u);
}

TEST(AtomFilter, NeverMissesAnAtomAndPassesFewOthers) {
  // The grouping's filter of the atoms that hit (program_evaluator.hpp): a
  // clear bit must mean "no hit", and with a post's worth of atoms (116
  // distinct at 100k topics) few others may pass.
  std::mt19937_64 rng(5);
  size_t passed = 0, tried = 0;
  atom_filter f;
  for (int round = 0; round < 200; ++round) {
    f.clear();
    std::vector<uint32_t> in;
    for (int k = 0; k < 116; ++k) in.push_back(static_cast<uint32_t>(rng() % 1000000));
    for (uint32_t a : in) f.add(a);
    for (uint32_t a : in) ASSERT_TRUE(f.may_contain(a)) << a;
    for (int k = 0; k < 1000; ++k) {
      const auto a = static_cast<uint32_t>(rng() % 1000000);
      if (std::find(in.begin(), in.end(), a) != in.end()) continue;
      ++tried;
      passed += f.may_contain(a);
    }
  }
  // Expected 1 - exp(-116/8192) = 1.4%.
  EXPECT_LT(double(passed) / double(tried), 0.025);
  // Consecutive ids (one topic's atoms are interned together) spread too.
  f.clear();
  for (uint32_t a = 5000; a < 5116; ++a) f.add(a);
  size_t neighbours = 0;
  for (uint32_t a = 6000; a < 16000; ++a) neighbours += f.may_contain(a);
  EXPECT_LT(neighbours, 250u);
}

}  // namespace
}  // namespace sito::detail
