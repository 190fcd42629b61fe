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

struct char_tables {
  mapped_cp mapped[table_limit];
  bool boundary_before[table_limit];
  bool token_char[table_limit];
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
