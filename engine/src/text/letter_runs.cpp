#include "text/letter_runs.hpp"

#include <immintrin.h>

namespace sito::text::detail {

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

#if defined(__x86_64__) || defined(__i386__)

// Only these functions are compiled for AVX2 (a target attribute, which GCC
// and clang both take); callers check cpu_has_avx2().
#define SITO_AVX2 __attribute__((target("avx2")))

namespace {
/// lo <= x <= hi in 16-bit lanes holding 0..255.
SITO_AVX2 inline __m256i in_range16(__m256i x, short lo, short hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi16(x, _mm256_set1_epi16(static_cast<short>(lo - 1))),
                          _mm256_cmpgt_epi16(_mm256_set1_epi16(static_cast<short>(hi + 1)), x));
}
/// lo <= x <= hi in signed bytes (>= 0x80 is never inside an ASCII range).
SITO_AVX2 inline __m256i in_range8(__m256i x, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
}
}  // namespace

SITO_AVX2 run_result fold_cyrillic_run_avx2(const unsigned char* p, char* out) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  // 16-bit lanes: low byte the lead, high byte the continuation.
  const __m256i lead = _mm256_and_si256(v, _mm256_set1_epi16(0x00FF));
  const __m256i cont = _mm256_srli_epi16(v, 8);
  const __m256i d0 = _mm256_cmpeq_epi16(lead, _mm256_set1_epi16(0xD0));
  const __m256i d1 = _mm256_cmpeq_epi16(lead, _mm256_set1_epi16(0xD1));
  // А..п = D0 90..BF, р..я = D1 80..8F; Ё = D0 81, ё = D1 91 fold to е.
  const __m256i yo = _mm256_or_si256(_mm256_and_si256(d0, _mm256_cmpeq_epi16(cont, _mm256_set1_epi16(0x81))),
                                     _mm256_and_si256(d1, _mm256_cmpeq_epi16(cont, _mm256_set1_epi16(0x91))));
  const __m256i letter = _mm256_or_si256(
      _mm256_or_si256(_mm256_and_si256(d0, in_range16(cont, 0x90, 0xBF)), _mm256_and_si256(d1, in_range16(cont, 0x80, 0x8F))), yo);
  const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(letter));
  const uint32_t lanes = mask == 0xFFFFFFFFu ? 16 : static_cast<uint32_t>(__builtin_ctz(~mask)) / 2;
  if (lanes < 2) return {};
  // (lead & 1) << 6 | (cont & 0x3F) is the code point minus U+0400; minus
  // 0x10 it is 0..0x3F for А..я, and the low five bits fold the case.
  const __m256i index =
      _mm256_or_si256(_mm256_slli_epi16(_mm256_and_si256(lead, _mm256_set1_epi16(1)), 6),
                      _mm256_and_si256(cont, _mm256_set1_epi16(0x3F)));
  __m256i folded = _mm256_or_si256(
      _mm256_and_si256(_mm256_sub_epi16(index, _mm256_set1_epi16(0x10)), _mm256_set1_epi16(0x1F)),
      _mm256_set1_epi16(0x80));
  folded = _mm256_blendv_epi8(folded, _mm256_set1_epi16(0x85), yo);
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(folded, _mm256_setzero_si256()), 0xD8);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm256_castsi256_si128(packed));
  const uint32_t k = lanes - 1;
  return {2 * k, k};
}

SITO_AVX2 run_result fold_ascii_run_avx2(const unsigned char* p, char* out) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i upper = in_range8(v, 'A', 'Z');
  const __m256i alnum = _mm256_or_si256(_mm256_or_si256(in_range8(v, 'a', 'z'), in_range8(v, '0', '9')), upper);
  const auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(alnum));
  const uint32_t lanes = mask == 0xFFFFFFFFu ? 32 : static_cast<uint32_t>(__builtin_ctz(~mask));
  if (lanes < 2) return {};
  const __m256i lowered = _mm256_blendv_epi8(v, _mm256_or_si256(v, _mm256_set1_epi8(0x20)), upper);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), lowered);
  const uint32_t k = lanes - 1;
  return {k, k};
}

#undef SITO_AVX2

#else

run_result fold_cyrillic_run_avx2(const unsigned char*, char*) { return {}; }
run_result fold_ascii_run_avx2(const unsigned char*, char*) { return {}; }

#endif

}  // namespace sito::text::detail
