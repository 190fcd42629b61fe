#include "sito/query/diagnostic.hpp"

#include <algorithm>

namespace sito::query {
namespace {

bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

void locate(std::string_view source, diagnostic& d) {
  const size_t offset = std::min<size_t>(d.offset, source.size());
  uint32_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  uint32_t column = 1;
  for (size_t i = line_start; i < offset; ++i) {
    if (!is_continuation(source[i])) ++column;
  }
  d.line = line;
  d.column = column;
}

std::string format_one_line(const diagnostic& d) {
  std::string out = std::to_string(d.line) + ":" + std::to_string(d.column) + ": ";
  out += d.level == severity::error ? "error: " : "warning: ";
  out += d.message;
  if (!d.hint.empty()) out += " (hint: " + d.hint + ")";
  return out;
}

std::string format_with_caret(std::string_view source, const diagnostic& d) {
  const size_t offset = std::min<size_t>(d.offset, source.size());
  size_t line_start = 0;
  for (size_t i = 0; i < offset; ++i) {
    if (source[i] == '\n') line_start = i + 1;
  }
  size_t line_end = source.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::string_view text = source.substr(line_start, line_end - line_start);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);

  std::string out(text);
  out += '\n';
  // One blank per code point before the offset; tabs stay tabs so that the
  // caret lines up in a terminal.
  for (size_t i = line_start; i < offset && i < line_start + text.size(); ++i) {
    if (is_continuation(source[i])) continue;
    out += source[i] == '\t' ? '\t' : ' ';
  }
  out += "^\n";
  out += d.level == severity::error ? "error: " : "warning: ";
  out += d.message;
  out += '\n';
  if (!d.hint.empty()) {
    out += "hint: ";
    out += d.hint;
    out += '\n';
  }
  return out;
}

}  // namespace sito::query
