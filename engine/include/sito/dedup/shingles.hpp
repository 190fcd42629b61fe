// File: sito/dedup/shingles.hpp
//
// The set a near-duplicate check compares (DESIGN §4, issue 12): the
// distinct word bigrams of a post's normalized text, as 64-bit hashes.
//
// Normalization is the analyzer's (sito/text/analyzed_text.hpp): NFKC, lower
// case, ё→е, punctuation separates words. On top of it a shingler
//   * keeps word tokens only: emoji tokens are dropped, so appended emoji
//     change nothing;
//   * keeps the words of hashtags and @mentions without the sigil
//     (`#Розыгрыш_2024` gives the words `розыгрыш`, `2024`), so an appended
//     hashtag adds a bigram or two, like an appended word;
//   * drops URLs: a token whose bytes start inside a stretch that begins with
//     `http://`, `https://` (any case), `www.` or `WWW.` and runs to the next ASCII
//     blank (`Www.` in mixed case is not seen). Campaigns vary their tracking links per partner, so a link would
//     make copies look different, and a link alone says nothing of the text.
//     A bare domain without a scheme or `www.` (`vk.cc/x`) stays as words.
// Words on either side of a dropped token become adjacent. The bigram of the
// words (a, b) hashes their token_hash() values with bigram_hash(): the
// order matters, and the value is the same in every process of one build.
//
//   sito::dedup::shingler s;
//   std::vector<uint64_t> bigrams;
//   SITO_RETURN_IF_ERROR(s.shingle("Розыгрыш iPhone! Репост и подписка 🔥", bigrams));
//   // bigrams: sorted, distinct: {розыгрыш iphone, iphone репост, репост и, и подписка}
//
// Thread-safety: a shingler is NOT safe for concurrent use (it owns an
// analyzer and scratch); give each thread its own.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/token_hash.hpp"

namespace sito::dedup {

/// The hash of the word bigram (a, b) from the words' token_hash() values.
/// Not symmetric: bigram_hash(a, b) != bigram_hash(b, a) in general.
inline uint64_t bigram_hash(uint64_t first, uint64_t second) {
  using namespace sito::text::detail;
  return hash_mum(first ^ hash_s0, hash_mum(second ^ hash_s1, hash_s2));
}

/// The shingler's rule applied to analyses a caller already has: the scan
/// analyzes every field of a post, and a matched post's bigrams are made
/// from those tokens (scan_options::near_duplicate_bigrams) instead of
/// analyzing its text again. Feed the fields in order (title, then text),
/// then finish(): the result equals shingler::shingle() of the fields
/// joined by a line break, as dedup::text_of() joins them.
class bigram_builder {
 public:
  void begin() { words_.clear(); }
  /// Adds the kept words of one field: `a` is the analysis of `utf8`.
  void add_field(const text::analyzed_text& a, std::string_view utf8);
  /// The sorted, distinct bigram hashes of the words added since begin(),
  /// appended to `out`.
  void finish(std::vector<uint64_t>& out);

 private:
  friend class shingler;
  /// Adds the words of `a` outside links, their token indices into `kept`
  /// and their texts into `texts` when given.
  void add_words(const text::analyzed_text& a, std::string_view utf8, std::vector<uint32_t>* kept,
                 std::vector<std::string>* texts);
  std::vector<uint64_t> words_;
  std::vector<size_t> link_starts_;
  std::vector<std::pair<size_t, size_t>> links_;
};

class shingler {
 public:
  shingler() = default;
  explicit shingler(text::analyzer_implementation impl) : analyzer_(impl) {}

  /// The sorted, distinct bigram hashes of `utf8` into `out` (cleared first).
  /// A text of fewer than two words gives none.
  /// Errors: invalid_argument "invalid UTF-8 at byte N" (the analyzer's).
  status shingle(std::string_view utf8, std::vector<uint64_t>& out);

  /// The words shingle() keeps, in order, as normalized UTF-8 (for tests and
  /// `explain`-style output; not on the hot path).
  result<std::vector<std::string>> words(std::string_view utf8);

  /// Analyzes `utf8` and keeps its words (no emoji, no links): then
  /// analyzed() holds the analysis and kept() the indices of the kept
  /// tokens in analyzed().tokens, in text order (both valid until the next
  /// call). For other consumers of the same words (the embedding lane's
  /// text_preparer).
  status analyze_kept(std::string_view utf8) { return analyze_words(utf8, nullptr); }
  const text::analyzed_text& analyzed() const { return analyzed_; }
  const std::vector<uint32_t>& kept() const { return kept_; }
  /// Whether analyzed().tokens[i] lies inside a link (valid after analyze_kept).
  bool in_link(size_t token_index) const;

 private:
  /// Analyzes `utf8`; its words' token hashes in order go to builder_ (and
  /// their token indices into kept_).
  status analyze_words(std::string_view utf8, std::vector<std::string>* texts);

  text::analyzer analyzer_;
  text::analyzed_text analyzed_;
  bigram_builder builder_;
  std::vector<uint32_t> kept_;
};

}  // namespace sito::dedup
