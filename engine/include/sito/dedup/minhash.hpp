// File: sito/dedup/minhash.hpp
//
// MinHash signatures of bigram sets (shingles.hpp) and their LSH banding,
// the math a near_duplicate_index uses (near_duplicates.hpp). Everything a
// second backend needs to give identical bytes is here, header-only, in
// 32-bit integer arithmetic: the seeds, the per-value permutation and the
// band keys (as enrich/pixel_math.hpp does for OCR).
//
// Signature. For each of minhash_size (K) permutations π_i of 32-bit values,
// the minimum of π_i over the set's elements; the signature keeps the low 16
// bits of each minimum (b-bit minwise hashing, Li and König 2010: the
// ordering is decided on all 32 bits, the stored bits of the minimum are
// uniform). Two signatures agree at position i with probability
//   J + (1 − J)·2⁻¹⁶,   J the Jaccard similarity of the two sets,
// so the share of agreeing positions estimates J with a bias under 2·10⁻⁵
// and a standard deviation of √(J(1−J)/K): 0.051 at J = 0.5.
//
// Permutations. An element is a 64-bit bigram hash x; its 32-bit key is
// lo(x) ⊕ hi(x); π_i(key) = fmix(key·a_i + b_i) with a_i odd and fmix an
// xor-shift–multiply finalizer: a bijection of 32-bit values per i, with
// seeds from splitmix64 of a fixed constant. The estimator's measured bias
// and spread against exact Jaccard are asserted by dedup_test
// (MinHash.EstimateIsUnbiasedWithBinomialSpread).
//
// LSH (the S-curve). The K values are cut into lsh_bands (b) bands of
// lsh_rows (r) values; two posts become candidates when all r values of at
// least one band agree, which happens with probability 1 − (1 − J^r)^b.
// With b = 32, r = 3 (K = 96):
//   J       0.3    0.4    0.5    0.6    0.7
//   P(cand) 0.58   0.88   0.986  0.9996 1.0000
// Candidates are then kept only when the estimated Jaccard is at least the
// threshold (default 0.5), so the curve's early rise costs verifications,
// not precision: it sits low so that recall at J ≥ 0.5 is not lost to
// banding. (FACTS' 50×4 over 200 values reaches only 0.96 at J = 0.5 and
// costs twice the hashing.) Measured figures: bench/RESULTS.md, issue 12.
//
// Thread-safety: pure functions and constants.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace sito::dedup {

inline constexpr size_t minhash_size = 96;  ///< K: values per signature
inline constexpr size_t lsh_bands = 32;     ///< b: bands
inline constexpr size_t lsh_rows = 3;       ///< r: values per band
static_assert(lsh_bands * lsh_rows <= minhash_size);

/// A signature: the low 16 bits of each of the K minima.
using minhash_signature = std::array<uint16_t, minhash_size>;

struct minhash_seed {
  uint32_t a;  ///< odd multiplier
  uint32_t b;  ///< addend
};

namespace detail {
constexpr uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
constexpr std::array<minhash_seed, minhash_size> make_minhash_seeds() {
  std::array<minhash_seed, minhash_size> s{};
  uint64_t state = 0x5170'dedb'0000'0012ull;  // fixed: signatures are stable across builds
  for (auto& x : s) {
    const uint64_t v = splitmix64(state);
    x.a = static_cast<uint32_t>(v) | 1u;
    x.b = static_cast<uint32_t>(v >> 32);
  }
  return s;
}
}  // namespace detail

/// The K permutations' seeds.
inline constexpr std::array<minhash_seed, minhash_size> minhash_seeds = detail::make_minhash_seeds();

/// The 32-bit key of a 64-bit bigram hash.
constexpr uint32_t minhash_key(uint64_t bigram) {
  return static_cast<uint32_t>(bigram) ^ static_cast<uint32_t>(bigram >> 32);
}

/// π(key) for one seed: a bijection of 32-bit values.
constexpr uint32_t minhash_permute(uint32_t key, uint32_t a, uint32_t b) {
  uint32_t h = key * a + b;
  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  return h;
}

/// The signature of a set of bigram hashes (any order; repeats change
/// nothing). An empty set gives all 0xFFFF. Picks the widest SIMD the CPU
/// has; every path gives identical bytes.
void compute_minhash(std::span<const uint64_t> bigrams, minhash_signature& out);

/// The same loop built for the baseline ISA (what the compiler makes of it
/// without AVX): the reference the wider paths are tested against.
void compute_minhash_scalar(std::span<const uint64_t> bigrams, minhash_signature& out);

namespace detail {
/// One path by number (0 baseline, 1 AVX2, 2 AVX-512), for tests; false
/// when this CPU lacks it.
bool compute_minhash_path(int path, std::span<const uint64_t> bigrams, minhash_signature& out);
}  // namespace detail

/// How many of the K positions agree.
inline size_t minhash_agreements(const minhash_signature& a, const minhash_signature& b) {
  size_t n = 0;
  for (size_t i = 0; i < minhash_size; ++i) n += a[i] == b[i];
  return n;
}

/// The estimated Jaccard similarity: the share of agreeing positions.
inline double estimate_jaccard(const minhash_signature& a, const minhash_signature& b) {
  return static_cast<double>(minhash_agreements(a, b)) / minhash_size;
}

/// The key of band `band` (< lsh_bands): the band's r 16-bit values and the
/// band's number, packed without hashing, so two keys are equal exactly when
/// the band agrees.
inline uint64_t lsh_band_key(const minhash_signature& s, size_t band) {
  static_assert(lsh_rows * 16 + 16 <= 64);
  uint64_t k = band;
  for (size_t j = 0; j < lsh_rows; ++j) k = (k << 16) | s[band * lsh_rows + j];
  return k;
}

/// The S-curve: the probability that two sets of Jaccard similarity `j`
/// share at least one band, 1 − (1 − j^r)^b.
double lsh_candidate_probability(double j);

}  // namespace sito::dedup
