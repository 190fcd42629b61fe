// File: tests/support/corpus.hpp
//
// Real human-written text from Debian packages: fortunes-ru (Russian,
// /usr/share/games/fortunes/ru/*.u8) and fortunes (English). Texts are split
// on the "%" lines of the fortune format; invalid UTF-8 texts are skipped.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sito/base/utf8.hpp"

namespace sito::testing {

inline std::vector<std::string> read_fortune_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> out;
  std::string line, cur;
  while (std::getline(in, line)) {
    if (line == "%") {
      if (!cur.empty() && utf8::find_invalid(cur) == std::string::npos) out.push_back(cur);
      cur.clear();
      continue;
    }
    if (!cur.empty()) cur.push_back('\n');
    cur += line;
  }
  if (!cur.empty() && utf8::find_invalid(cur) == std::string::npos) out.push_back(cur);
  return out;
}

/// Russian texts; empty when fortunes-ru is not installed.
inline std::vector<std::string> russian_fortunes(const std::string& dir = "/usr/share/games/fortunes/ru") {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".u8") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto texts = read_fortune_file(f);
    out.insert(out.end(), texts.begin(), texts.end());
  }
  return out;
}

/// English texts; empty when fortunes is not installed.
inline std::vector<std::string> english_fortunes(const std::string& dir = "/usr/share/games/fortunes") {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && !e.path().has_extension()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto texts = read_fortune_file(f);
    out.insert(out.end(), texts.begin(), texts.end());
  }
  return out;
}

}  // namespace sito::testing
