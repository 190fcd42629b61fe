// File: sito/scan/explanation.hpp
//
// Why a topic does or does not match a post, as data (DESIGN §3 "Explain"):
// the atoms that hit (field, bytes, term), every program node with its
// truth, whether the topic matched, and for a match what the mention
// became (flags, sentiment, tags and rules with their conditions, priority)
// with its highlights. batch_scanner::explain() produces it; to_string()
// renders the text `sito explain` prints and the ExplainResult carries.
//
//   auto e = scanner.explain(post, topic_index).value();
//   if (e.matched) for (const auto& h : e.highlights) ...;
//   std::cout << sito::to_string(e);
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sito/query/ast.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito {

struct explanation {
  std::string tenant;
  std::string topic;                  ///< topic id
  std::string query;                  ///< as written
  std::vector<std::string> channels;  ///< the topic's channels (normalized)
  std::string post_channel;           ///< the post's channel ("" when none)

  /// One occurrence of one of the topic's atoms in the post.
  struct atom_hit {
    std::string kind;        ///< word, exact, case, tag, wildcard, contains
    std::string term;        ///< as written (unfolded)
    query::field field = query::field::text;
    uint32_t begin = 0, end = 0;  ///< bytes of the original field
    std::string text;        ///< those bytes
  };
  std::vector<atom_hit> hits;

  /// One node of the topic's program, in evaluation order.
  struct node {
    uint32_t depth = 0;
    bool truth = false;
    std::string what;          ///< "word 'доставка'", "NEAR/5", "filter lang:ru", ...
    bool positional = false;
    uint32_t spans = 0;        ///< when positional: the spans it yielded
  };
  std::vector<node> evaluation;

  bool matched = false;  ///< the topic matches the post

  // --- when matched: the mention ------------------------------------------
  /// The account of flags, sentiment, each tag and each rule (depth 0) with
  /// its condition's nodes and actions (deeper), in order.
  struct trace_line {
    uint32_t depth = 0;
    std::string text;
  };
  std::vector<trace_line> mention_trace;
  /// Each semantic tag of the topic (issue 12): what its examples decided
  /// for this post, before the tags and rules ran.
  struct semantic_line {
    std::string path;
    bool similar = false;             ///< the examples' part holds
    std::string example;              ///< the nearest example
    float example_score = 0;
    std::string counter_example;      ///< the nearest counter-example ("" when the tag has none)
    float counter_score = 0;
    float min_similarity = 0;
  };
  std::vector<semantic_line> semantic;
  bool dropped = false;                ///< a rule dropped the mention
  rules::sentiment sentiment = rules::sentiment::neutral;
  std::string sentiment_source;        ///< "model" or "rule:<name>"
  float priority = 0;
  bool priority_from_rule = false;
  bool processed = false, wom = false, own = false;
  std::vector<std::string> tags;       ///< tag paths set

  struct highlight_line {
    query::field field = query::field::text;
    uint32_t begin = 0, end = 0;
    std::string term;
    std::string text;
  };
  std::vector<highlight_line> highlights;
};

/// The human rendering: "topic …", "hits:", "evaluation:", "result: MATCH"
/// or "result: no match", then the mention and its highlights.
std::string to_string(const explanation& e);

}  // namespace sito
