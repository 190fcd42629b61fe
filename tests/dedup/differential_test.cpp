// near_duplicate_index against the brute-force reference
// (reference_dedup.hpp) on generated posts: edits of real fortunes of every
// size, so that exact Jaccard similarities spread over [0, 1]. They must
// agree on every post whose best exact similarity to the window is at least
// 0.6 (a duplicate) or below 0.4 (not one); between 0.4 and 0.6 is the
// gray zone where a K = 96 estimate may fall either side of 0.5, excluded.
// MinHash is an estimate: at J = 0.6 the estimate falls below 0.5 with
// probability about 2% (binomial, K = 96), so the test allows a disagreement
// rate of 2% at the edges of the gray zone and none far from it (J ≥ 0.8 or
// J < 0.2).
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dedup/reference_dedup.hpp"
#include "sito/dedup/minhash.hpp"
#include "sito/dedup/near_duplicates.hpp"
#include "sito/dedup/shingles.hpp"
#include "support/corpus.hpp"

namespace sito::dedup {
namespace {

std::string join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) {
    if (!s.empty()) s.push_back(' ');
    s += x;
  }
  return s;
}

TEST(NearDuplicatesDifferential, AgreesWithExactJaccardOutsideTheGrayZone) {
  auto corpus = sito::testing::russian_fortunes();
  if (corpus.empty()) GTEST_SKIP() << "fortunes-ru is not installed";
  std::mt19937_64 rng(12);
  std::vector<std::vector<std::string>> bases;
  for (const auto& t : corpus) {
    auto w = testing::split_words(t);
    if (w.size() >= 6 && w.size() <= 80) bases.push_back(std::move(w));
  }
  std::shuffle(bases.begin(), bases.end(), rng);
  bases.resize(std::min<size_t>(bases.size(), 700));
  std::vector<std::string> vocab;
  for (const auto& b : bases) vocab.insert(vocab.end(), b.begin(), b.end());

  // The stream: each post is a base edited by k word operations, k drawn so
  // that similarities to the base's other copies cover the whole range.
  const int posts = 4000;
  const near_duplicate_options opts{.window_ms = 600'000, .max_posts = 500};
  near_duplicate_index index(opts);
  testing::reference_window ref(opts.window_ms, opts.max_posts, opts.min_bigrams);
  shingler sh;
  std::vector<uint64_t> grams;
  size_t above = 0, below = 0, gray = 0, miss_above = 0, false_below = 0, miss_far = 0, false_far = 0, short_posts = 0;
  for (int i = 0; i < posts; ++i) {
    auto w = bases[rng() % 150 + (i % 3 == 0 ? rng() % (bases.size() - 150) : 0)];
    const size_t edits = rng() % (w.size() / 2 + 1);
    for (size_t e = 0; e < edits && w.size() > 2; ++e) {
      const size_t at = rng() % w.size();
      switch (rng() % 3) {
        case 0: w[at] = vocab[rng() % vocab.size()]; break;
        case 1: w.erase(w.begin() + static_cast<long>(at)); break;
        default: w.insert(w.begin() + static_cast<long>(at), vocab[rng() % vocab.size()]); break;
      }
    }
    const std::string id = "p" + std::to_string(i);
    const int64_t t = int64_t(i) * 1000;  // a window of 600 posts, a cap of 500
    ASSERT_TRUE(sh.shingle(join(w), grams).ok());
    const auto r = ref.check_and_add(id, t, grams);
    const auto m = index.check_and_add_bigrams(id, "a", t, grams);
    ASSERT_EQ(m.indexed, r.indexed) << id;
    if (!r.indexed) {
      ++short_posts;
      continue;
    }
    if (m.duplicate) {
      ASSERT_TRUE(ref.held_before_last(m.duplicate_of)) << id << " → " << m.duplicate_of;
    }
    if (r.best_jaccard >= 0.6) {
      ++above;
      miss_above += !m.duplicate;
      if (r.best_jaccard >= 0.8) miss_far += !m.duplicate;
    } else if (r.best_jaccard < 0.4) {
      ++below;
      false_below += m.duplicate;
      if (r.best_jaccard < 0.2) false_far += m.duplicate;
    } else {
      ++gray;
    }
  }
  std::printf("posts %d (short %zu): J>=0.6 %zu (missed %zu, of which J>=0.8: %zu); J<0.4 %zu (flagged %zu, of which "
              "J<0.2: %zu); gray zone %zu; candidates verified %llu\n",
              posts, short_posts, above, miss_above, miss_far, below, false_below, false_far, gray,
              static_cast<unsigned long long>(index.stats().candidates));
  EXPECT_GT(above, 500u);
  EXPECT_GT(below, 500u);
  EXPECT_LE(miss_above, above / 50);
  EXPECT_LE(false_below, below / 50);
  EXPECT_EQ(miss_far, 0u);
  EXPECT_EQ(false_far, 0u);
}

// near_duplicate_index against an exact brute-force model of its documented
// rule (near_duplicates.hpp), result for result. The model holds the window
// as a plain list, and per post:
//   * candidates: for each band, the newest max_candidates_per_band held
//     posts whose band key equals the post's, found by scanning every held
//     post newest first (no maps, no links, no stamps);
//   * the copy rule: when band 0's newest such post has this very signature,
//     it is the only match;
//   * otherwise the matches are the candidates with at least
//     ceil(threshold · K) agreeing positions;
//   * the post joins the union of the matches' clusters, which takes the
//     smallest cluster id (a post that started a cluster gives it the id
//     seq + 1, seq counting the held posts); sizes add up; duplicate_of is
//     the oldest held member; authors are counted over the held members.
// The signature is compute_minhash's (tested on its own in minhash_test), so
// the comparison is exact: no gray zone. The stream is made of bigram sets
// drawn from a few hot families (buckets far beyond the per-band limit),
// many cold ones, edits of every size (estimates on both sides of the
// threshold), exact copies, short posts, late posts and gaps in time, so
// that posts leave the window by the cap and by time.
namespace model {

struct held_post {
  uint64_t seq;
  std::string id, author;
  int64_t time_ms;
  minhash_signature sig;
  uint64_t keys[lsh_bands];
  uint64_t cluster;  // the cluster's id
};

class brute_force_index {
 public:
  explicit brute_force_index(near_duplicate_options o) : o_(o) {}

  near_duplicate_match check_and_add(const std::string& id, const std::string& author, int64_t t,
                                     const std::vector<uint64_t>& grams) {
    near_duplicate_match m;
    latest_ = std::max(latest_, t);
    while (!held_.empty() && held_.front().time_ms < latest_ - o_.window_ms) held_.pop_front();
    if (grams.size() < o_.min_bigrams) return m;
    m.indexed = true;
    held_post p{next_seq_++, id, author, t, {}, {}, 0};
    compute_minhash(grams, p.sig);
    for (size_t j = 0; j < lsh_bands; ++j) p.keys[j] = lsh_band_key(p.sig, j);
    if (held_.size() == o_.max_posts) held_.pop_front();

    std::vector<const held_post*> matches;
    size_t found[lsh_bands] = {};
    bool copy = false;
    for (auto it = held_.rbegin(); it != held_.rend() && !copy; ++it) {
      bool candidate = false;
      for (size_t j = 0; j < lsh_bands; ++j) {
        if (it->keys[j] != p.keys[j] || found[j] == o_.max_candidates_per_band) continue;
        if (j == 0 && found[0] == 0 && it->sig == p.sig) {
          copy = true;
          matches.assign(1, &*it);
        }
        ++found[j];
        candidate = true;
      }
      if (candidate && !copy && double(minhash_agreements(it->sig, p.sig)) >= o_.threshold * double(minhash_size))
        matches.push_back(&*it);
    }

    p.cluster = p.seq + 1;
    uint64_t size = 1;
    if (!matches.empty()) {
      std::set<uint64_t> joined;
      for (const held_post* q : matches) joined.insert(q->cluster);
      p.cluster = *joined.begin();
      for (uint64_t c : joined) size += sizes_[c];
      for (held_post& q : held_)
        if (joined.count(q.cluster)) q.cluster = p.cluster;
    }
    sizes_[p.cluster] = size;
    held_.push_back(std::move(p));

    const uint64_t cluster = held_.back().cluster;
    std::set<std::string> authors;
    for (const held_post& q : held_)
      if (q.cluster == cluster) authors.insert(q.author);
    m.duplicate = !matches.empty();
    if (m.duplicate)
      m.duplicate_of = std::find_if(held_.begin(), held_.end(), [&](const held_post& q) { return q.cluster == cluster; })->id;
    m.cluster_id = cluster;
    m.cluster_size = size;
    m.cluster_authors = static_cast<uint32_t>(authors.size());
    return m;
  }

 private:
  near_duplicate_options o_;
  int64_t latest_ = std::numeric_limits<int64_t>::min() / 2;
  uint64_t next_seq_ = 0;
  std::deque<held_post> held_;
  std::map<uint64_t, uint64_t> sizes_;  // cluster id → posts that joined it
};

/// A generated stream of bigram sets (sorted, distinct).
struct generated_post {
  std::string id, author;
  int64_t t;
  std::vector<uint64_t> grams;
};

std::vector<generated_post> generate_stream(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<uint64_t>> families(3000);
  for (auto& f : families) {
    const size_t size = 3 + rng() % 45;
    for (size_t i = 0; i < size; ++i) f.push_back(rng() % 2'000'000);
  }
  // The hot families come in pairs of similar sets (40% of the elements
  // replaced), so that edited posts bridge clusters and merge them.
  for (size_t f = 1; f < 10; f += 2) {
    families[f] = families[f - 1];
    for (auto& x : families[f])
      if (rng() % 5 < 2) x = rng() % 2'000'000;
  }
  std::vector<generated_post> out;
  int64_t t = 0;
  for (int i = 0; i < n; ++i) {
    const uint64_t r = rng() % 100;
    // 40%: one of 10 hot families; 45%: one of the rest; 15%: a fresh set.
    std::vector<uint64_t> g;
    if (r < 85) g = families[r < 40 ? rng() % 10 : 10 + rng() % (families.size() - 10)];
    else
      for (size_t k = 0, size = rng() % 40; k < size; ++k) g.push_back(rng() % 2'000'000);
    // Half the posts are edited, with 1 to 25 replaced, dropped or added elements.
    if (rng() % 2) {
      const size_t edits = 1 + rng() % 25;
      for (size_t e = 0; e < edits && !g.empty(); ++e) {
        const size_t at = rng() % g.size();
        switch (rng() % 3) {
          case 0: g[at] = rng() % 2'000'000; break;
          case 1: g.erase(g.begin() + static_cast<long>(at)); break;
          default: g.push_back(rng() % 2'000'000); break;
        }
      }
    }
    if (rng() % 25 == 0) g.resize(std::min<size_t>(g.size(), rng() % 3));  // short
    for (uint64_t& x : g) x = bigram_hash(x * 0x9e3779b97f4a7c15ull, 29);
    std::sort(g.begin(), g.end());
    g.erase(std::unique(g.begin(), g.end()), g.end());
    // Mostly 1 s apart; sometimes a late post, sometimes a gap that empties
    // much of the window.
    const uint64_t dt = rng() % 1000;
    t += dt < 3 ? 400'000 : dt < 40 ? 0 : 1000;
    const int64_t late = rng() % 20 == 0 ? int64_t(rng() % 30'000) : 0;
    out.push_back({"p" + std::to_string(i), "u" + std::to_string(rng() % 40), t - late, std::move(g)});
  }
  return out;
}

void expect_same_results(const near_duplicate_options& opts, uint64_t seed, int n) {
  const auto stream = generate_stream(seed, n);
  near_duplicate_index index(opts);
  brute_force_index ref(opts);
  size_t dups = 0, merges_seen = 0, short_posts = 0;
  uint64_t largest = 0;
  for (const generated_post& p : stream) {
    const auto want = ref.check_and_add(p.id, p.author, p.t, p.grams);
    const auto got = index.check_and_add_bigrams(p.id, p.author, p.t, p.grams);
    ASSERT_EQ(got.indexed, want.indexed) << p.id;
    ASSERT_EQ(got.duplicate, want.duplicate) << p.id;
    ASSERT_EQ(got.duplicate_of, want.duplicate_of) << p.id;
    ASSERT_EQ(got.cluster_id, want.cluster_id) << p.id;
    ASSERT_EQ(got.cluster_size, want.cluster_size) << p.id;
    ASSERT_EQ(got.cluster_authors, want.cluster_authors) << p.id;
    dups += got.duplicate;
    short_posts += !got.indexed;
    largest = std::max(largest, got.cluster_size);
  }
  merges_seen = index.stats().cluster_merges;
  const auto& st = index.stats();
  std::printf("max_posts %zu, window %lld s, limit %zu: %d posts, %zu duplicates, %zu short, %zu merges, largest "
              "cluster %llu; evicted by cap %llu, by time %llu; sweeps %llu\n",
              opts.max_posts, static_cast<long long>(opts.window_ms / 1000), opts.max_candidates_per_band, n, dups,
              short_posts, merges_seen, static_cast<unsigned long long>(largest),
              static_cast<unsigned long long>(st.evicted_by_cap), static_cast<unsigned long long>(st.evicted_by_time),
              static_cast<unsigned long long>(st.sweeps));
  EXPECT_GT(dups, size_t(n) / 4);
  EXPECT_GT(merges_seen, 20u);
  EXPECT_GT(st.evicted_by_cap, 1000u);
  EXPECT_GT(st.evicted_by_time, 1000u);
  EXPECT_GT(st.sweeps, 0u);
}

}  // namespace model

TEST(NearDuplicatesDifferential, MatchesTheBruteForceModelPostForPost) {
  // A cap of 300 below a window of 400 s (about 380 posts): both evict.
  model::expect_same_results({.window_ms = 400'000, .max_posts = 300}, 1, 50'000);
}

TEST(NearDuplicatesDifferential, MatchesTheBruteForceModelWithATightCandidateLimit) {
  // Buckets of the hot families are far beyond a limit of 3; the threshold
  // is not 0.5, and the ring grows to 2048 slots and wraps.
  model::expect_same_results({.threshold = 0.6, .window_ms = 2'000'000, .max_posts = 1500, .max_candidates_per_band = 3},
                             2, 30'000);
}

}  // namespace
}  // namespace sito::dedup
