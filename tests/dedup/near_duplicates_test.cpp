// The window, clusters, eviction and determinism of near_duplicate_index
// (sito/dedup/near_duplicates.hpp). Structural tests feed synthetic bigram
// sets of known Jaccard similarity through check_and_add_bigrams.
#include "sito/dedup/near_duplicates.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sito::dedup {
namespace {

constexpr int64_t hour = 3600 * 1000;

/// The bigram set {h(lo), …, h(hi − 1)}: [0,100) and [22,122) have J = 78/122.
std::vector<uint64_t> range_set(uint64_t lo, uint64_t hi) {
  std::vector<uint64_t> v;
  for (uint64_t i = lo; i < hi; ++i) v.push_back(bigram_hash(i * 0x9e3779b97f4a7c15ull, 17));
  std::sort(v.begin(), v.end());
  return v;
}

near_duplicate_match add(near_duplicate_index& ix, const std::string& id, int64_t t, const std::string& text,
                         const std::string& author = "a") {
  auto m = ix.check_and_add(id, author, t, text);
  EXPECT_TRUE(m.ok()) << m.error().to_string();
  return m.ok() ? *m : near_duplicate_match{};
}

const std::string giveaway = "Розыгрыш iPhone 15! Сделай репост этой записи и подпишись на нашу группу, итоги в пятницу";

TEST(NearDuplicates, FirstPostIsNotADuplicateAndCopiesAre) {
  near_duplicate_index ix;
  auto a = add(ix, "p1", 0, giveaway, "alice");
  EXPECT_TRUE(a.indexed);
  EXPECT_FALSE(a.duplicate);
  EXPECT_TRUE(a.duplicate_of.empty());
  EXPECT_EQ(a.cluster_size, 1u);
  EXPECT_EQ(a.cluster_authors, 1u);

  auto b = add(ix, "p2", 60'000, "Репост: РОЗЫГРЫШ iPhone 15!!! сделай репост этой записи и подпишись на нашу группу, "
                                  "итоги в пятницу 🔥🔥 #конкурс",
               "bob");
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.duplicate_of, "p1");
  EXPECT_EQ(b.cluster_size, 2u);
  EXPECT_EQ(b.cluster_authors, 2u);
  EXPECT_EQ(b.cluster_id, a.cluster_id);

