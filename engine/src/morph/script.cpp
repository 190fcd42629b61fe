// File: morph/script.cpp
//
// classify(): which alphabet a normalized token is written in. A small local
// UTF-8 decoder keeps this module free of ICU.
#include "sito/morph/script.hpp"

#include <cstddef>
#include <cstdint>

namespace sito::morph {
namespace {

// Decodes the code point at s[i] and advances i. Malformed bytes decode to
// U+FFFD and consume one byte, so classification never stalls on bad input.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

bool is_kazakh_only(char32_t c) {
  switch (c) {
    case U'ә': case U'ғ': case U'қ': case U'ң': case U'ө':
    case U'ұ': case U'ү': case U'һ': case U'і':
      return true;
    default:
      return false;
  }
}

// Cyrillic (U+0400–U+04FF) and Cyrillic Supplement (U+0500–U+052F) letters.
bool is_cyrillic(char32_t c) { return c >= 0x0400 && c <= 0x052F; }

bool is_ascii_letter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }

}  // namespace

script classify(std::string_view utf8_token) {
  bool cyrillic = false;
  bool latin = false;
  for (size_t i = 0; i < utf8_token.size();) {
    const char32_t c = next_code_point(utf8_token, i);
    if (is_kazakh_only(c)) return script::kazakh;
    if (is_cyrillic(c)) {
      cyrillic = true;
    } else if (is_ascii_letter(c)) {
      latin = true;
    }
  }
  if (cyrillic) return script::cyrillic;
  if (latin) return script::latin;
  return script::other;
}

}  // namespace sito::morph
