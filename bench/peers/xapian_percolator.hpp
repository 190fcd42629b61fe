// File: bench/peers/xapian_percolator.hpp
//
// The search-engine percolator baseline (DESIGN §6: "≥ 100× a Xapian
// percolator"): per batch, index every post into a fresh in-memory Xapian
// database, then run every topic's query against it — what Elasticsearch's
// percolator and Meltwater's batch percolator do.
//
// So that the peer does the same work as sito, posts are indexed from sito's
// own analyzer output (folded token keys at their positions, title then text
// with a gap of 64 positions between the fields), plus a "Z"-prefixed Snowball
// stem per token, the whole #tag/@mention at its position, a "C"-prefixed
// original-case form per token, and "K"-prefixed metadata terms (followers in
// value slot 0). Each topic's sito query AST is translated to a Xapian::Query:
//
//   plain term T      OR of T's exact forms (hunspell-ru) and Z+stems of T:
//                     sito's morphology rule, precomputed as the compiler does
//   !T, phrase        folded exact forms; phrases are OP_PHRASE
//   "a b"~n           OP_NEAR, window n+1
//   a NEAR/n b        OP_NEAR, window n+1 (ONEAR: OP_PHRASE, window n+1);
//                     exact for one-token operands. Xapian's NEAR wants its
//                     subqueries at distinct positions, sito's NEAR also holds
//                     where one token matches both operands (gap 0): OR'ed
//                     with the index terms whose every occurrence is such a
//                     token (a wildcard against a stem, or a {Case} term
//                     against a #tag, AND'ed over the post: relaxed).
//                     Xapian allows only terms
//                     and ORs of terms inside NEAR/PHRASE: a NEAR whose
//                     operand is a phrase, a NEAR or a bare wildcard becomes
//                     an AND ("relaxed",
//                     counted in translation().relaxed)
//   флор*             OP_WILDCARD on the folded prefix (expanded against the
//                     batch's terms); inner `*`/`?` use the prefix before them
//                     (over-matches; counted as relaxed)
//   {Apple}           "C" + original bytes (exact for NFKC-clean input)
//   #tag, @tag        the whole tag term
//   AND/OR/NOT        OP_AND / OP_OR / OP_AND_NOT against MatchAll
//   title:(…)         the field scope is dropped (relaxed)
//   filters           boolean K-terms; followers as OP_VALUE_RANGE
//   contains:"…"      not supported by an inverted index: MatchNothing
//                     (counted in translation().unsupported)
//   channels          OR of K-channel terms, OR'ed with an anchored query
//                     (AND'ed with a non-anchored one), as sito defines it
// Tags are not evaluated (sito evaluates them on its matches: the sito side
// does strictly more work).
//
//   sito::bench::xapian_percolator perc(topics);
//   std::vector<sito::bench::xapian_percolator::hit> hits;
//   perc.percolate(batch, hits);   // (post index, topic index), sorted
//
// Thread-safety: NOT safe for concurrent use (owns an analyzer, a stemmer
// and a stem cache); one object per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"

namespace sito::bench {

class xapian_percolator {
 public:
  struct hit {
    uint32_t post;   ///< index into the percolated span
    uint32_t topic;  ///< index into the constructor's topics
    auto operator<=>(const hit&) const = default;
  };
  struct translation_stats {
    size_t topics = 0;       ///< topics translated
    size_t relaxed = 0;      ///< topics whose translation is looser than sito's semantics
    size_t unsupported = 0;  ///< topics with a construct Xapian cannot express (contains:)
    size_t failed = 0;       ///< topics whose query does not parse (left out)
  };

  explicit xapian_percolator(std::span<const topic_spec> topics);
  ~xapian_percolator();
  xapian_percolator(const xapian_percolator&) = delete;
  xapian_percolator& operator=(const xapian_percolator&) = delete;

  /// Indexes `posts` into a new in-memory database and runs every topic's
  /// query; `hits` is overwritten with the matches, sorted by post, then topic.
  /// Posts with invalid UTF-8 are indexed without their text.
  void percolate(std::span<const post> posts, std::vector<hit>& hits);

  const translation_stats& translation() const { return stats_; }

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
  translation_stats stats_;
};

}  // namespace sito::bench