  auto c = add(ix, "p3", 120'000, "Курс доллара на бирже вырос третий день подряд, аналитики ждут коррекции", "carol");
  EXPECT_FALSE(c.duplicate);
  EXPECT_NE(c.cluster_id, a.cluster_id);
  EXPECT_EQ(ix.size(), 3u);
}

TEST(NearDuplicates, ShortPostsAreNeverDuplicatesAndNotHeld) {
  near_duplicate_index ix;
  for (int i = 0; i < 3; ++i) {
    auto m = add(ix, "s" + std::to_string(i), i, "Спасибо большое, класс! 👍");  // 3 words: 2 bigrams
    EXPECT_FALSE(m.indexed);
    EXPECT_FALSE(m.duplicate);
    EXPECT_EQ(m.cluster_id, 0u);
  }
  EXPECT_FALSE(add(ix, "u1", 5, "https://vk.cc/abc").indexed);
  EXPECT_EQ(ix.size(), 0u);
  EXPECT_EQ(ix.stats().short_posts, 4u);
  // Four words (three bigrams) are enough.
  EXPECT_TRUE(add(ix, "l1", 6, "спасибо большое всем вам").indexed);
  EXPECT_TRUE(add(ix, "l2", 7, "Спасибо большое всем вам!").duplicate);
}

TEST(NearDuplicates, WindowEvictsOlderPosts) {
  near_duplicate_index ix({.window_ms = 24 * hour});
  add(ix, "p1", 0, giveaway);
  // Exactly a window later the first post is still held.
  EXPECT_EQ(add(ix, "p2", 24 * hour, giveaway).duplicate_of, "p1");
  // One millisecond more and p1 is gone; p2 is the cluster's first now.
  auto m = add(ix, "p3", 24 * hour + 1, giveaway);
  EXPECT_EQ(m.duplicate_of, "p2");
  EXPECT_EQ(ix.oldest_post_id(), "p2");
  // Much later, nothing is left to match.
  m = add(ix, "p4", 100 * hour, giveaway);
  EXPECT_FALSE(m.duplicate);
  EXPECT_EQ(ix.size(), 1u);
  EXPECT_EQ(ix.stats().evicted_by_time, 3u);
}

TEST(NearDuplicates, MemoryCapEvictsOldestFirst) {
  near_duplicate_index ix({.max_posts = 3});
  for (uint64_t i = 0; i < 3; ++i) ix.check_and_add_bigrams("p" + std::to_string(i), "a", 0, range_set(i * 1000, i * 1000 + 50));
  EXPECT_EQ(ix.size(), 3u);
  EXPECT_EQ(ix.oldest_post_id(), "p0");
  auto m = ix.check_and_add_bigrams("p3", "a", 0, range_set(3000, 3050));
  EXPECT_FALSE(m.duplicate);
  EXPECT_EQ(ix.size(), 3u);
  EXPECT_EQ(ix.oldest_post_id(), "p1");
  // A copy of the evicted p0 finds nothing; a copy of p1 finds p1 (and evicts it).
  EXPECT_FALSE(ix.check_and_add_bigrams("c0", "a", 0, range_set(0, 50)).duplicate);
  EXPECT_EQ(ix.oldest_post_id(), "p2");
  EXPECT_FALSE(ix.check_and_add_bigrams("c1", "a", 0, range_set(1000, 1050)).duplicate);
  // Held: p3, c0, c1. At the cap the oldest goes before the search, so a
  // post is compared with the max_posts − 1 newest: a copy of p3 finds
  // nothing (p3 goes first), then a copy of c1 finds c1 (c0 goes first).
  EXPECT_FALSE(ix.check_and_add_bigrams("d3", "a", 0, range_set(3000, 3050)).duplicate);
  EXPECT_EQ(ix.check_and_add_bigrams("d1", "a", 0, range_set(1000, 1050)).duplicate_of, "c1");
  EXPECT_EQ(ix.stats().evicted_by_cap, 5u);
}

TEST(NearDuplicates, ClusterFirstPostMovesOnWhenEvicted) {
  near_duplicate_index ix({.window_ms = 10 * hour});
  auto a = ix.check_and_add_bigrams("a", "u1", 0, range_set(0, 100));
  auto b = ix.check_and_add_bigrams("b", "u2", 1 * hour, range_set(5, 105));
  auto c = ix.check_and_add_bigrams("c", "u2", 2 * hour, range_set(10, 110));
  EXPECT_EQ(b.duplicate_of, "a");
  EXPECT_EQ(c.duplicate_of, "a");
  EXPECT_EQ(c.cluster_authors, 2u);
  // At 10 h + 1 ms, a is evicted: b is the first post now, the size so far
  // still counts a, and a's author no longer counts.
  auto d = ix.check_and_add_bigrams("d", "u3", 10 * hour + 1, range_set(0, 100));
  EXPECT_TRUE(d.duplicate);
  EXPECT_EQ(d.duplicate_of, "b");
  EXPECT_EQ(d.cluster_id, a.cluster_id);
  EXPECT_EQ(d.cluster_size, 4u);
  EXPECT_EQ(d.cluster_authors, 2u);  // u2, u3
  // Only d left after b and c go.
  auto e = ix.check_and_add_bigrams("e", "u4", 12 * hour + 1, range_set(3, 103));
  EXPECT_EQ(e.duplicate_of, "d");
  EXPECT_EQ(e.cluster_id, a.cluster_id);
  EXPECT_EQ(e.cluster_size, 5u);
  EXPECT_EQ(e.cluster_authors, 2u);
  // When every member is gone the cluster ends; the same text starts a new one.
  auto f = ix.check_and_add_bigrams("f", "u5", 40 * hour, range_set(0, 100));
  EXPECT_FALSE(f.duplicate);
  EXPECT_NE(f.cluster_id, a.cluster_id);
  EXPECT_EQ(f.cluster_size, 1u);
}

TEST(NearDuplicates, ABridgingPostMergesClustersUnderTheOlderId) {
  // J(A,B) = 78/122, J(B,C) = 77/123; J(A,C) = 55/145 (< 0.5): A and C
  // start clusters of their own, B joins both.
  near_duplicate_index ix;
  auto a = ix.check_and_add_bigrams("A", "u1", 0, range_set(0, 100));
  auto a2 = ix.check_and_add_bigrams("A2", "u1", 1, range_set(0, 100));
  auto c = ix.check_and_add_bigrams("C", "u2", 2, range_set(45, 145));
  ASSERT_FALSE(c.duplicate);
  auto c2 = ix.check_and_add_bigrams("C2", "u3", 3, range_set(45, 145));
  ASSERT_EQ(c2.duplicate_of, "C");
  auto b = ix.check_and_add_bigrams("B", "u4", 4, range_set(22, 122));
  EXPECT_TRUE(b.duplicate);
  EXPECT_EQ(b.duplicate_of, "A");
  EXPECT_EQ(b.cluster_id, a.cluster_id);
  EXPECT_EQ(b.cluster_size, 5u);
  EXPECT_EQ(b.cluster_authors, 4u);
  EXPECT_EQ(ix.stats().cluster_merges, 1u);
  auto d = ix.check_and_add_bigrams("D", "u5", 5, range_set(45, 145));
  EXPECT_EQ(d.duplicate_of, "A");
  EXPECT_EQ(d.cluster_size, 6u);
  (void)a2;
}

TEST(NearDuplicates, CopiesJoinTheirClusterWithOneCompare) {
  // B is a near-duplicate of A (J = 78/122); then copies of B and of A, each
  // found through the newest post of its first band's bucket: one signature
  // compared, not a walk over the copies held.
  near_duplicate_index ix;
  const auto a_set = range_set(0, 100), b_set = range_set(22, 122);
  auto a = ix.check_and_add_bigrams("A", "u0", 0, a_set);
  auto b = ix.check_and_add_bigrams("B", "u1", 1, b_set);
  ASSERT_EQ(b.duplicate_of, "A");
  uint64_t size = 2;
  for (int i = 0; i < 40; ++i) {
    const uint64_t visited = ix.stats().visited;
    const bool of_a = i % 5 == 4;
    auto m = ix.check_and_add_bigrams("C" + std::to_string(i), "u" + std::to_string(2 + i % 3), 2 + i,
                                      of_a ? a_set : b_set);
    ++size;
    EXPECT_TRUE(m.duplicate) << i;
    EXPECT_EQ(m.duplicate_of, "A") << i;
    EXPECT_EQ(m.cluster_id, a.cluster_id) << i;
    EXPECT_EQ(m.cluster_size, size) << i;
    EXPECT_EQ(m.cluster_authors, i < 2 ? 3u + i : 5u) << i;
    EXPECT_EQ(m.candidates, 1u) << i;
    EXPECT_EQ(ix.stats().visited - visited, 1u) << i;  // a walk would visit the copies in every band
  }
  EXPECT_EQ(ix.stats().cluster_merges, 0u);
}

TEST(NearDuplicates, MergedMembersLeaveInArrivalOrder) {
  // After a merge, eviction walks the merged member list in seq order: the
  // first post is always the oldest member still held.
  near_duplicate_index ix({.max_posts = 6});
  ix.check_and_add_bigrams("A", "u", 0, range_set(0, 100));      // seq 0
  ix.check_and_add_bigrams("C", "u", 0, range_set(45, 145));     // seq 1
  ix.check_and_add_bigrams("A2", "u", 0, range_set(0, 100));     // seq 2
  ix.check_and_add_bigrams("C2", "u", 0, range_set(45, 145));    // seq 3
  ix.check_and_add_bigrams("B", "u", 0, range_set(22, 122));     // seq 4: merges
  const std::vector<std::string> firsts = {"C", "A2", "C2", "B"};
  for (size_t i = 0; i < firsts.size(); ++i) {
    // Each new copy evicts the oldest (cap 6 after the first).
    auto m = ix.check_and_add_bigrams("X" + std::to_string(i), "u", 0, range_set(22, 122));
    EXPECT_TRUE(m.duplicate);
    EXPECT_EQ(m.duplicate_of, i == 0 ? "A" : firsts[i - 1]) << i;
  }
}

TEST(NearDuplicates, DistinctPostsDoNotMatch) {
  near_duplicate_index ix;
  for (uint64_t i = 0; i < 2000; ++i) {
    auto m = ix.check_and_add_bigrams("p" + std::to_string(i), "a", 0, range_set(i * 100, i * 100 + 30));
    ASSERT_FALSE(m.duplicate) << i;
  }
  EXPECT_EQ(ix.stats().candidates, 0u);
}

// A stream with repeats, near copies and merges, through the ring's growth
// and eviction: two fresh indexes agree, and so does one whose maps were
// filled and emptied by other posts first (results never depend on the
// maps' history or iteration order). Cluster ids differ only by the offset
// of the earlier posts.
TEST(NearDuplicates, ResultsAreDeterministic) {
  std::mt19937_64 rng(9);
  struct item {
    std::string id;
    int64_t t;
    std::vector<uint64_t> set;
  };
  std::vector<item> stream;
  for (int i = 0; i < 5000; ++i) {
    const uint64_t family = rng() % 700, shift = rng() % 25;
    stream.push_back({"p" + std::to_string(i), int64_t(i) * 1000, range_set(family * 1000 + shift, family * 1000 + shift + 60)});
  }
  const near_duplicate_options opts{.window_ms = 1500 * 1000, .max_posts = 1200};
  near_duplicate_index x(opts), y(opts), z(opts);
  for (int i = 0; i < 3000; ++i) z.check_and_add_bigrams("warm" + std::to_string(i), "w", -10'000'000 + i, range_set(1'000'000 + i * 50, 1'000'000 + i * 50 + 40));
  size_t dups = 0;
  for (const item& it : stream) {
    auto a = x.check_and_add_bigrams(it.id, it.id.substr(0, 3), it.t, it.set);
    auto b = y.check_and_add_bigrams(it.id, it.id.substr(0, 3), it.t, it.set);
    auto c = z.check_and_add_bigrams(it.id, it.id.substr(0, 3), it.t, it.set);
    ASSERT_EQ(a.duplicate, b.duplicate);
    ASSERT_EQ(a.duplicate_of, b.duplicate_of);
    ASSERT_EQ(a.cluster_id, b.cluster_id);
    ASSERT_EQ(a.cluster_size, b.cluster_size);
    ASSERT_EQ(a.cluster_authors, b.cluster_authors);
    ASSERT_EQ(a.duplicate, c.duplicate) << it.id;
    ASSERT_EQ(a.duplicate_of, c.duplicate_of) << it.id;
    ASSERT_EQ(a.cluster_size, c.cluster_size) << it.id;
    ASSERT_EQ(a.cluster_authors, c.cluster_authors) << it.id;
    ASSERT_EQ(a.cluster_id + 3000, c.cluster_id) << it.id;
    dups += a.duplicate;
  }
  EXPECT_GT(dups, 3000u);
  EXPECT_EQ(x.size(), 1200u);
  EXPECT_GT(x.stats().cluster_merges, 0u);
}

TEST(NearDuplicates, InvalidUtf8IsAnErrorAndNotHeld) {
  near_duplicate_index ix;
  auto m = ix.check_and_add("p", "a", 0, "раз два три четыре \xc3");
  EXPECT_FALSE(m.ok());
  EXPECT_EQ(ix.size(), 0u);
}

TEST(NearDuplicates, MemoryIsReportedAndBounded) {
  near_duplicate_index ix({.max_posts = 5000});
  for (uint64_t i = 0; i < 20'000; ++i) ix.check_and_add_bigrams("post-" + std::to_string(i), "a", 0, range_set(i * 100, i * 100 + 30));
  const size_t bytes = ix.memory_bytes();
  std::printf("5000 posts held: %zu bytes, %.0f per post\n", bytes, double(bytes) / 5000);
  EXPECT_EQ(ix.size(), 5000u);
  EXPECT_LT(bytes / 5000, 2500u);
}

TEST(NearDuplicates, BandEntriesOfEvictedPostsAreReusedAndSwept) {
  // Eviction leaves a post's band entries in the map (stale); a later post
  // with the same keys must start a new bucket, not walk into evicted posts,
  // and the sweep must not drop the entries of live posts.
  near_duplicate_index ix({.max_posts = 4});
  ASSERT_FALSE(ix.check_and_add_bigrams("a", "x", 0, range_set(0, 100)).duplicate);
  for (uint64_t i = 1; i <= 4; ++i)  // evicts "a"
    ASSERT_FALSE(ix.check_and_add_bigrams("f" + std::to_string(i), "x", 0, range_set(i * 1000, i * 1000 + 100)).duplicate);
  const auto again = ix.check_and_add_bigrams("a2", "x", 0, range_set(0, 100));  // a's keys, stale
  EXPECT_FALSE(again.duplicate) << "a was evicted: its stale entries are not a match";
  const auto copy = ix.check_and_add_bigrams("a3", "x", 0, range_set(0, 100));
  EXPECT_TRUE(copy.duplicate);
  EXPECT_EQ(copy.duplicate_of, "a2") << "the bucket restarted at a2";
  // Thousands of posts later sweeps have run; a copy of the newest still matches.
  for (uint64_t i = 0; i < 3000; ++i)
    ix.check_and_add_bigrams("g" + std::to_string(i), "x", 0, range_set(10'000 + i * 200, 10'000 + i * 200 + 100));
  EXPECT_GT(ix.stats().sweeps, 0u);
  const auto last = ix.check_and_add_bigrams("g-copy", "x", 0, range_set(10'000 + 2999 * 200, 10'000 + 2999 * 200 + 100));
  EXPECT_TRUE(last.duplicate);
  EXPECT_EQ(last.duplicate_of, "g2999");
}

}  // namespace
}  // namespace sito::dedup

