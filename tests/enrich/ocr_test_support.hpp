// Test support: renders known text into images at test time with
// ImageMagick (/usr/bin/convert; `/usr/local/bin/convert` on some machines
// is an unrelated stand-in) and scores OCR output by character accuracy.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fcntl.h>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sito::enrich::testing {

inline const char* convert_path() { return "/usr/bin/convert"; }
inline bool have_convert() { return ::access(convert_path(), X_OK) == 0; }

/// A scratch directory for this process, created once.
inline std::string scratch_dir() {
  static std::string dir = [] {
    std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : std::string("/tmp")) +
                       "/sito-ocr-test-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    const char* d = ::mkdtemp(buf.data());
    return std::string(d ? d : "/tmp");
  }();
  return dir;
}

/// Runs /usr/bin/convert with `args` (no shell: text needs no quoting);
/// true on exit status 0. ImageMagick's policy forbids `caption:@file`, so
/// text goes inline (where '%' would be an escape).
inline bool run_convert(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string prog = convert_path();
  argv.push_back(prog.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, prog.c_str(), &fa, nullptr, argv.data(), ::environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return false;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

inline std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

enum class style {
  clean,  ///< black DejaVu Sans 28 pt on white, PNG
  meme,   ///< bold white-on-colour with a dark outline, rotated 4°, noise, JPEG quality 60
  dark,   ///< light text on a dark ground, PNG
};

/// Renders `text` (no '%': ImageMagick escapes) into an image file and returns its bytes; empty on failure.
inline std::vector<uint8_t> render(const std::string& text, style s, const std::string& name, int width = 900) {
  const std::string out = scratch_dir() + "/" + name + (s == style::meme ? ".jpg" : ".png");
  std::vector<std::string> a = {"-seed", "7", "-size", std::to_string(width) + "x"};  // seeded noise: reproducible
  switch (s) {
    case style::clean:
      a.insert(a.end(), {"-background", "white", "-fill", "black", "-font", "DejaVu-Sans", "-pointsize", "28",
                         "caption:" + text, "-bordercolor", "white", "-border", "20"});
      break;
    case style::meme:
      a.insert(a.end(), {"-background", "#c8502a", "-fill", "#fff6d0", "-stroke", "#202020", "-strokewidth", "1",
                         "-font", "DejaVu-Sans-Bold", "-pointsize", "34", "caption:" + text, "-bordercolor", "#c8502a",
                         "-border", "24", "-rotate", "4", "-attenuate", "0.25", "+noise", "Gaussian", "-quality", "60"});
      break;
    case style::dark:
      a.insert(a.end(), {"-background", "#1b2a3a", "-fill", "#f0f0f0", "-font", "DejaVu-Sans", "-pointsize", "28",
                         "caption:" + text, "-bordercolor", "#1b2a3a", "-border", "20"});
      break;
  }
  a.push_back(out);
  if (!run_convert(a)) return {};
  return read_file(out);
}

/// UTF-8 → code points (invalid bytes become U+FFFD).
inline std::u32string code_points(const std::string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) { out.push_back(0xFFFD); ++i; continue; }
    char32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

/// Lower case for Latin, Cyrillic and the Kazakh letters: matching folds
/// case, and Cyrillic с/о/п/... have capitals of the same shape, which
/// Tesseract cannot tell apart in isolation.
inline char32_t fold(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x460 && c <= 0x4FF && (c % 2 == 0) && c != 0x4C0) return c + 1;  // paired letters (Ә, Ғ, Қ, Ң, Ө, Ұ, Ү, Һ)
  return c;
}

/// Whitespace runs → one space, trimmed: line breaks are the renderer's choice, not the text's.
inline std::u32string squash(const std::u32string& s) {
  std::u32string out;
  for (char32_t c : s) {
    const bool space = c == U' ' || c == U'\n' || c == U'\t' || c == U'\r' || c == U'\f';
    if (space) { if (!out.empty() && out.back() != U' ') out.push_back(U' '); }
    else out.push_back(fold(c));
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}

inline size_t levenshtein(const std::u32string& a, const std::u32string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// 1 − edit distance / expected length, over case-folded code points with
/// whitespace squashed.
inline double char_accuracy(const std::string& expected, const std::string& got) {
  const auto e = squash(code_points(expected)), g = squash(code_points(got));
  if (e.empty()) return g.empty() ? 1.0 : 0.0;
  const double d = static_cast<double>(levenshtein(e, g));
  return std::max(0.0, 1.0 - d / static_cast<double>(e.size()));
}

}  // namespace sito::enrich::testing
