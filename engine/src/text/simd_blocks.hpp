// Private: the analyzer's SIMD block step (text/analyzed_text.cpp).
//
// A block is 32 bytes of the field. Its "simple" prefix is the longest run
// of whole code points that the fast path would take one by one without a
// decision of its own: ASCII letters and digits (token characters, folded
// to lower case), ASCII separators other than the sigils `#` and `@`
// (copied), and the two-byte Cyrillic letters А–я, Ё, ё (folded to one
// byte, fold.hpp). Every one of them starts a normalization segment, so
// within the prefix nothing attaches to anything; whether the prefix's last
// code point may be committed depends on the byte after it, which the
// caller checks.
//
// fold_block_avx2() writes the folded bytes of the whole prefix, compacted
// (Cyrillic lead bytes dropped), and returns bit masks over the block's
// input bytes from which the caller derives token boundaries and folded
// offsets with popcounts (block_edges_avx2), with no per-byte loop.
//
// Preconditions: 32 bytes readable at `p`, 32 bytes writable at `out`, the
// CPU has AVX2 (cpu_has_avx2()).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace sito::text::detail {

struct block_result {
  uint32_t simple = 0;  ///< bytes [0, simple) are simple (0..32), whole code points
  uint32_t token = 0;   ///< bit k: input byte k belongs to a token character
  uint32_t keep = 0;    ///< bit k: input byte k yields one folded byte (clear for Cyrillic leads)
};

/// Where tokens start and end within a block's first `take` bytes: edge j
/// is at input byte at[j] (a token starts there if it is a token byte, else
/// the token before it ends there) and at folded offset fold_at[j] from the
/// block's first folded byte. `in_token`: a token is open before byte 0.
struct block_edges {
  uint32_t count = 0;
  uint8_t at[32];
  uint8_t fold_at[32];
};

bool cpu_has_avx2();
block_result fold_block_avx2(const unsigned char* p, char* out);
/// Fills `e` from a block_result's masks (take 1..32); returns the number of
/// folded bytes the first `take` input bytes yield.
uint32_t block_edges_avx2(const block_result& r, uint32_t take, bool in_token, block_edges& e);

}  // namespace sito::text::detail
