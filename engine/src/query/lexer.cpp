#include "query/lexer.hpp"
#include "sito/text/analyzed_text.hpp"

#include <optional>
#include <utility>

namespace sito::query::detail {
namespace {

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

/// Characters that are tokens of their own or delimit one, wherever they stand.
bool is_special_ascii(char c) {
  switch (c) {
    case '(': case ')': case '"': case '{': case '}': case ',': case '|': case '&':
      return true;
    default:
      return false;
  }
}

bool starts_comment(std::string_view s, size_t i) { return s.substr(i, 3) == "<<<"; }

/// Length in bytes of the whitespace code point at s[i], or 0.
size_t space_at(std::string_view s, size_t i) {
  char32_t cp = 0;
  int len = decode_utf8(s, i, cp);
  if (len == 0) return 0;
  return is_space(cp) ? size_t(len) : 0;
}

/// End of the word that starts at `i`: the first whitespace, special
/// character or `<<<` at or after i.
size_t scan_word(std::string_view s, size_t i) {
  while (i < s.size()) {
    char c = s[i];
    if (is_special_ascii(c) || starts_comment(s, i)) break;
    if (space_at(s, i) != 0) break;
    char32_t cp = 0;
    int len = decode_utf8(s, i, cp);
    i += len == 0 ? 1 : size_t(len);
  }
  return i;
}

enum class prefix_kind : uint8_t { scope, filter, contains, has, is, followers };

struct prefix_entry {
  std::string_view name;
  prefix_kind kind;
  field scope;
  filter_field filter;
};

constexpr prefix_entry prefixes[] = {
    {"title", prefix_kind::scope, field::title, filter_field::lang},
    {"text", prefix_kind::scope, field::text, filter_field::lang},
    {"image", prefix_kind::scope, field::image, filter_field::lang},
    {"contains", prefix_kind::contains, field::any, filter_field::lang},
    {"lang", prefix_kind::filter, field::any, filter_field::lang},
    {"source", prefix_kind::filter, field::any, filter_field::source},
    {"type", prefix_kind::filter, field::any, filter_field::type},
    {"channel", prefix_kind::filter, field::any, filter_field::channel},
    {"place", prefix_kind::filter, field::any, filter_field::place},
    {"author", prefix_kind::filter, field::any, filter_field::author},
    {"site", prefix_kind::filter, field::any, filter_field::site},
    {"url", prefix_kind::filter, field::any, filter_field::url},
    {"country", prefix_kind::filter, field::any, filter_field::country},
    {"city", prefix_kind::filter, field::any, filter_field::city},
    {"gender", prefix_kind::filter, field::any, filter_field::gender},
    {"followers", prefix_kind::followers, field::any, filter_field::followers},
    {"has", prefix_kind::has, field::any, filter_field::has_image},
    {"is", prefix_kind::is, field::any, filter_field::is_reply},
    {"sentiment", prefix_kind::filter, field::any, filter_field::sentiment},
    {"tag", prefix_kind::filter, field::any, filter_field::tag},
};

const prefix_entry* find_prefix(std::string_view lower_name) {
  for (const auto& p : prefixes) {
    if (p.name == lower_name) return &p;
  }
  return nullptr;
}

/// Parses an optionally signed decimal integer that fills all of `s`, with
/// magnitude at most max_followers_bound.
std::optional<int64_t> parse_bound(std::string_view s) {
  bool negative = false;
  if (!s.empty() && s[0] == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t v = 0;  // 19 decimal digits always fit in 64 unsigned bits
  for (char c : s) {
    if (!is_ascii_digit(c)) return std::nullopt;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > uint64_t(max_followers_bound)) return std::nullopt;
  return negative ? -int64_t(v) : int64_t(v);
}

class lexer {
 public:
  explicit lexer(std::string_view source) : s_(source) {}

  lex_result run() {
    while (true) {
      skip_space_and_comments();
      if (pos_ >= s_.size()) break;
      lex_one();
    }
    token end;
    end.kind = token_kind::end;
    end.begin = end.end = uint32_t(s_.size());
    out_.tokens.push_back(std::move(end));
    return std::move(out_);
  }

 private:
  void error(size_t offset, std::string message, std::string hint = {}) {
    diagnostic d;
    d.level = severity::error;
    d.offset = uint32_t(offset);
    d.message = std::move(message);
    d.hint = std::move(hint);
    out_.diagnostics.push_back(std::move(d));
  }

  void warning(size_t offset, std::string message, std::string hint = {}) {
    error(offset, std::move(message), std::move(hint));
    out_.diagnostics.back().level = severity::warning;
  }

  void skip_space_and_comments() {
    while (pos_ < s_.size()) {
      if (size_t len = space_at(s_, pos_); len != 0) {
        pos_ += len;
      } else if (starts_comment(s_, pos_)) {
        size_t close = s_.find(">>>", pos_ + 3);
        if (close == std::string_view::npos) {
          error(pos_, "unterminated comment: '<<<' has no closing '>>>'",
                "close the comment with '>>>'");
          pos_ = s_.size();
        } else {
          pos_ = close + 3;
        }
      } else {
        break;
      }
    }
  }

  void push_simple(token_kind kind, size_t begin, size_t end) {
    token t;
    t.kind = kind;
    t.begin = uint32_t(begin);
    t.end = uint32_t(end);
    out_.tokens.push_back(std::move(t));
  }

  void push_leaf(node n) {
    token t;
    t.kind = token_kind::leaf;
    t.begin = n.begin;
    t.end = n.end;
    t.leaf = std::move(n);
    out_.tokens.push_back(std::move(t));
  }

  void lex_one() {
    const size_t b = pos_;
    const char c = s_[pos_];
    switch (c) {
      case '(':
        push_simple(token_kind::lparen, b, ++pos_);
        return;
      case ')':
        push_simple(token_kind::rparen, b, ++pos_);
        return;
      case '"':
        lex_phrase();
        return;
      case '{':
        lex_braces();
        return;
      case '}':
        error(b, "unbalanced '}'", "'{' and '}' enclose a case-sensitive term, e.g. {Apple}");
        ++pos_;
        return;
      case ',':
        push_simple(token_kind::or_op, b, ++pos_);
        return;
      case '|':
        pos_ += s_.substr(b, 2) == "||" ? 2 : 1;
        push_simple(token_kind::or_op, b, pos_);
        return;
      case '&':
        pos_ += s_.substr(b, 2) == "&&" ? 2 : 1;
        push_simple(token_kind::and_op, b, pos_);
        return;
      case '-':
        push_simple(token_kind::not_op, b, ++pos_);
        return;
      case '~':
        pos_ += s_.substr(b, 2) == "~~" ? 2 : 1;
        push_simple(token_kind::not_op, b, pos_);
        return;
      case '!':
      case '+':
        lex_exact();
        return;
      case '#':
      case '@':
        lex_tag();
        return;
      default:
        lex_word();
        return;
    }
  }

  /// Reads a quoted string whose opening `"` is at pos_. Resolves `\"` and
  /// `\\`; any other backslash stays. On success pos_ is past the closing quote.
  std::optional<std::string> read_quoted() {
    const size_t open = pos_;
    std::string text;
    size_t i = pos_ + 1;
    while (i < s_.size()) {
      char c = s_[i];
      if (c == '\\' && i + 1 < s_.size() && (s_[i + 1] == '"' || s_[i + 1] == '\\')) {
        text.push_back(s_[i + 1]);
        i += 2;
      } else if (c == '"') {
        pos_ = i + 1;
        return text;
      } else {
        text.push_back(c);
        ++i;
      }
    }
    error(open, "unterminated quotes: '\"' has no closing '\"'",
          "close the text with '\"'; write \\\" for a quote inside it");
    pos_ = s_.size();
    return std::nullopt;
  }

  /// Reads the digits of a distance at pos_ (at least one digit is there).
  /// Reports distances above max_distance at `where`.
  std::optional<uint32_t> read_distance(size_t where) {
    uint64_t v = 0;
    bool too_big = false;
    while (pos_ < s_.size() && is_ascii_digit(s_[pos_])) {
      v = v * 10 + uint64_t(s_[pos_] - '0');
      if (v > max_distance) {
        too_big = true;
        v = max_distance + 1;
      }
      ++pos_;
    }
    if (too_big) {
      error(where, "distance is too large: at most " + std::to_string(max_distance),
            "proximity works within one post; use a distance of at most " +
                std::to_string(max_distance));
      return std::nullopt;
    }
    return uint32_t(v);
  }

  void lex_phrase() {
    const size_t b = pos_;
    auto text = read_quoted();
    if (!text) return;
    node n;
    n.kind = node_kind::phrase;
    n.text = std::move(*text);
    if (pos_ + 1 < s_.size() && s_[pos_] == '~' && is_ascii_digit(s_[pos_ + 1])) {
      const size_t tilde = pos_;
      ++pos_;
      auto d = read_distance(tilde);
      if (!d) return;
      n.kind = node_kind::proximity_phrase;
      n.distance = *d;
    } else if (pos_ < s_.size() && s_[pos_] == '~' && s_.substr(pos_, 2) != "~~") {
      // `"a b"~` with no number: a forgotten distance, not a NOT.
      error(pos_, "a proximity phrase needs a distance, e.g. \"a b\"~5",
            "write the largest window in words after '~', or put a space before '~' to negate");
      return;
    }
    if (!has_wordish(n.text)) {
      error(b, n.text.empty() ? "empty phrase" : "a phrase needs at least one letter, digit or emoji",
            "write the words to search for inside the quotes, e.g. \"доставка цветов\"");
      return;
    }
    n.begin = uint32_t(b);
    n.end = uint32_t(pos_);
    push_leaf(std::move(n));
  }

  void lex_braces() {
    const size_t b = pos_;
    size_t close = s_.find('}', b + 1);
    if (close == std::string_view::npos) {
      error(b, "unclosed '{'", "close the case-sensitive term with '}', e.g. {Apple}");
      pos_ = s_.size();
      return;
    }
    pos_ = close + 1;
    node n;
    n.kind = node_kind::case_sensitive;
    n.text = std::string(s_.substr(b + 1, close - b - 1));
    if (!has_wordish(n.text)) {
      error(b, "a case-sensitive term needs at least one letter, digit or emoji",
            "write the term inside the braces, e.g. {Apple}");
      return;
    }
    n.begin = uint32_t(b);
    n.end = uint32_t(pos_);
    push_leaf(std::move(n));
  }

  /// Validates term text and pushes a term or wildcard node for [b, e).
  void push_term(size_t b, size_t e, std::string text, bool exact) {
    pos_ = e;
    if (!has_wordish(text)) {
      error(b, "a term needs at least one letter, digit or emoji",
            "remove it, or put it in quotes together with a word, e.g. \"C++ курс\"");
      return;
    }
    node n;
    n.begin = uint32_t(b);
    n.end = uint32_t(e);
    if (text.find_first_of("*?") != std::string::npos) {
      n.kind = node_kind::wildcard;
      size_t star = text.find('*');
      if (star != std::string::npos) {
        int letters = 0;
        std::string_view before = std::string_view(text).substr(0, star);
        for (size_t i = 0; i < before.size();) {
          char32_t cp = 0;
          int len = decode_utf8(before, i, cp);
          if (len == 0) { ++i; continue; }
          if (text::is_token_char(cp)) ++letters;
          i += size_t(len);
        }
        if (letters < 3) {
          error(b, "a wildcard needs at least 3 letters before '*'",
                "a shorter prefix matches too many words; write e.g. флор*");
          return;
        }
        if (letters == 3) {
          warning(b, "short wildcard prefix: only 3 letters before '*'",
                  "a 3-letter prefix can expand to many words; use 4 or more letters if you can");
        }
      }
    } else {
      n.kind = node_kind::term;
      n.exact = exact;
    }
    n.text = std::move(text);
    push_leaf(std::move(n));
  }

  void lex_exact() {
    const size_t b = pos_;
    const size_t e = scan_word(s_, b + 1);
    if (e == b + 1) {
      error(b, std::string("'") + s_[b] + "' must be followed directly by a word",
            std::string("write e.g. ") + s_[b] + "доставка for this exact word form");
      pos_ = b + 1;
      return;
    }
    push_term(b, e, std::string(s_.substr(b + 1, e - b - 1)), true);
  }

  void lex_tag() {
    const size_t b = pos_;
    const size_t e = scan_word(s_, b + 1);
    pos_ = e;
    std::string text(s_.substr(b, e - b));
    if (!has_wordish(std::string_view(text).substr(1))) {
      error(b, std::string(s_[b] == '#' ? "a hashtag" : "a mention") +
                   " needs at least one letter or digit after '" + s_[b] + "'",
            s_[b] == '#' ? "write e.g. #flowwow" : "write e.g. @flowwow");
      return;
    }
    node n;
    n.kind = node_kind::tag;
    n.text = std::move(text);
    n.begin = uint32_t(b);
    n.end = uint32_t(e);
    push_leaf(std::move(n));
  }

  /// NEAR/n, NEAR/nf, ONEAR/n, ONEAR/nf and /n, /nf. `word` starts at b.
  /// Returns false when the word is no proximity operator (a term).
  bool lex_near(size_t b, size_t e, std::string_view word) {
    size_t slash = 0;
    std::string_view name;
    if (word == "NEAR" || word == "ONEAR" || word.starts_with("NEAR/") || word.starts_with("ONEAR/")) {
      slash = word.find('/');
      name = word.substr(0, slash == std::string_view::npos ? word.size() : slash);
    } else if (word.size() >= 2 && word[0] == '/' && is_ascii_digit(word[1])) {
      slash = 0;
      name = "NEAR";
    } else {
      return false;
    }
    // Expect: digits, then an optional 'f', then the end of the word.
    size_t i = slash == std::string_view::npos ? word.size() : slash + 1;
    size_t digits_begin = i;
    while (i < word.size() && is_ascii_digit(word[i])) ++i;
    size_t digits_end = i;
    bool f = i < word.size() && word[i] == 'f';
    if (f) ++i;
    if (digits_end == digits_begin || i != word.size()) {
      if (name == "NEAR" && slash == 0) return false;  // `/5x`: a term, not an operator
      pos_ = e;
      error(b, std::string(name) + " needs a distance, e.g. " + std::string(name) + "/5",
            std::string(name) + "/n finds both sides at most n words apart" +
                (name == "NEAR" ? "; NEAR/nf keeps their order" : ""));
      return true;
    }
    pos_ = b + digits_begin;
    auto d = read_distance(b);
    pos_ = e;
    if (!d) return true;
    bool ordered = f || name == "ONEAR";
    if (ordered && *d == 0) {
      error(b, "ordered proximity needs a distance of at least 1",
            "the gap between the two sides is at least 1 when one follows the other; write e.g. ONEAR/1");
      return true;
    }
    token t;
    t.kind = token_kind::near_op;
    t.begin = uint32_t(b);
    t.end = uint32_t(e);
    t.distance = *d;
    t.ordered = ordered;
    out_.tokens.push_back(std::move(t));
    return true;
  }

  void lex_word() {
    const size_t b = pos_;
    const size_t e = scan_word(s_, b);
    if (e == b) {  // cannot happen for valid input; never loop forever
      error(b, "unexpected character");
      pos_ = b + 1;
      return;
    }
    const std::string_view word = s_.substr(b, e - b);
    pos_ = e;
    if (word == "AND") return push_simple(token_kind::and_op, b, e);
    if (word == "OR") return push_simple(token_kind::or_op, b, e);
    if (word == "NOT") return push_simple(token_kind::not_op, b, e);
    if (lex_near(b, e, word)) return;

    size_t name_len = 0;
    while (name_len < word.size() && is_ascii_letter(word[name_len])) ++name_len;
    if (name_len > 0 && name_len < word.size() && word[name_len] == ':') {
      std::string lower;
      for (size_t i = 0; i < name_len; ++i) lower.push_back(ascii_lower(word[i]));
      const prefix_entry* p = find_prefix(lower);
      if (p == nullptr) {
        error(b, "unknown field '" + std::string(word.substr(0, name_len)) + "'",
              "fields are title:, text:, image:, contains:, lang:, source:, type:, channel:, place:, "
              "author:, site:, url:, country:, city:, gender:, followers:, has:, is:; to search for the "
              "text itself, put it in quotes: \"" + std::string(word) + "\"");
        return;
      }
      lex_prefixed(*p, b, b + name_len + 1, e);
      return;
    }
    push_term(b, e, std::string(word), false);
  }

  /// `name:` at [b, colon_end); the word that holds it ends at word_end.
  void lex_prefixed(const prefix_entry& p, size_t b, size_t colon_end, size_t word_end) {
    const std::string name(p.name);
    if (p.kind == prefix_kind::scope) {
      token t;
      t.kind = token_kind::field_prefix;
      t.begin = uint32_t(b);
      t.end = uint32_t(colon_end);
      t.scope = p.scope;
      out_.tokens.push_back(std::move(t));
      pos_ = colon_end;  // what follows lexes as a token of its own
      return;
    }
    if (p.kind == prefix_kind::followers) {
      lex_followers(b, colon_end, word_end);
      return;
    }
    // The value: a quoted string right after the colon, or the rest of the word.
    std::string value;
    if (colon_end < s_.size() && s_[colon_end] == '"') {
      pos_ = colon_end;
      auto q = read_quoted();
      if (!q) return;
      value = std::move(*q);
    } else {
      value = std::string(s_.substr(colon_end, word_end - colon_end));
      pos_ = word_end;
    }
    node n;
    n.begin = uint32_t(b);
    n.end = uint32_t(pos_);
    if (p.kind == prefix_kind::contains) {
      bool blank = true;
      for (size_t i = 0; i < value.size();) {
        char32_t cp = 0;
        int len = decode_utf8(value, i, cp);
        if (len == 0 || !is_space(cp)) { blank = false; break; }
        i += size_t(len);
      }
      if (blank) {
        error(b, "contains: needs a text to look for", "write e.g. contains:\"wow\"");
        return;
      }
      n.kind = node_kind::contains;
      n.text = std::move(value);
      push_leaf(std::move(n));
      return;
    }
    n.kind = node_kind::filter;
    if (p.kind == prefix_kind::has || p.kind == prefix_kind::is) {
      std::string lower;
      for (char c : value) lower.push_back(ascii_lower(c));
      if (p.kind == prefix_kind::has && lower == "image") {
        n.filter.field = filter_field::has_image;
      } else if (p.kind == prefix_kind::has && lower == "link") {
        n.filter.field = filter_field::has_link;
      } else if (p.kind == prefix_kind::is && lower == "reply") {
        n.filter.field = filter_field::is_reply;
      } else if (p.kind == prefix_kind::is && lower == "repost") {
        n.filter.field = filter_field::is_repost;
      } else if (p.kind == prefix_kind::is && lower == "own") {
        n.filter.field = filter_field::is_own;
      } else if (p.kind == prefix_kind::is && lower == "wom") {
        n.filter.field = filter_field::is_wom;
      } else if (p.kind == prefix_kind::is && lower == "processed") {
        n.filter.field = filter_field::is_processed;
      } else if (p.kind == prefix_kind::is && lower == "duplicate") {
        n.filter.field = filter_field::is_duplicate;
      } else {
        error(b, "unknown value '" + value + "' for " + name + ":",
              p.kind == prefix_kind::has ? "write has:image or has:link"
                                         : "write is:reply, is:repost, is:own, is:wom, is:processed or is:duplicate");
        return;
      }
      push_leaf(std::move(n));
      return;
    }
    if (value.empty()) {
      error(b, name + ": needs a value", "write e.g. lang:ru, source:vk or city:\"Нижний Новгород\"");
      return;
    }
    if (p.filter == filter_field::sentiment) {
      std::string lower;
      for (char c : value) lower.push_back(ascii_lower(c));
      if (lower != "negative" && lower != "neutral" && lower != "positive") {
        error(b, "unknown sentiment '" + value + "'", "write sentiment:negative, sentiment:neutral or sentiment:positive");
        return;
      }
      value = std::move(lower);
    }
    n.filter.field = p.filter;
    n.filter.value = std::move(value);
    push_leaf(std::move(n));
  }

  void lex_followers(size_t b, size_t colon_end, size_t word_end) {
    static const char* const hint =
        "write followers:>=1000, followers:<5000, followers:=100 or followers:[1000 TO 50000] "
        "(* for an open end)";
    node n;
    n.kind = node_kind::filter;
    n.filter.field = filter_field::followers;
    int64_t lo = INT64_MIN;
    int64_t hi = INT64_MAX;
    if (colon_end < s_.size() && s_[colon_end] == '[') {
      size_t close = s_.find(']', colon_end);
      if (close == std::string_view::npos) {
        error(colon_end, "unclosed '[' in followers range", hint);
        pos_ = s_.size();
        return;
      }
      pos_ = close + 1;
      // Split the inside on whitespace: lo TO hi.
      std::string_view inside = s_.substr(colon_end + 1, close - colon_end - 1);
      std::vector<std::string_view> parts;
      for (size_t i = 0; i < inside.size();) {
        if (size_t len = space_at(inside, i); len != 0) {
          i += len;
          continue;
        }
        size_t j = i;
        while (j < inside.size() && space_at(inside, j) == 0) {
          char32_t cp = 0;
          int len = decode_utf8(inside, j, cp);
          j += len == 0 ? 1 : size_t(len);
        }
        parts.push_back(inside.substr(i, j - i));
        i = j;
      }
      bool ok = parts.size() == 3 && (parts[1] == "TO" || parts[1] == "to");
      if (ok && parts[0] != "*") {
        auto v = parse_bound(parts[0]);
        ok = v.has_value();
        if (ok) lo = *v;
      }
      if (ok && parts[2] != "*") {
        auto v = parse_bound(parts[2]);
        ok = v.has_value();
        if (ok) hi = *v;
      }
      if (!ok) {
        error(b, "bad followers range", hint);
        return;
      }
    } else {
      pos_ = word_end;
      std::string_view v = s_.substr(colon_end, word_end - colon_end);
      std::string_view op;
      for (std::string_view candidate : {">=", "<=", ">", "<", "="}) {
        if (v.starts_with(candidate)) {
          op = candidate;
          break;
        }
      }
      auto number = parse_bound(v.substr(op.size()));
      if (!number) {
        error(b, "followers: needs a number, a comparison or a range", hint);
        return;
      }
      const int64_t x = *number;
      if (op == ">=") {
        lo = x;
      } else if (op == ">") {
        lo = x + 1;
      } else if (op == "<=") {
        hi = x;
      } else if (op == "<") {
        hi = x - 1;
      } else {
        lo = hi = x;
      }
      if ((lo != INT64_MIN && lo > max_followers_bound) || (hi != INT64_MAX && hi < -max_followers_bound)) {
        error(b, "followers bound is out of range", hint);
        return;
      }
    }
    if (lo > hi) {
      error(b, "followers range is empty: the lower bound is above the upper one", hint);
      return;
    }
    n.filter.lo = lo;
    n.filter.hi = hi;
    n.begin = uint32_t(b);
    n.end = uint32_t(pos_);
    push_leaf(std::move(n));
  }

  std::string_view s_;
  size_t pos_ = 0;
  lex_result out_;
};

}  // namespace

int decode_utf8(std::string_view s, size_t i, char32_t& cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  if (i >= n) return 0;
  const unsigned char b0 = p[i];
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    cp = (char32_t(b0 & 0x1F) << 6) | (p[i + 1] & 0x3F);
    return 2;
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    cp = (char32_t(b0 & 0x0F) << 12) | (char32_t(p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
    if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    cp = (char32_t(b0 & 0x07) << 18) | (char32_t(p[i + 1] & 0x3F) << 12) |
         (char32_t(p[i + 2] & 0x3F) << 6) | (p[i + 3] & 0x3F);
    if (cp < 0x10000 || cp > 0x10FFFF) return 0;
    return 4;
  }
  return 0;
}

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp = 0;
    int len = decode_utf8(s, i, cp);
    if (len == 0) return i;
    i += size_t(len);
  }
  return s.size();
}

bool is_space(char32_t cp) {
  switch (cp) {
    case ' ': case '\t': case '\n': case '\v': case '\f': case '\r':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200B;
  }
}


bool has_wordish(std::string_view text) {
  // Exactly the compiler's test: does the text yield a token to search for?
  // (NFKC matters: `™` becomes `tm`, `①` becomes `1`.)
  return !text::tokenize_term(text).empty();
}

bool value_prints_bare(std::string_view value) {
  if (value.empty() || value[0] == '"') return false;
  return scan_word(value, 0) == value.size();
}

bool wildcard_prints_bare(std::string_view text) {
  if (text.empty() || scan_word(text, 0) != text.size()) return false;
  switch (text[0]) {
    case '-': case '~': case '!': case '+': case '#': case '@':
      return false;
    default:
      break;
  }
  size_t name_len = 0;
  while (name_len < text.size() && is_ascii_letter(text[name_len])) ++name_len;
  if (name_len > 0 && name_len < text.size() && text[name_len] == ':') return false;
  // AND, OR, NOT and `/n` never contain '*' or '?', but every word that
  // starts like NEAR/ or ONEAR/ lexes as a (possibly bad) proximity operator.
  return !(text.starts_with("NEAR/") || text.starts_with("ONEAR/"));
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

lex_result lex(std::string_view source) { return lexer(source).run(); }

}  // namespace sito::query::detail
