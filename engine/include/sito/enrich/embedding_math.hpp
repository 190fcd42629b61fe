// File: sito/enrich/embedding_math.hpp
//
// The arithmetic of sito's default text embedding, a character n-gram
// hashing embedding (no training: FACTS "Embeddings"), shared by the CPU
// backend (engine/src/enrich/embedding_backend.cpp) and the CUDA kernels
// (kernels/src/embedding_kernels.cu). Every function is SITO_HD, so host
// tests run the very arithmetic the GPU runs, and the two give identical
// bits: counts are integers, the norm is the square root of an exact 64-bit
// sum of squares, and each component is one IEEE division rounded to float.
//
// Input. A segment (a sentence or a short post, see embedding.hpp) is a
// sequence of code points prepared on the host: each word the analyzer keeps
// (folded, lower case, ё → е; emoji and links dropped) is written as
// `<` word `>` and words are separated by a 0. Example: "Курьер опоздал" →
//   < к у р ь е р > 0 < о п о з д а л > 0
//
// Features. Each word adds, into dim signed buckets:
//   * the whole word (with its brackets), weight word_weight;
//   * every substring of the bracketed word of ngram_min..ngram_max code
//     points, weight 1 each ("<ку", "кур", …, "ер>", "<кур", …).
// A feature's 32-bit hash h picks bucket h % dim and sign +1 or −1 from bit
// 31 (the "hashing trick" with a sign, Weinberger et al. 2009: collisions
// cancel in expectation instead of adding up). The embedding is the bucket
// vector divided by its L2 norm; an empty segment is the zero vector, whose
// cosine with anything is 0.
//
// So two texts are close when they share words and word pieces: inflected
// forms share their stems' n-grams ("опоздал", "опоздание", "опоздали"),
// word order does not matter, and a typo costs a few n-grams, not the word.
// It knows no synonyms: "курьер" and "доставщик" share nothing. Measured
// quality against a fastText model trained here: bench/RESULTS.md, issue 12.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <cmath>
#include <cstdint>

#if !defined(SITO_HD)
#if defined(__CUDACC__)
#define SITO_HD __host__ __device__ __forceinline__
#else
#define SITO_HD inline
#endif
#endif

namespace sito::enrich::embedding_math {

inline constexpr int dim = 512;            ///< components per embedding (a power of two)
inline constexpr int ngram_min = 3;        ///< shortest n-gram, in code points
inline constexpr int ngram_max = 5;        ///< longest n-gram
inline constexpr int word_weight = 2;      ///< the whole word's weight; each n-gram weighs 1
inline constexpr uint32_t word_open = '<';
inline constexpr uint32_t word_close = '>';
inline constexpr uint32_t word_separator = 0;
static_assert((dim & (dim - 1)) == 0, "dim must be a power of two");

/// murmur3's 32-bit finalizer: every input bit moves every output bit.
SITO_HD uint32_t fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

/// The hash of code points cp[0, n): FNV-1a over the code points, the
/// length mixed in, then fmix32. `kind` separates the whole-word feature
/// from an n-gram of the same code points (1 and 0).
SITO_HD uint32_t feature_hash(const uint32_t* cp, int n, uint32_t kind) {
  uint32_t h = 0x811c9dc5u ^ (kind * 0x9e3779b9u);
  for (int i = 0; i < n; ++i) h = (h ^ cp[i]) * 0x01000193u;
  return fmix32(h ^ static_cast<uint32_t>(n) * 0x27d4eb2fu);
}

SITO_HD int bucket_of(uint32_t h) { return static_cast<int>(h & (dim - 1)); }
SITO_HD int sign_of(uint32_t h) { return (h >> 31) ? -1 : 1; }

/// Calls add(bucket, signed weight) for each feature of the bracketed word
/// w[0, n) (n counts both brackets). The order of calls is fixed: the word,
/// then n-grams by start then length.
template <typename Add>
SITO_HD void word_features(const uint32_t* w, int n, Add&& add) {
  const uint32_t hw = feature_hash(w, n, 1);
  add(bucket_of(hw), sign_of(hw) * word_weight);
  for (int b = 0; b < n; ++b)
    for (int len = ngram_min; len <= ngram_max && b + len <= n; ++len) {
      const uint32_t h = feature_hash(w + b, len, 0);
      add(bucket_of(h), sign_of(h));
    }
}

/// Adds the features of every word of the prepared segment cp[0, n) into
/// counts[dim] (not cleared first).
SITO_HD void accumulate_segment(const uint32_t* cp, int n, int32_t* counts) {
  int b = 0;
  while (b < n) {
    int e = b;
    while (e < n && cp[e] != word_separator) ++e;
    if (e > b) word_features(cp + b, e - b, [counts](int bucket, int w) { counts[bucket] += w; });
    b = e + 1;
  }
}

/// The exact sum of squares of counts[dim].
SITO_HD int64_t sum_of_squares(const int32_t* counts) {
  int64_t ss = 0;
  for (int d = 0; d < dim; ++d) ss += static_cast<int64_t>(counts[d]) * counts[d];
  return ss;
}

/// One component of the normalized embedding: counts[d] / sqrt(ss), in
/// double, rounded once to float (0 when ss == 0).
SITO_HD float component(int32_t count, int64_t ss) {
  if (ss == 0) return 0.0f;
  return static_cast<float>(static_cast<double>(count) / sqrt(static_cast<double>(ss)));
}

}  // namespace sito::enrich::embedding_math
