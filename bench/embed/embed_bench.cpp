// embed_bench: posts/s of the embedding lane per backend (issue 12), for
// batches of posts scored against semantic-tag examples:
//   embed    segment embeddings of a batch (host → vectors on the host)
//   score    embeddings + similarity against every example + max per post
//   minhash  MinHash signatures of the posts' bigram sets
// CPU is one thread (the reference backend); CUDA includes the transfers of
// every call (the API's wall time, as sitod would see it). Inputs are
// synthetic (tests/kernels/synthetic_inputs.hpp: posts of 1–6 sentences of
// 4–14 Russian words, about 50 words; example phrases of 2–6 words; bigram
// sets of 0–120 hashes), so the same binary runs where the analyzer's ICU
// is missing (the standalone GPU build, ops/gpu-check).
//
//   embed_bench [--posts 4096] [--examples 1000] [--seconds 1] [--backends cpu,cuda]
//
// Prints one line per backend and stage, then the CUDA ÷ CPU ratios.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "embed/rate.hpp"
#include "kernels/synthetic_inputs.hpp"
#include "sito/enrich/embedding.hpp"
#if SITO_EMBED_BENCH_CUDA
#include "sito/kernels/cuda_embedding.hpp"
#include "sito/kernels/device.hpp"
#endif

int main(int argc, char** argv) {
  size_t posts = 4096, examples = 1000;
  double seconds = 1.0;
  std::string backends = "cpu,cuda";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--posts") posts = std::strtoul(argv[i + 1], nullptr, 10);
    else if (k == "--examples") examples = std::strtoul(argv[i + 1], nullptr, 10);
    else if (k == "--seconds") seconds = std::strtod(argv[i + 1], nullptr);
    else if (k == "--backends") backends = argv[i + 1];
    else {
      std::fprintf(stderr, "usage: embed_bench [--posts N] [--examples N] [--seconds S] [--backends cpu,cuda]\n");
      return 2;
    }
  }
  if (posts == 0 || examples == 0) {
    std::fprintf(stderr, "embed_bench: --posts and --examples must be positive\n");
    return 2;
  }
  namespace kt = sito::kernels::testing;
  const auto batch = kt::random_posts(posts, 42);
  const auto phrases = kt::random_phrases(examples, 43);
  std::vector<uint64_t> bigrams;
  std::vector<uint32_t> offsets;
  kt::random_bigram_sets(posts, 44, bigrams, offsets);
  std::printf("embed_bench: %zu posts a batch (%zu segments, %zu code points), %zu examples, dim %zu, %zu bigrams\n",
              posts, batch.segments(), batch.codepoints.size(), examples, sito::enrich::embedding_dim, bigrams.size());

  std::map<std::string, std::map<std::string, double>> rate;  // backend → stage → posts/s
  size_t start = 0;
  while (start <= backends.size()) {
    const size_t comma = std::min(backends.find(',', start), backends.size());
    const std::string name = backends.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
#if SITO_EMBED_BENCH_CUDA
    if (name == "cuda") {
      std::string why;
      if (!sito::kernels::register_cuda_embedding_backend(&why)) {
        std::printf("%-5s unavailable: %s\n", name.c_str(), why.c_str());
        continue;
      }
    }
#endif
    auto backend = sito::enrich::make_embedding_backend(name);
    if (!backend.ok()) {
      std::printf("%-5s unavailable: %s\n", name.c_str(), backend.error().to_string().c_str());
      continue;
    }
    auto& b = **backend;
    auto ex = sito::enrich::make_example_matrix(b, phrases);
    if (!ex.ok()) {
      std::fprintf(stderr, "embed_bench: %s\n", ex.error().to_string().c_str());
      return 1;
    }
    std::vector<float> out;
    std::vector<sito::dedup::minhash_signature> sigs(posts);
    using sito::bench::calls_per_second;
    rate[name]["embed"] = posts * calls_per_second(seconds, 5, [&] { return b.embed(batch, out).ok(); });
    rate[name]["score"] = posts * calls_per_second(seconds, 5, [&] { return b.score(batch, **ex, out).ok(); });
    rate[name]["minhash"] = posts * calls_per_second(seconds, 5, [&] { return b.minhash(bigrams, offsets, sigs).ok(); });
    for (const char* stage : {"embed", "score", "minhash"})
      std::printf("%-5s %-8s %14.0f posts/s\n", name.c_str(), stage, rate[name][stage]);
  }
  if (rate.count("cpu") && rate.count("cuda"))
    for (const char* stage : {"embed", "score", "minhash"})
      std::printf("ratio %-8s cuda / cpu (one core) = %.1fx\n", stage, rate["cuda"][stage] / rate["cpu"][stage]);
  return 0;
}
