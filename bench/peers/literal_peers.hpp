// File: bench/peers/literal_peers.hpp
//
// The literal-matching peers of the engine, on the exact bytes the engine
// itself scans: the folded token stream of a post ("\x01tok\x01tok\x01",
// title tokens then text tokens, see sito/text/fold.hpp).
//
//   hs_literal_scanner  raw Hyperscan block scan of every plain word of a
//                       topic set as a whole-token literal: the practical
//                       limit of the literal step (no morphology, no
//                       boolean evaluation, no proximity).
//   re2_set_matcher     RE2::Set with one alternation of whole-token
//                       literals per topic: reports the topics with any of
//                       their words in the post (candidates, a superset of
//                       what a full matcher would report, minus morphology).
//
//   auto words = sito::bench::query_words(topics);
//   sito::bench::hs_literal_scanner hs(words);          // throws on compile failure
//   size_t hits = hs.scan(stream);
//
// Thread-safety: both are immutable after construction, but scan()/match()
// use internal scratch: one object per thread.
#pragma once

#include <re2/set.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/ast.hpp"
#include "sito/text/analyzed_text.hpp"

struct hs_database;
struct hs_scratch;

namespace sito::bench {

/// Every normalized word of the terms and phrases under `n` (not wildcards,
/// tags, filters), appended to `out`.
void collect_query_words(const query::node& n, std::vector<std::string>& out);

/// The distinct normalized words of all topic queries, sorted.
std::vector<std::string> query_words(std::span<const topic_spec> topics);

/// Appends the folded token stream of `p` (title, then text) to `out`.
/// Precondition: `p` passes validate_post (invalid fields are skipped).
void append_token_stream(text::analyzer& a, const post& p, std::string& out);

class hs_literal_scanner {
 public:
  /// Compiles `words` (normalized) as "\x01fold(word)\x01" literals.
  /// Throws std::runtime_error with Hyperscan's message when it cannot.
  explicit hs_literal_scanner(const std::vector<std::string>& words);
  ~hs_literal_scanner();
  hs_literal_scanner(const hs_literal_scanner&) = delete;
  hs_literal_scanner& operator=(const hs_literal_scanner&) = delete;

  /// Number of literal hits in `bytes`.
  size_t scan(std::string_view bytes);
  size_t literals() const { return literals_; }

 private:
  hs_database* db_ = nullptr;
  hs_scratch* scratch_ = nullptr;
  size_t literals_ = 0;
};

class re2_set_matcher {
 public:
  /// One pattern per topic with words; `max_mem` is RE2's budget. When the
  /// set does not compile within it, ok() is false (RE2::Set's known limit).
  explicit re2_set_matcher(std::span<const topic_spec> topics, int64_t max_mem = int64_t(2) << 30);
  ~re2_set_matcher();

  bool ok() const { return ok_; }
  /// Topic indexes (into the constructor's span) with a word in `stream`,
  /// sorted; `hits` is overwritten.
  void match(std::string_view stream, std::vector<int>& hits) const;

 private:
  std::unique_ptr<re2::RE2::Set> set_;
  std::vector<int> topic_of_;  ///< RE2::Set index → topic index
  bool ok_ = false;
};

}  // namespace sito::bench
