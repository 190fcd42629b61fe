// The shingler: word tokens of the analyzer minus emoji and links, then
// the sorted distinct hashes of adjacent pairs (sito/dedup/shingles.hpp).
#include "sito/dedup/shingles.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

#include "sito/text/fold.hpp"

namespace sito::dedup {
namespace {

inline unsigned char lower_ascii(unsigned char c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

bool starts_with_nocase(std::string_view s, size_t at, std::string_view prefix) {
  if (s.size() - at < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (lower_ascii(static_cast<unsigned char>(s[at + i])) != static_cast<unsigned char>(prefix[i])) return false;
  return true;
}

inline bool is_blank(unsigned char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
inline bool is_ascii_alnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// The links of `s` as sorted, disjoint byte ranges: from `http://`,
/// `https://` or `www.` (any case, at a word boundary) to the next ASCII
/// blank or the end. Found through memchr for ':' and a search for "www."
/// (and "WWW."), so a post without either costs two or three scans.
void find_links(std::string_view s, std::vector<size_t>& starts, std::vector<std::pair<size_t, size_t>>& links) {
  links.clear();
  starts.clear();
  const char* base = s.data();
  for (const char* p = base; (p = static_cast<const char*>(std::memchr(p, ':', s.size() - (p - base)))) != nullptr; ++p) {
    const size_t at = static_cast<size_t>(p - base);
    if (!starts_with_nocase(s, at, "://")) continue;
    if (at >= 5 && starts_with_nocase(s, at - 5, "https")) starts.push_back(at - 5);
    else if (at >= 4 && starts_with_nocase(s, at - 4, "http")) starts.push_back(at - 4);
  }
  for (std::string_view w : {std::string_view("www."), std::string_view("WWW.")})
    for (size_t at = s.find(w); at != std::string_view::npos; at = s.find(w, at + 1)) starts.push_back(at);
  if (starts.empty()) return;
  std::sort(starts.begin(), starts.end());
  for (size_t b : starts) {
    if (b > 0 && is_ascii_alnum(static_cast<unsigned char>(s[b - 1]))) continue;
    if (!links.empty() && b < links.back().second) continue;  // inside the previous link
    size_t e = b;
    while (e < s.size() && !is_blank(static_cast<unsigned char>(s[e]))) ++e;
    links.emplace_back(b, e);
  }
}

}  // namespace

void bigram_builder::add_words(const text::analyzed_text& a, std::string_view utf8, std::vector<uint32_t>* kept,
                               std::vector<std::string>* texts) {
  find_links(utf8, link_starts_, links_);
  size_t next_link = 0;
  for (size_t i = 0; i < a.tokens.size(); ++i) {
    const text::token& t = a.tokens[i];
    if (t.is_emoji) continue;
    while (next_link < links_.size() && links_[next_link].second <= t.orig_begin) ++next_link;
    if (next_link < links_.size() && t.orig_begin >= links_[next_link].first) continue;  // inside a link
    words_.push_back(t.hash);
    if (kept) kept->push_back(static_cast<uint32_t>(i));
    if (texts) texts->push_back(text::unfold(a.key(t)));
  }
}

void bigram_builder::add_field(const text::analyzed_text& a, std::string_view utf8) {
  if (!a.tokens.empty()) add_words(a, utf8, nullptr, nullptr);
}

void bigram_builder::finish(std::vector<uint64_t>& out) {
  const size_t first = out.size();
  for (size_t i = 1; i < words_.size(); ++i) out.push_back(bigram_hash(words_[i - 1], words_[i]));
  std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
  out.erase(std::unique(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()), out.end());
}

status shingler::analyze_words(std::string_view utf8, std::vector<std::string>* texts) {
  builder_.begin();
  kept_.clear();
  SITO_RETURN_IF_ERROR(analyzer_.analyze(utf8, analyzed_));
  builder_.add_words(analyzed_, utf8, &kept_, texts);
  return ok_status();
}

status shingler::shingle(std::string_view utf8, std::vector<uint64_t>& out) {
  out.clear();
  SITO_RETURN_IF_ERROR(analyze_words(utf8, nullptr));
  builder_.finish(out);
  return ok_status();
}

bool shingler::in_link(size_t token_index) const {
  const uint32_t at = analyzed_.tokens[token_index].orig_begin;
  const auto& links = builder_.links_;
  auto it = std::upper_bound(links.begin(), links.end(), at,
                             [](uint32_t x, const std::pair<size_t, size_t>& l) { return x < l.first; });
  return it != links.begin() && at < std::prev(it)->second;
}

result<std::vector<std::string>> shingler::words(std::string_view utf8) {
  std::vector<std::string> texts;
  SITO_RETURN_IF_ERROR(analyze_words(utf8, &texts));
  return texts;
}

}  // namespace sito::dedup
