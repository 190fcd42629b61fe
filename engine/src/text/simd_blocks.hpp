// Private: the analyzer's SIMD block step (text/analyzed_text.cpp).
//
// A block is 32 (AVX2) or 64 (AVX-512) bytes of the field. Its "simple"
// prefix is the longest run of whole code points that the fast path would
// take one by one without a decision of its own: ASCII letters and digits
// (token characters, folded to lower case), ASCII separators other than
// the sigils `#` and `@` (copied), and the two-byte Cyrillic letters А–я,
// Ё, ё (folded to one byte, fold.hpp). Every one of them starts a
// normalization segment, so within the prefix nothing attaches to
// anything; whether the prefix's last code point may be committed depends
// on the byte after it, which the caller checks.
//
// fold_block_*() writes the folded bytes of the whole prefix, compacted
// (Cyrillic lead bytes dropped), and returns bit masks over the block's
// input bytes. emit_block_tokens() turns the masks of the prefix's first
// `take` bytes into tokens — token ends and starts from mask arithmetic,
// folded offsets from popcounts, one loop iteration per token — with no
// per-byte loop.
//
// The AVX-512 step (BW + VBMI2) classifies with mask compares and compacts
// with one vpcompressb; a field's last, short block is read with a masked
// load. The AVX2 step compacts with a pshufb per 8-byte group and reads a
// short block from a zero-padded copy (the caller's).
//
// Preconditions: fold_block_avx2: 32 bytes readable at `p`, 32 writable at
// `out`, cpu_has_avx2(). fold_block_avx512: `avail` (1..64) bytes readable
// at `p`, 64 writable at `out`, cpu_has_avx512().
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sito/text/analyzed_text.hpp"

namespace sito::text::detail {

struct block_result {
  uint32_t simple = 0;  ///< bytes [0, simple) are simple (0..width), whole code points
  uint64_t token = 0;   ///< bit k: input byte k belongs to a token character
  uint64_t keep = 0;    ///< bit k: input byte k yields one folded byte (clear for Cyrillic leads)
};

/// The analyzer's open token between blocks and code points.
struct token_cursor {
  uint32_t position = 0;  ///< of the next token
  bool in_token = false;  ///< a token is open, starting at tok_fold / tok_orig
  uint32_t tok_fold = 0;
  uint32_t tok_orig = 0;
};

bool cpu_has_avx2();
bool cpu_has_avx512();  ///< AVX-512 BW and VBMI2 (vpcompressb), with the OS saving zmm state
block_result fold_block_avx2(const unsigned char* p, char* out);
block_result fold_block_avx512(const unsigned char* p, size_t avail, char* out);

/// The tokens of a block's first `take` input bytes (1..64), which start at
/// input offset `orig` and folded offset `fold` (where fold_block wrote
/// them in `folded`, the whole buffer, slack included): appends each token
/// that ends within them to `tokens` (with its hash), leaves one that runs
/// past them open in `cur`. Returns the number of folded bytes those input
/// bytes yield.
uint32_t emit_block_tokens(const block_result& r, uint32_t take, size_t orig, size_t fold, std::string_view folded,
                           token_cursor& cur, std::vector<token>& tokens);

}  // namespace sito::text::detail
