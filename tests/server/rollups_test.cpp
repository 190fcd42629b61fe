// Rollup cells (sito/server/rollups.hpp): the author set against a plain
// map while exact, its estimates against the true values beyond, merges in
// any order, the encoding, and which rows a mention counts in.
#include "sito/server/rollups.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "sito/server/wire_convert.hpp"

namespace sito::server {
namespace {

struct seen {
  int64_t followers = 0, at = 0;
};

/// The reference: distinct authors with their latest (time, then larger) count.
void remember(std::map<uint64_t, seen>& ref, uint64_t h, int64_t followers, int64_t at) {
  auto [it, fresh] = ref.try_emplace(h, seen{followers, at});
  if (!fresh && (at > it->second.at || (at == it->second.at && followers > it->second.followers)))
    it->second = {followers, at};
}

double reference_audience(const std::map<uint64_t, seen>& ref) {
  double sum = 0;
  for (const auto& [h, s] : ref) sum += static_cast<double>(s.followers);
  return sum;
}

TEST(AuthorSet, IsExactUpToItsCapacityWhateverTheOrderOfMerges) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    const size_t distinct = std::uniform_int_distribution<size_t>(1, author_set::exact_capacity)(rng);
    std::vector<uint64_t> who(distinct);
    for (auto& h : who) h = author_set::author_hash("vk", std::to_string(rng()));
    std::map<uint64_t, seen> ref;
    // Sightings spread over 24 parts, merged in two different orders.
    std::vector<author_set> parts(24);
    for (int i = 0; i < 3000; ++i) {
      const uint64_t h = who[rng() % distinct];
      const int64_t followers = static_cast<int64_t>(rng() % 100000), at = static_cast<int64_t>(rng() % 1000);
      parts[rng() % parts.size()].add(h, followers, at);
      remember(ref, h, followers, at);
    }
    author_set forward, backward;
    for (const auto& p : parts) forward.merge(p);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) backward.merge(*it);
    ASSERT_TRUE(forward.exact());
    EXPECT_EQ(forward.authors(), static_cast<double>(ref.size()));
    EXPECT_EQ(forward.audience(), reference_audience(ref));
    std::string a, b;
    forward.encode(a);
    backward.encode(b);
    EXPECT_EQ(a, b) << "merge order changed an exact set";
  }
}

TEST(AuthorSet, EstimatesBeyondItsCapacityWithinTheStatedError) {
  // 40 000 authors with heavy-tailed follower counts (Pareto, alpha 1.1:
  // a few accounts with millions), seen over 48 hourly cells.
  double worst_authors = 0, worst_audience = 0, sum_audience_error = 0;
  const int rounds = 8;
  for (int round = 0; round < rounds; ++round) {
    std::mt19937_64 rng(1000 + round);
    std::uniform_real_distribution<double> u(0, 1);
    std::map<uint64_t, seen> ref;
    std::vector<author_set> hours(48);
    for (int i = 0; i < 40000; ++i) {
      const uint64_t h = author_set::author_hash("tg", "user" + std::to_string(round) + "-" + std::to_string(i));
      const auto followers = static_cast<int64_t>(std::min(5e7, 50 / std::pow(1 - u(rng), 1 / 1.1)));
      const int sightings = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < sightings; ++k) {
        hours[rng() % hours.size()].add(h, followers, 0);
        remember(ref, h, followers, 0);
      }
    }
    author_set all;
    for (const auto& h : hours) all.merge(h);
    ASSERT_FALSE(all.exact());
    EXPECT_LE(all.kept(), author_set::exact_capacity);
    const double ea = all.authors() / static_cast<double>(ref.size()) - 1;
    const double eu = all.audience() / reference_audience(ref) - 1;
    worst_authors = std::max(worst_authors, std::abs(ea));
    worst_audience = std::max(worst_audience, std::abs(eu));
    sum_audience_error += eu;
  }
  // HyperLogLog 2^12: standard error 1.6%; 3 sigma.
  EXPECT_LT(worst_authors, 0.05);
  // Priority sampling of 1 024: each estimate within 10%, and no bias
  // beyond 3% on average over the rounds.
  EXPECT_LT(worst_audience, 0.10);
  EXPECT_LT(std::abs(sum_audience_error / rounds), 0.03);
}

TEST(AuthorSet, AnEstimateMergedWithAnExactSetStaysAnEstimateOfTheUnion) {
  author_set big, small;
  for (int i = 0; i < 5000; ++i) big.add(author_set::author_hash("vk", "b" + std::to_string(i)), 10, 0);
  for (int i = 0; i < 10; ++i) small.add(author_set::author_hash("vk", "s" + std::to_string(i)), 10, 0);
  author_set a = big, b = small;
  a.merge(small);
  b.merge(big);
  ASSERT_FALSE(a.exact());
  EXPECT_NEAR(a.authors(), 5010, 5010 * 0.05);
  EXPECT_NEAR(b.authors(), a.authors(), 1e-9);
  EXPECT_NEAR(a.audience(), 50100, 50100 * 0.10);
}

