#include "sito/rules/sentiment_lexicon.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace sito::rules {

namespace detail {
// Generated from engine/data/sentiment_lexicon.txt (see engine/CMakeLists.txt).
extern const char* const builtin_lexicon_text;
}  // namespace detail

const char* to_string(sentiment s) {
  switch (s) {
    case sentiment::neutral: return "neutral";
    case sentiment::negative: return "negative";
    case sentiment::positive: return "positive";
  }
  return "neutral";
}

std::optional<sentiment> sentiment_from_string(std::string_view s) {
  std::string lower(s);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (lower == "neutral") return sentiment::neutral;
  if (lower == "negative") return sentiment::negative;
  if (lower == "positive") return sentiment::positive;
  return std::nullopt;
}

namespace {

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > b) out.push_back(line.substr(b, i - b));
  }
  return out;
}

std::optional<float> parse_number(std::string_view s) {
  float v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

result<sentiment_lexicon> parse_lexicon(std::string_view text, std::string_view origin) {
  sentiment_lexicon lex;
  uint32_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](const std::string& why) {
    return invalid_argument(std::string(origin) + ":" + std::to_string(line_no) + ": " + why);
  };
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("#")) {
      std::string_view rest = line.substr(1);
      while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      if (rest.starts_with("version:")) {
        rest.remove_prefix(8);
        while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        lex.version = std::string(rest);
      }
      continue;
    }
    auto parts = split_ws(line);
    if (parts.empty()) continue;
    const std::string_view role = parts[0];
    lexicon_entry e;
    e.line = line_no;
    auto need = [&](size_t n, const char* shape) -> status {
      if (parts.size() != n) return fail("'" + std::string(role) + "' takes the form: " + shape);
      return ok_status();
    };
    if (role == "pos" || role == "neg") {
      SITO_RETURN_IF_ERROR(need(3, "pos|neg <term> <weight>"));
      auto w = parse_number(parts[2]);
      if (!w || *w < 0 || *w > 5) return fail("weight '" + std::string(parts[2]) + "' is not a number in [0, 5]");
      e.role = lexicon_role::polar;
      e.weight = role == "pos" ? *w : -*w;
    } else if (role == "negator" || role == "negator_after" || role == "ad") {
      SITO_RETURN_IF_ERROR(need(2, "negator|negator_after|ad <term>"));
      e.role = role == "negator" ? lexicon_role::negator
               : role == "negator_after" ? lexicon_role::negator_after
                                         : lexicon_role::ad_marker;
      e.weight = 1;
    } else if (role == "intensifier") {
      SITO_RETURN_IF_ERROR(need(3, "intensifier <term> <factor>"));
      auto w = parse_number(parts[2]);
      if (!w || *w <= 0 || *w > 5) return fail("factor '" + std::string(parts[2]) + "' is not a number in (0, 5]");
      e.role = lexicon_role::intensifier;
      e.weight = *w;
    } else {
      return fail("unknown role '" + std::string(role) + "' (pos, neg, negator, negator_after, intensifier, ad)");
    }
    e.term = std::string(parts[1]);
    lex.entries.push_back(std::move(e));
  }
  return lex;
}

result<sentiment_lexicon> load_lexicon_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open lexicon file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_lexicon(ss.str(), path);
}

const sentiment_lexicon& builtin_lexicon() {
  static const sentiment_lexicon lex = [] {
    auto parsed = parse_lexicon(detail::builtin_lexicon_text, "builtin sentiment lexicon");
    // The file is checked by the unit tests; a broken build-time file must not start.
    if (!parsed.ok()) std::abort();
    return std::move(parsed).value();
  }();
  return lex;
}

}  // namespace sito::rules
