#include "text/simd_blocks.hpp"

#include <immintrin.h>

namespace sito::text::detail {

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  return has;
#else
  return false;
#endif
}

#if defined(__x86_64__) || defined(__i386__)

// Only these functions are compiled for AVX2 (a target attribute, which GCC
// and clang both take); callers check cpu_has_avx2().
#define SITO_AVX2 __attribute__((target("avx2,popcnt")))

namespace {

/// lo <= x <= hi for unsigned bytes.
SITO_AVX2 inline __m256i in_range_u8(__m256i x, unsigned char lo, unsigned char hi) {
  const __m256i clamped = _mm256_min_epu8(_mm256_max_epu8(x, _mm256_set1_epi8(static_cast<char>(lo))),
                                          _mm256_set1_epi8(static_cast<char>(hi)));
  return _mm256_cmpeq_epi8(clamped, x);
}

SITO_AVX2 inline __m256i eq8(__m256i x, unsigned char c) {
  return _mm256_cmpeq_epi8(x, _mm256_set1_epi8(static_cast<char>(c)));
}

SITO_AVX2 inline uint32_t bits(__m256i m) { return static_cast<uint32_t>(_mm256_movemask_epi8(m)); }

/// For each 8-bit keep mask, the pshufb indices that move the kept bytes of
/// an 8-byte group to its front.
struct compaction_table {
  alignas(16) unsigned char shuffle[256][8];
  constexpr compaction_table() : shuffle() {
    for (unsigned m = 0; m < 256; ++m) {
      unsigned w = 0;
      for (unsigned b = 0; b < 8; ++b)
        if (m & (1u << b)) shuffle[m][w++] = static_cast<unsigned char>(b);
      for (; w < 8; ++w) shuffle[m][w] = 0x80;
    }
  }
};
constexpr compaction_table compaction;

/// Stores the bytes of `v` whose bit is set in `keep`, in order, at `out`
/// (writes up to 32 bytes past `out`; the caller counts the kept ones).
SITO_AVX2 inline void compact_store(__m256i v, uint32_t keep, char* out) {
  const __m128i halves[2] = {_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1)};
  for (int h = 0; h < 2; ++h) {
    const uint32_t m0 = (keep >> (16 * h)) & 0xFF, m1 = (keep >> (16 * h + 8)) & 0xFF;
    const __m128i lo = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(compaction.shuffle[m0]));
    const __m128i hi = _mm_add_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(compaction.shuffle[m1])),
                                    _mm_set1_epi8(8));  // 0x80 + 8 keeps its high bit: still zeroes
    const __m128i moved_lo = _mm_shuffle_epi8(halves[h], lo);
    const __m128i moved_hi = _mm_shuffle_epi8(halves[h], hi);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), moved_lo);
    out += __builtin_popcount(m0);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), moved_hi);
    out += __builtin_popcount(m1);
  }
}

}  // namespace

SITO_AVX2 block_result fold_block_avx2(const unsigned char* p, char* out) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  // The byte before each byte (0 before the first).
  const __m256i prev = _mm256_alignr_epi8(v, _mm256_permute2x128_si256(v, v, 0x08), 15);

  const __m256i upper = in_range_u8(v, 'A', 'Z');
  const __m256i alnum = _mm256_or_si256(_mm256_or_si256(in_range_u8(v, 'a', 'z'), in_range_u8(v, '0', '9')), upper);
  const __m256i sigil = _mm256_or_si256(eq8(v, '#'), eq8(v, '@'));
  const uint32_t ascii = ~bits(v);
  const uint32_t letter_ascii = bits(alnum);
  const uint32_t separator = ascii & ~letter_ascii & ~bits(sigil);

  // Cyrillic А..п = D0 90..BF, р..я = D1 80..8F, Ё = D0 81, ё = D1 91: the
  // continuation byte decides, given the lead before it.
  const __m256i after_d0 = eq8(prev, 0xD0), after_d1 = eq8(prev, 0xD1);
  const __m256i yo = _mm256_or_si256(_mm256_and_si256(after_d0, eq8(v, 0x81)), _mm256_and_si256(after_d1, eq8(v, 0x91)));
  const __m256i cyr = _mm256_or_si256(
      _mm256_or_si256(_mm256_and_si256(after_d0, in_range_u8(v, 0x90, 0xBF)),
                      _mm256_and_si256(after_d1, in_range_u8(v, 0x80, 0x8F))),
      yo);
  const uint32_t cyr_second = bits(cyr);
  const uint32_t cyr_lead = cyr_second >> 1;  // a lead counts only with its letter after it

  const uint32_t simple_bits = separator | letter_ascii | cyr_lead | cyr_second;
  const uint32_t simple = simple_bits == 0xFFFFFFFFu ? 32 : static_cast<uint32_t>(__builtin_ctz(~simple_bits));

  // Folded bytes: ASCII lower-cased; a Cyrillic letter's second byte becomes
  // its folded letter: ((lead & 1) << 6 | (cont & 0x3F)) - 0x10 is 0..0x3F
  // for А..я, and its low five bits fold the case; Ё and ё become е.
  const __m256i lowered = _mm256_or_si256(v, _mm256_and_si256(upper, _mm256_set1_epi8(0x20)));
  const __m256i index = _mm256_add_epi8(_mm256_and_si256(v, _mm256_set1_epi8(0x3F)),
                                        _mm256_and_si256(after_d1, _mm256_set1_epi8(0x40)));
  __m256i letter = _mm256_or_si256(_mm256_and_si256(_mm256_sub_epi8(index, _mm256_set1_epi8(0x10)), _mm256_set1_epi8(0x1F)),
                                   _mm256_set1_epi8(static_cast<char>(0x80)));
  letter = _mm256_blendv_epi8(letter, _mm256_set1_epi8(static_cast<char>(0x85)), yo);
  const __m256i folded = _mm256_blendv_epi8(lowered, letter, cyr);

  const uint32_t keep = ~cyr_lead;
  compact_store(folded, keep, out);
  return {simple, letter_ascii | cyr_lead | cyr_second, keep};
}

SITO_AVX2 uint32_t block_edges_avx2(const block_result& r, uint32_t take, bool in_token, block_edges& e) {
  const uint32_t within = take >= 32 ? 0xFFFFFFFFu : (1u << take) - 1;
  const uint32_t tok = r.token & within, keep = r.keep & within;
  const uint32_t before = (tok << 1) | uint32_t(in_token);  // bit k: byte k-1 is in a token
  uint32_t edges = (tok & ~before) | (~tok & before & within);
  uint32_t n = 0;
  while (edges) {
    const auto k = static_cast<uint32_t>(__builtin_ctz(edges));
    edges &= edges - 1;
    e.at[n] = static_cast<uint8_t>(k);
    e.fold_at[n] = static_cast<uint8_t>(__builtin_popcount(keep & ((1u << k) - 1)));
    ++n;
  }
  e.count = n;
  return static_cast<uint32_t>(__builtin_popcount(keep));
}

#undef SITO_AVX2

#else

block_result fold_block_avx2(const unsigned char*, char*) { return {}; }
uint32_t block_edges_avx2(const block_result&, uint32_t, bool, block_edges& e) {
  e.count = 0;
  return 0;
}

#endif

}  // namespace sito::text::detail