post make_post(std::string author, int64_t followers, int64_t reach, int64_t engagement) {
  post p;
  p.id = "p";
  p.source = "vk";
  p.author.id = std::move(author);
  p.author.followers = followers;
  p.reach = reach;
  p.engagement = engagement;
  p.published_at = 1'764'460'800;
  return p;
}

TEST(RollupCell, EncodesAndDecodesEveryCounter) {
  rollup_cell c;
  // Sentiment as the engine and the wire number it: neutral 0, negative 1, positive 2.
  static_assert(static_cast<int>(rules::sentiment::neutral) == 0 && static_cast<int>(rules::sentiment::negative) == 1);
  c.add_mention(make_post("a", 100, 0, 5), 0, true);  // reach falls back to followers
  c.add_mention(make_post("b", 7, 50, 2), 2, false);
  c.add_mention(make_post("a", 120, 30, 1), 1, false);
  c.add_mention(make_post("c", 1, 0, 0), 1, false);
  auto d = rollup_cell::decode(c.encode());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->mentions, 4u);
  EXPECT_EQ(d->negative, 2u);
  EXPECT_EQ(d->neutral, 1u);
  EXPECT_EQ(d->positive, 1u);
  EXPECT_EQ(d->wom, 1u);
  EXPECT_EQ(d->reach, 100 + 50 + 30 + 1);
  EXPECT_EQ(d->engagement, 8);
  EXPECT_EQ(d->authors.authors(), 3);
  EXPECT_EQ(d->authors.audience(), 120 + 7 + 1);  // "a" at the later sighting… same time: the larger count
  EXPECT_EQ(d->encode(), c.encode());
}

TEST(RollupCell, MalformedBytesAreAnErrorNeverACrash) {
  rollup_cell c;
  for (int i = 0; i < 2000; ++i) c.add_mention(make_post("u" + std::to_string(i), i, 0, 0), 1, false);
  ASSERT_FALSE(c.authors.exact());
  const std::string bytes = c.encode();
  for (size_t n = 0; n < bytes.size(); n += 7) EXPECT_FALSE(rollup_cell::decode(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(rollup_cell::decode(bytes + "x").ok());
  std::mt19937_64 rng(3);
  for (int i = 0; i < 2000; ++i) {
    std::string junk = bytes.substr(0, rng() % 64);
    for (auto& ch : junk)
      if (rng() % 4 == 0) ch = static_cast<char>(rng());
    (void)rollup_cell::decode(junk);  // any outcome but a crash
  }
}

TEST(RollupBatch, AMentionCountsInItsTopicTheTenantTotalAndEachTagAncestorOnce) {
  rollup_batch rb;
  mention_record m;
  m.tenant = "acme";
  m.topic = "brand";
  m.tags = {"Тачпоинт/Сервис/Доставка", "Тачпоинт/Сервис/Оплата", "Риск"};
  m.sentiment = 0;
  const post p = make_post("a", 10, 0, 0);
  rb.add(m, p, p.published_at * 1000);
  const int64_t hour = p.published_at / 3600;
  std::map<std::string, uint64_t> want = {
      {rollup_key(rollup_row_prefix("acme", "brand", ""), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "", ""), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "brand", "Тачпоинт"), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "brand", "Тачпоинт/Сервис"), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "brand", "Тачпоинт/Сервис/Доставка"), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "brand", "Тачпоинт/Сервис/Оплата"), hour), 1},
      {rollup_key(rollup_row_prefix("acme", "brand", "Риск"), hour), 1},
  };
  std::map<std::string, uint64_t> got;
  rb.for_each([&](const std::string& k, const rollup_cell& c) { got[k] = c.mentions; });
  EXPECT_EQ(got, want);
}

TEST(RollupBatch, APostCountsAtItsPublicationHourUnlessItHasNoneOrIsFromTheFuture) {
  post p = make_post("a", 1, 0, 0);
  const int64_t ingested_ms = (p.published_at + 5 * 3600) * 1000;
  EXPECT_EQ(rollup_hour_of(p, ingested_ms), p.published_at / 3600);
  p.published_at = 0;
  EXPECT_EQ(rollup_hour_of(p, ingested_ms), ingested_ms / 3'600'000);
  p.published_at = ingested_ms / 1000 + 2 * 24 * 3600;  // two days ahead of its ingestion
  EXPECT_EQ(rollup_hour_of(p, ingested_ms), ingested_ms / 3'600'000);
  int64_t hour = 0;
  ASSERT_TRUE(rollup_key_hour(rollup_key("x", -5), hour));
  EXPECT_EQ(hour, -5);
  EXPECT_LT(rollup_key("x", -5), rollup_key("x", 3));
}

}  // namespace
}  // namespace sito::server
