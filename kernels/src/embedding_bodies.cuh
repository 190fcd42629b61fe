// The per-thread bodies of the embedding and MinHash kernels, SITO_HD so
// that host_reference_* (host_reference.cu) runs the GPU's exact
// decomposition on the CPU, where tests compare it with the CPU backend.
//
// Embedding: the CPU walks a segment word by word (embedding_math.hpp's
// accumulate_segment); a GPU thread takes one code point position b and adds
// the features that start there: the whole word when cp[b] opens one, and
// each n-gram [b, b+len) that holds no separator (a window without a 0 lies
// inside one bracketed word). Integer sums do not depend on their order, so
// the counts equal the CPU's exactly.
//
// MinHash: thread i of a set computes the minimum of permutation i over the
// set's keys, as compute_minhash_scalar does position by position.
#pragma once

#include <cstdint>

#include "sito/dedup/minhash.hpp"
#include "sito/enrich/embedding_math.hpp"

namespace sito::kernels::bodies {

namespace em = enrich::embedding_math;

/// Calls add(bucket, weight) for the features starting at position b of the
/// prepared segment cp[0, n).
template <typename Add>
SITO_HD void position_features(const uint32_t* cp, int n, int b, Add&& add) {
  if (cp[b] == em::word_separator) return;
  if (cp[b] == em::word_open) {
    int e = b + 1;
    while (e < n && cp[e] != em::word_separator) ++e;
    const uint32_t hw = em::feature_hash(cp + b, e - b, 1);
    add(em::bucket_of(hw), em::sign_of(hw) * em::word_weight);
  }
  int room = 1;  // code points from b up to the word's end, at most ngram_max
  while (room < em::ngram_max && b + room < n && cp[b + room] != em::word_separator) ++room;
  for (int len = em::ngram_min; len <= room; ++len) {
    const uint32_t h = em::feature_hash(cp + b, len, 0);
    add(em::bucket_of(h), em::sign_of(h));
  }
}

/// The low 16 bits of the minimum of permutation (a, b) over keys[0, n)
/// (0xFFFF for an empty set, as the CPU gives).
SITO_HD uint16_t minhash_lane(const uint64_t* bigrams, uint32_t n, uint32_t a, uint32_t b) {
  uint32_t m = 0xFFFFFFFFu;
  for (uint32_t j = 0; j < n; ++j) {
    // constexpr, so callable on the device (kernels build with --expt-relaxed-constexpr).
    const uint32_t h = dedup::minhash_permute(dedup::minhash_key(bigrams[j]), a, b);
    m = h < m ? h : m;
  }
  return static_cast<uint16_t>(m);
}

}  // namespace sito::kernels::bodies
