#include "sito/text/fold.hpp"

#include "sito/base/utf8.hpp"

namespace sito::text {

std::string fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp;
    if (!utf8::decode(utf8, i, cp)) { cp = 0xFFFD; ++i; }
    fold_append(out, cp);
  }
  return out;
}

std::string unfold(std::string_view folded) {
  std::string out;
  unfold(folded, out);
  return out;
}

void unfold(std::string_view folded, std::string& out) {
  static constexpr char32_t kazakh[] = {0x4D9, 0x493, 0x49B, 0x4A3, 0x4E9, 0x4B1, 0x4AF, 0x4BB, 0x456};
  out.clear();
  out.reserve(folded.size() * 2);
  for (size_t i = 0; i < folded.size();) {
    auto b = static_cast<unsigned char>(folded[i]);
    if (b < 0x80) { out.push_back(char(b)); ++i; continue; }
    if (b <= 0x9F) { utf8::append(out, 0x430 + (b - 0x80)); ++i; continue; }
    if (b <= 0xA8) { utf8::append(out, kazakh[b - 0xA0]); ++i; continue; }
    if (b == fold_escape && i + fold_escape_size <= folded.size()) {
      uint32_t v = 0;
      for (size_t k = 1; k < fold_escape_size; ++k) v = v * 56 + (static_cast<unsigned char>(folded[i + k]) - 0xC0);
      utf8::append(out, v <= 0x10FFFF ? char32_t(v) : char32_t(0xFFFD));
      i += fold_escape_size;
      continue;
    }
    utf8::append(out, 0xFFFD);
    ++i;
  }
}

}  // namespace sito::text
