#include "text/simd_blocks.hpp"

#include <immintrin.h>

#include "sito/text/token_hash.hpp"

namespace sito::text::detail {

bool cpu_has_avx2() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt") &&
                          __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2");
  return has;
#else
  return false;
#endif
}

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports reads CPUID only; the OS must also save the
  // opmask and zmm state (XCR0 bits 1, 2, 5, 6, 7).
  static const bool has = [] {
    if (!cpu_has_avx2() || !__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
        !__builtin_cpu_supports("avx512vbmi2"))
      return false;
    uint32_t eax, edx;
    __asm__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (eax & 0xE6u) == 0xE6u;
  }();
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

#define SITO_AVX512 __attribute__((target("avx512f,avx512bw,avx512vbmi2,bmi,bmi2,popcnt")))

namespace {

/// lo <= x <= hi for unsigned bytes, as a mask.
SITO_AVX512 inline uint64_t in_range_mask(__m512i x, unsigned char lo, unsigned char hi) {
  return _mm512_cmple_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8(static_cast<char>(lo))),
                                _mm512_set1_epi8(static_cast<char>(hi - lo)));
}

SITO_AVX512 inline uint64_t eq_mask(__m512i x, unsigned char c) {
  return _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(static_cast<char>(c)));
}

}  // namespace

SITO_AVX512 block_result fold_block_avx512(const unsigned char* p, size_t avail, char* out) {
  // Bytes past `avail` read as 0 (a separator) and are never committed.
  const __mmask64 readable = avail >= 64 ? ~__mmask64{0} : _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(avail));
  const __m512i v = _mm512_maskz_loadu_epi8(readable, p);

  const uint64_t upper = in_range_mask(v, 'A', 'Z');
  const uint64_t alnum = upper | in_range_mask(v, 'a', 'z') | in_range_mask(v, '0', '9');
  const uint64_t ascii = ~_mm512_movepi8_mask(v);
  const uint64_t separator = ascii & ~alnum & ~(eq_mask(v, '#') | eq_mask(v, '@'));

  // Cyrillic as in the AVX2 step; "after a lead" is the lead mask shifted.
  const uint64_t after_d0 = eq_mask(v, 0xD0) << 1, after_d1 = eq_mask(v, 0xD1) << 1;
  const uint64_t yo = (after_d0 & eq_mask(v, 0x81)) | (after_d1 & eq_mask(v, 0x91));
  const uint64_t cyr = (after_d0 & in_range_mask(v, 0x90, 0xBF)) | (after_d1 & in_range_mask(v, 0x80, 0x8F)) | yo;
  const uint64_t cyr_lead = cyr >> 1;

  const uint64_t simple_bits = separator | alnum | cyr_lead | cyr;
  const uint32_t simple = simple_bits == ~uint64_t{0} ? 64 : static_cast<uint32_t>(_tzcnt_u64(~simple_bits));

  const __m512i low = _mm512_mask_add_epi8(v, upper, v, _mm512_set1_epi8(0x20));
  const __m512i six = _mm512_and_si512(v, _mm512_set1_epi8(0x3F));
  const __m512i index = _mm512_mask_add_epi8(six, after_d1, six, _mm512_set1_epi8(0x40));
  __m512i letter = _mm512_or_si512(
      _mm512_and_si512(_mm512_sub_epi8(index, _mm512_set1_epi8(0x10)), _mm512_set1_epi8(0x1F)),
      _mm512_set1_epi8(static_cast<char>(0x80)));
  letter = _mm512_mask_mov_epi8(letter, yo, _mm512_set1_epi8(static_cast<char>(0x85)));
  const __m512i folded = _mm512_mask_mov_epi8(low, cyr, letter);

  const uint64_t keep = ~cyr_lead;
  _mm512_storeu_si512(out, _mm512_maskz_compress_epi8(keep, folded));
  return {simple, alnum | cyr_lead | cyr, keep};
}

#undef SITO_AVX512

#undef SITO_AVX2

#else

block_result fold_block_avx2(const unsigned char*, char*) { return {}; }
block_result fold_block_avx512(const unsigned char*, size_t, char*) { return {}; }

#endif

// Both block steps' callers have popcnt and BMI (cpu_has_avx2()).
#if defined(__x86_64__) || defined(__i386__)
#define SITO_BITS __attribute__((target("popcnt,bmi,bmi2")))
#else
#define SITO_BITS
#endif

SITO_BITS uint32_t emit_block_tokens(const block_result& r, uint32_t take, size_t orig, size_t fold,
                                     std::string_view folded, token_cursor& cur, std::vector<token>& tokens) {
  const uint64_t within = take >= 64 ? ~uint64_t{0} : (uint64_t{1} << take) - 1;
  const uint64_t tok = r.token & within, keep = r.keep & within;
  const uint64_t before = (tok << 1) | uint64_t{cur.in_token};  // bit k: byte k-1 is in a token
  uint64_t starts = tok & ~before;
  uint64_t ends = ~tok & before & within;
  // Folded offset of input byte k: the kept bytes before it.
  auto fold_at = [&](uint64_t k) {
    return static_cast<uint32_t>(fold + static_cast<uint64_t>(__builtin_popcountll(keep & ((uint64_t{1} << k) - 1))));
  };
  // Tokens alternate with gaps: each end closes the token the last start
  // (or the open one carried in) began.
  while (ends) {
    const auto k = static_cast<uint64_t>(__builtin_ctzll(ends));
    ends &= ends - 1;
    if (!cur.in_token) {
      const auto b = static_cast<uint64_t>(__builtin_ctzll(starts));
      starts &= starts - 1;
      cur.tok_fold = fold_at(b);
      cur.tok_orig = static_cast<uint32_t>(orig + b);
    }
    const uint32_t fold_end = fold_at(k);
    token& t = tokens.emplace_back();
    t.fold_begin = cur.tok_fold;
    t.fold_end = fold_end;
    t.orig_begin = cur.tok_orig;
    t.orig_end = static_cast<uint32_t>(orig + k);
    t.position = cur.position++;
    t.hash = token_hash_within(folded.data() + cur.tok_fold, fold_end - cur.tok_fold, folded.data() + folded.size());
    cur.in_token = false;
  }
  if (starts) {  // one token left open past `take`
    const auto b = static_cast<uint64_t>(__builtin_ctzll(starts));
    cur.in_token = true;
    cur.tok_fold = fold_at(b);
    cur.tok_orig = static_cast<uint32_t>(orig + b);
  }
  return static_cast<uint32_t>(__builtin_popcountll(keep));
}

#undef SITO_BITS

}  // namespace sito::text::detail
