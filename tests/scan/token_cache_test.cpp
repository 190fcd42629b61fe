// The per-thread token → atoms cache (engine/src/scan/token_cache.hpp):
// differential against std::map under growth, long keys, groups, reset.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "scan/token_cache.hpp"

namespace sito::detail {
namespace {

std::string random_key(std::mt19937_64& rng) {
  // Mostly short keys (inline), some long ones (side map), bytes 0x01-0xFF.
  const size_t len = rng() % 10 == 0 ? 20 + rng() % 30 : 1 + rng() % 19;
  std::string k(len, '\0');
  for (char& c : k) c = static_cast<char>(1 + rng() % 255);
  return k;
}

TEST(TokenCache, AgreesWithAMapWhileItGrows) {
  token_cache cache(1 << 16);
  std::map<std::string, std::vector<uint32_t>> want;
  std::mt19937_64 rng(7);
  const size_t initial_bytes = cache.table_bytes();
  for (uint32_t i = 0; i < 30000; ++i) {
    const std::string k = random_key(rng);
    const uint64_t h = text::token_hash(k);
    const token_cache::entry* found = cache.find(k, h);
    ASSERT_EQ(found != nullptr, want.count(k) == 1) << i;
    // The one-step compare, with random bytes readable after the key.
    std::string padded = k + std::string(16, '\0');
    for (size_t j = k.size(); j < padded.size(); ++j) padded[j] = static_cast<char>(rng());
    ASSERT_EQ(cache.find(std::string_view(padded).substr(0, k.size()), h, padded.data() + padded.size()), found) << i;
    if (found) continue;
    std::vector<uint32_t> atoms;
    for (uint32_t a = 0, n = static_cast<uint32_t>(rng() % 4); a < n; ++a) atoms.push_back(i * 4 + a);
    const auto first = static_cast<uint32_t>(atoms.empty() ? 0 : rng() % (atoms.size() + 1));
    const bool triggers = (rng() & 1) != 0;
    cache.insert(k, h, atoms, first, triggers);
    want[k] = atoms;
    want[k].push_back(triggers);
    want[k].push_back(first);  // remembered at the end
  }
  EXPECT_GT(cache.table_bytes(), initial_bytes) << "the table grew with the working set";
  EXPECT_LE(cache.table_bytes(), size_t(1) << 22) << "within a chunk: twice the entries, rounded up";
  EXPECT_EQ(cache.size(), want.size());
  for (const auto& [k, v] : want) {
    const token_cache::entry* e = cache.find(k, text::token_hash(k));
    ASSERT_NE(e, nullptr);
    const uint32_t first = v.back();
    EXPECT_EQ(e->triggers, v[v.size() - 2]) << "the trigger flag comes back with its entry";
    std::vector<uint32_t> atoms(v.begin(), v.end() - 2);
    const auto g0 = cache.group(*e, 0), g1 = cache.group(*e, 1);
    ASSERT_EQ(g0.size(), first);
    std::vector<uint32_t> got(g0.begin(), g0.end());
    got.insert(got.end(), g1.begin(), g1.end());
    EXPECT_EQ(got, atoms);
  }
}

TEST(TokenCache, KeysDifferingInOneByteOrLengthAreDistinct) {
  token_cache cache(1024);
  const std::vector<std::string> keys = {"abc", "abd", "abcd", "abcdefgh", "abcdefgi", "abcdefghijklmnopqrs",
                                         "abcdefghijklmnopqrt", "abcdefghijklmnopqrst"};
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const uint32_t atom = i;
    cache.insert(keys[i], text::token_hash(keys[i]), std::span<const uint32_t>(&atom, 1), 1, false);
  }
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const token_cache::entry* e = cache.find(keys[i], text::token_hash(keys[i]));
    ASSERT_NE(e, nullptr) << keys[i];
    ASSERT_EQ(cache.group(*e, 0).size(), 1u);
    EXPECT_EQ(cache.group(*e, 0)[0], i);
  }
  EXPECT_EQ(cache.find("ab", text::token_hash("ab")), nullptr);
  // The same through the one-step compare, where the bytes after a key are
  // those of a longer key ("abc" followed by "d..." is not "abcd").
  for (uint32_t i = 0; i < keys.size(); ++i) {
    const std::string text = keys[i] + "dtabcdefghijklmnopqrstuvwxyz";
    const std::string_view key = std::string_view(text).substr(0, keys[i].size());
    const token_cache::entry* e = cache.find(key, text::token_hash(key), text.data() + text.size());
    ASSERT_NE(e, nullptr) << keys[i];
    EXPECT_EQ(cache.group(*e, 0)[0], i);
  }
  const std::string ab = "abcd" + std::string(20, 'q');
  EXPECT_EQ(cache.find(std::string_view(ab).substr(0, 2), text::token_hash("ab"), ab.data() + ab.size()), nullptr);
}

TEST(TokenCache, DropsEverythingAtTheNextChunkOnceFullAndEntriesStayValidUntilThen) {
  token_cache cache(16);
  std::vector<token_cache::entry> handed_out;
  for (uint32_t i = 0; i < 40; ++i) {  // one chunk may overshoot max_entries
    const std::string k = "k" + std::to_string(i);
    handed_out.push_back(cache.insert(k, text::token_hash(k), std::span<const uint32_t>(&i, 1), 1, false));
  }
  EXPECT_EQ(cache.size(), 40u);
  for (uint32_t i = 0; i < 40; ++i) EXPECT_EQ(cache.group(handed_out[i], 0)[0], i) << "valid within the chunk";
  EXPECT_NE(cache.find("k3", text::token_hash("k3")), nullptr);
  cache.begin_chunk();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find("k3", text::token_hash("k3")), nullptr);
  cache.insert("new", text::token_hash("new"), {}, 0, false);
  EXPECT_NE(cache.find("new", text::token_hash("new")), nullptr);
  cache.begin_chunk();
  EXPECT_EQ(cache.size(), 1u) << "not full: kept";
}

}  // namespace
}  // namespace sito::detail
