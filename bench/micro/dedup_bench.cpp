// Near-duplicate check (issue 12) micro benchmarks, one concept each:
//   BM_Shingle             analyzer + link/emoji filtering + bigram hashes of a post
//   BM_MinHash             the K = 96 signature of a post's bigrams (SIMD path of this CPU)
//   BM_CheckAndAdd/C       near_duplicate_index::check_and_add of one post (text to
//                          result: all of the above, LSH lookups, verification,
//                          clusters, eviction) with the window full at C posts held:
//                          the index is filled with C posts first, then every post
//                          measured evicts the oldest (a 24 h window whose cap binds)
//   BM_CheckAndAddBigrams/C the same from the post's bigrams (made beforehand), as
//                          sitod checks a matched post: MinHash + LSH and the rest
// Posts: sito-bench's firehose (seed 42; title and text, 374 bytes on average),
// 300 000 generated once; the stream wraps around after that, by when the first
// copies are evicted. Authors are the posts' author ids; times 50 ms apart.
// Single thread: posts/s per core = items_per_second.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "sito/dedup/minhash.hpp"
#include "sito/dedup/near_duplicates.hpp"
#include "support/firehose_generator.hpp"

namespace {

struct stream_post {
  std::string id, author, text;
};

const std::vector<stream_post>& posts() {
  static const std::vector<stream_post> all = [] {
    sito::bench::firehose_generator gen({.seed = 42});
    std::vector<stream_post> v;
    size_t bytes = 0;
    for (int i = 0; i < 300'000; ++i) {
      sito::post p = gen.next();
      std::string text = p.title.empty() ? p.text : p.title + "\n" + p.text;
      bytes += text.size();
      v.push_back({p.id, p.author.id, std::move(text)});
    }
    std::fprintf(stderr, "dedup_bench: %zu posts, %.1f bytes of title+text per post\n", v.size(),
                 double(bytes) / double(v.size()));
    return v;
  }();
  return all;
}

void BM_Shingle(benchmark::State& state) {
  const auto& ps = posts();
  sito::dedup::shingler sh;
  std::vector<uint64_t> grams;
  size_t i = 0, n_grams = 0;
  for (auto _ : state) {
    (void)sh.shingle(ps[i].text, grams);
    n_grams += grams.size();
    benchmark::DoNotOptimize(grams.data());
    if (++i == ps.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bigrams_per_post"] = double(n_grams) / double(state.iterations());
}
BENCHMARK(BM_Shingle);

void BM_MinHash(benchmark::State& state) {
  const auto& ps = posts();
  sito::dedup::shingler sh;
  std::vector<std::vector<uint64_t>> grams(20'000);
  for (size_t i = 0; i < grams.size(); ++i) (void)sh.shingle(ps[i].text, grams[i]);
  sito::dedup::minhash_signature sig;
  size_t i = 0;
  for (auto _ : state) {
    sito::dedup::compute_minhash(grams[i], sig);
    benchmark::DoNotOptimize(sig.data());
    if (++i == grams.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MinHash);

/// The window filled to its cap with posts [0, C), then each post measured
/// checked and added by `check(index, i, time)`.
template <typename Check>
void check_and_add_loop(benchmark::State& state, Check check) {
  const size_t n_posts = posts().size();
  const size_t cap = static_cast<size_t>(state.range(0));
  sito::dedup::near_duplicate_index index({.max_posts = cap});
  size_t i = 0;
  int64_t t = 0;
  for (; i < cap; ++i, t += 50) (void)check(index, i, t);
  const auto before = index.stats();
  for (auto _ : state) {
    auto m = check(index, i, t);
    benchmark::DoNotOptimize(m);
    t += 50;
    if (++i == n_posts) i = 0;
  }
  const auto& after = index.stats();
  const double n = double(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["dup_share"] = double(after.duplicates - before.duplicates) / n;
  state.counters["short_share"] = double(after.short_posts - before.short_posts) / n;
  state.counters["cand_per_post"] = double(after.candidates - before.candidates) / n;
  state.counters["visited_per_post"] = double(after.visited - before.visited) / n;
  state.counters["bytes_per_post"] = double(index.memory_bytes()) / double(index.size());
  state.counters["held"] = double(index.size());
  state.counters["merges_per_post"] = double(after.cluster_merges - before.cluster_merges) / n;
}

void BM_CheckAndAdd(benchmark::State& state) {
  const auto& ps = posts();
  check_and_add_loop(state, [&](sito::dedup::near_duplicate_index& index, size_t i, int64_t t) {
    return index.check_and_add(ps[i].id, ps[i].author, t, ps[i].text);
  });
}
BENCHMARK(BM_CheckAndAdd)->Arg(20'000)->Arg(100'000)->Arg(200'000)->Unit(benchmark::kNanosecond);

/// The same from bigrams already made, as sitod and `sito match` check a
/// matched post (the scan's analysis makes them: scan_options::
/// near_duplicate_bigrams): MinHash, LSH, verification, clusters, eviction.
void BM_CheckAndAddBigrams(benchmark::State& state) {
  const auto& ps = posts();
  static const std::vector<std::vector<uint64_t>> grams = [&] {
    sito::dedup::shingler sh;
    std::vector<std::vector<uint64_t>> g(ps.size());
    for (size_t i = 0; i < ps.size(); ++i) (void)sh.shingle(ps[i].text, g[i]);
    return g;
  }();
  check_and_add_loop(state, [&](sito::dedup::near_duplicate_index& index, size_t i, int64_t t) {
    return index.check_and_add_bigrams(ps[i].id, ps[i].author, t, grams[i]);
  });
}
BENCHMARK(BM_CheckAndAddBigrams)->Arg(20'000)->Arg(100'000)->Arg(200'000)->Unit(benchmark::kNanosecond);

}  // namespace

BENCHMARK_MAIN();
