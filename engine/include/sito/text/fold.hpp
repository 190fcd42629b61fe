// File: sito/text/fold.hpp
//
// The single-byte folded form of normalized text (DESIGN §6). Hyperscan's
// literal matchers crawl over UTF-8 Cyrillic (every other byte is 0xD0/0xD1),
// so the engine scans and hashes a form with one byte per letter:
//
//   0x00–0x7F  ASCII, unchanged (normalized text has no upper-case letters)
//   0x80–0x9F  Cyrillic а … я (ё is folded to е before this step)
//   0xA0–0xA8  Kazakh ә ғ қ ң ө ұ ү һ і
//   0xF8 p1 p2 p3 p4   any other code point: an escape with four payload
//                      bytes in 0xC0–0xF7 (base 56, most significant first)
//
// Payload bytes never occur outside an escape, so a folded needle can only
// match a folded haystack at code point boundaries.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace sito::text {

inline constexpr unsigned char fold_escape = 0xF8;
inline constexpr size_t fold_escape_size = 5;

/// Writes the folded bytes of one normalized code point to `out` (room for
/// fold_escape_size bytes) and returns how many it wrote.
inline size_t fold_encode(char32_t cp, char* out) {
  if (cp < 0x80) { out[0] = char(cp); return 1; }
  if (cp >= 0x430 && cp <= 0x44F) { out[0] = char(0x80 + (cp - 0x430)); return 1; }
  switch (cp) {
    case 0x4D9: out[0] = char(0xA0); return 1;  // ә
    case 0x493: out[0] = char(0xA1); return 1;  // ғ
    case 0x49B: out[0] = char(0xA2); return 1;  // қ
    case 0x4A3: out[0] = char(0xA3); return 1;  // ң
    case 0x4E9: out[0] = char(0xA4); return 1;  // ө
    case 0x4B1: out[0] = char(0xA5); return 1;  // ұ
    case 0x4AF: out[0] = char(0xA6); return 1;  // ү
    case 0x4BB: out[0] = char(0xA7); return 1;  // һ
    case 0x456: out[0] = char(0xA8); return 1;  // і
    default: break;
  }
  uint32_t v = cp;
  out[0] = char(fold_escape);
  for (int k = 4; k >= 1; --k) { out[k] = char(0xC0 + v % 56); v /= 56; }
  return fold_escape_size;
}

/// Appends the folded bytes of one normalized code point.
inline void fold_append(std::string& out, char32_t cp) {
  char buf[fold_escape_size];
  out.append(buf, fold_encode(cp, buf));
}

/// Folds normalized UTF-8 text. Precondition: `utf8` is valid and already
/// normalized (normalize_term()); invalid bytes are folded as U+FFFD.
std::string fold(std::string_view utf8);

/// The inverse of fold(): normalized UTF-8 from folded bytes.
std::string unfold(std::string_view folded);
/// The same into `out` (cleared first), reusing its storage.
void unfold(std::string_view folded, std::string& out);

}  // namespace sito::text
