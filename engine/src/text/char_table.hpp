// Private: per-code-point normalization tables built once from ICU.
#pragma once

#include <cstdint>
#include <string>

namespace sito::text::detail {

/// NFKC + lower case + ё→е of one code point that forms a segment on its own.
struct mapped_cp {
  uint8_t count = 0;       ///< code points in `out`; 0 means the code point is dropped
  char32_t out[7] = {};
};

/// Fast-path tables for code points below `table_limit` (Latin, Cyrillic,
/// Greek, combining diacritics): ICU is consulted only above it.
inline constexpr char32_t table_limit = 0x800;

/// General punctuation (U+2000..U+207F): common in Russian text (— … “ ”).
inline constexpr char32_t punct_first = 0x2000;
inline constexpr char32_t punct_count = 0x80;

/// The analyzer's hottest lookup, two bytes per code point below U+0800.
struct fast_entry {
  uint8_t kind = 0;  ///< 0: take the mapped path, 1: token character, 2: plain separator
  uint8_t byte = 0;  ///< the one folded byte the code point normalizes to
};

struct char_tables {
  fast_entry fast[table_limit];
  mapped_cp mapped[table_limit];
  bool boundary_before[table_limit];
  /// By UTF-8 lead byte (0xCC..0xDF): every two-byte code point with this
  /// lead starts a new segment (Cyrillic, Greek, ...), so a successor with
  /// such a lead needs no decoding to know it cannot attach to what precedes.
  bool lead_starts_segment[256];
  bool token_char[table_limit];
  /// Maps to one or more code points, none of them a token character, a
  /// hashtag sigil or an emoji: the analyzer's fast path may pass it.
  bool simple_separator[table_limit];
  mapped_cp punct_mapped[punct_count];
  /// As simple_separator, and the code point starts a segment.
  bool punct_simple[punct_count];
};

/// The process-wide tables; built on first use, immutable after.
const char_tables& tables();

/// True when a normalization segment may start at `cp` (no composition with
/// what precedes it).
bool has_boundary_before(char32_t cp);

/// Normalizes one segment (a starter and the non-starters after it):
/// NFKC, lower case, ё→е, variation selectors dropped. Appends to `out`.
void normalize_segment(const char32_t* cps, size_t n, std::u32string& out);

}  // namespace sito::text::detail
