#include "sito/base/utf8.hpp"

namespace sito::utf8 {

size_t find_invalid(std::string_view s) {
  size_t i = 0;
  char32_t cp;
  while (i < s.size()) {
    // ASCII runs are the common case.
    if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
    if (!decode(s, i, cp)) return i;
  }
  return std::string_view::npos;
}

size_t count_code_points(std::string_view s) {
  size_t i = 0, n = 0;
  char32_t cp;
  while (i < s.size()) {
    if (!decode(s, i, cp)) ++i;
    ++n;
  }
  return n;
}

}  // namespace sito::utf8
