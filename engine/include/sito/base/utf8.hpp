// File: sito/base/utf8.hpp
//
// Strict UTF-8 decoding (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sito::utf8 {

/// Decodes the code point at `s[i]`. On success stores it in `cp`, advances
/// `i` past it and returns true; on an invalid sequence returns false and
/// leaves `i` at the offending byte.
inline bool decode(std::string_view s, size_t& i, char32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  unsigned char b0 = p[i];
  if (b0 < 0x80) { cp = b0; ++i; return true; }
  if (b0 < 0xC2) return false;
  if (b0 < 0xE0) {
    if (i + 1 >= n || (p[i + 1] & 0xC0) != 0x80) return false;
    cp = (char32_t(b0 & 0x1F) << 6) | (p[i + 1] & 0x3F);
    i += 2;
    return true;
  }
  if (b0 < 0xF0) {
    if (i + 2 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) return false;
    char32_t c = (char32_t(b0 & 0x0F) << 12) | (char32_t(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
    if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) return false;
    cp = c;
    i += 3;
    return true;
  }
  if (b0 < 0xF5) {
    if (i + 3 >= n || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 ||
        (p[i + 3] & 0xC0) != 0x80)
      return false;
    char32_t c = (char32_t(b0 & 0x07) << 18) | (char32_t(p[i + 1] & 0x3F) << 12) |
                 (char32_t(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
    if (c < 0x10000 || c > 0x10FFFF) return false;
    cp = c;
    i += 4;
    return true;
  }
  return false;
}

/// Appends the UTF-8 encoding of `cp` (which must be a valid scalar value).
inline void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

/// Byte offset of the first invalid sequence in `s`, or npos when valid.
size_t find_invalid(std::string_view s);

/// Number of code points in valid UTF-8 `s` (invalid bytes count as one each).
size_t count_code_points(std::string_view s);

}  // namespace sito::utf8