// The band table on its own (a private header of the dedup component,
// included by path: this is an internal test), against a plain map.
#include <unordered_map>

#include "../../engine/src/dedup/band_table.hpp"

namespace sito::dedup {
namespace {

using detail::band_table;

TEST(BandTable, AnswersAsAnExactMapThroughSweepsAndGrowth) {
  // Posts of 32 keys drawn from a small pool (buckets recur, go stale and
  // come back), a window of 40 posts, a ring that grows from 64 to 1024: the
  // table sweeps by load and by age and grows, and must answer every
  // exchange as the map does.
  std::mt19937_64 rng(3);
  band_table t;
  std::unordered_map<uint64_t, uint64_t> newest;
  uint64_t first = 0, end = 0;
  size_t ring = 64, found = 0, sweeps = 0;
  for (int post = 0; post < 60'000; ++post) {
    if (post == 20'000) ring = 1024;
    if (end - first == 40 || rng() % 50 == 0) first = std::min(end, first + 1 + rng() % 3);
    uint64_t keys[32];
    for (uint64_t j = 0; j < 32; ++j) keys[j] = band_table::hash((j << 48) | (rng() % (post < 40'000 ? 200 : 300'000)));
    sweeps += t.prepare(ring, 32, first, end);
    for (uint64_t h : keys) {
      const auto it = newest.find(h);
      const uint64_t want = it != newest.end() && it->second >= first ? it->second : band_table::no_seq;
      ASSERT_EQ(t.exchange(h, end, first), want) << post;
      newest[h] = end;
      found += want != band_table::no_seq;
    }
    ++end;
  }
  EXPECT_GT(found, 100'000u);
  EXPECT_GT(sweeps, 10u);
}

TEST(BandTable, AProbeTooLongGrowsTheTable) {
  // 400 keys with one home slot in a table of 2^12: probes pass 254 slots,
  // the table grows (and may grow again) and keeps every entry.
  band_table t;
  std::vector<uint64_t> same_home;
  for (uint64_t k = 0; same_home.size() < 400; ++k)
    if ((band_table::hash(k) & 4095) == 7) same_home.push_back(band_table::hash(k));
  t.prepare(1, same_home.size(), 0, 0);
  for (uint64_t h : same_home) ASSERT_EQ(t.exchange(h, 0, 0), band_table::no_seq);
  for (uint64_t h : same_home) ASSERT_EQ(t.exchange(h, 1, 0), 0u);
  EXPECT_EQ(t.size(), same_home.size());
  EXPECT_GT(t.memory_bytes(), 4096u * 8);
}

}  // namespace
}  // namespace sito::dedup
