// MinHash signatures (sito/dedup/minhash.hpp): one loop body, compiled
// for the baseline, AVX2 and AVX-512 and picked once per process by the
// CPU, as the analyzer's SIMD paths are. The arithmetic is 32-bit integer
// only, so every path gives the same bytes (MinHash.SimdPathsAgree).
#include "sito/dedup/minhash.hpp"

#include <cmath>
#include <limits>

namespace sito::dedup {
namespace {

struct alignas(64) seed_arrays {
  uint32_t a[minhash_size];
  uint32_t b[minhash_size];
  constexpr seed_arrays() : a(), b() {
    for (size_t i = 0; i < minhash_size; ++i) {
      a[i] = minhash_seeds[i].a;
      b[i] = minhash_seeds[i].b;
    }
  }
};
constexpr seed_arrays seeds{};

// The loop over the K lanes is what the compiler vectorizes: per bigram,
// K multiply-add-fmix and a min, lanes independent.
#define SITO_MINHASH_BODY                                                        \
  alignas(64) uint32_t mins[minhash_size];                                       \
  for (size_t i = 0; i < minhash_size; ++i) mins[i] = UINT32_MAX;                \
  for (const uint64_t x : bigrams) {                                             \
    const uint32_t key = minhash_key(x);                                         \
    for (size_t i = 0; i < minhash_size; ++i) {                                  \
      const uint32_t h = minhash_permute(key, seeds.a[i], seeds.b[i]);           \
      mins[i] = h < mins[i] ? h : mins[i];                                       \
    }                                                                            \
  }                                                                              \
  for (size_t i = 0; i < minhash_size; ++i) out[i] = static_cast<uint16_t>(mins[i]);

__attribute__((target("avx2"))) void compute_minhash_avx2(std::span<const uint64_t> bigrams,
                                                          minhash_signature& out) {
  SITO_MINHASH_BODY
}

__attribute__((target("avx512f"))) void compute_minhash_avx512(std::span<const uint64_t> bigrams,
                                                               minhash_signature& out) {
  SITO_MINHASH_BODY
}

using minhash_fn = void (*)(std::span<const uint64_t>, minhash_signature&);

minhash_fn best_minhash() {
  if (__builtin_cpu_supports("avx512f")) return compute_minhash_avx512;
  if (__builtin_cpu_supports("avx2")) return compute_minhash_avx2;
  return compute_minhash_scalar;
}

}  // namespace

void compute_minhash_scalar(std::span<const uint64_t> bigrams, minhash_signature& out) { SITO_MINHASH_BODY }

void compute_minhash(std::span<const uint64_t> bigrams, minhash_signature& out) {
  static const minhash_fn fn = best_minhash();
  fn(bigrams, out);
}

namespace detail {
/// Every path, for the test that they agree: 0 scalar, 1 AVX2, 2 AVX-512.
/// Returns false when the CPU lacks the path.
bool compute_minhash_path(int path, std::span<const uint64_t> bigrams, minhash_signature& out) {
  switch (path) {
    case 0: compute_minhash_scalar(bigrams, out); return true;
    case 1:
      if (!__builtin_cpu_supports("avx2")) return false;
      compute_minhash_avx2(bigrams, out);
      return true;
    case 2:
      if (!__builtin_cpu_supports("avx512f")) return false;
      compute_minhash_avx512(bigrams, out);
      return true;
    default: return false;
  }
}
}  // namespace detail

double lsh_candidate_probability(double j) {
  return 1.0 - std::pow(1.0 - std::pow(j, static_cast<double>(lsh_rows)), static_cast<double>(lsh_bands));
}

}  // namespace sito::dedup
