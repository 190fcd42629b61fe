// Private: what a topic match becomes as a mention (DESIGN §2): own-account
// and WOM flags, the built-in sentiment, auto-tags, the topic's rules in
// order, then the priority (the order is documented in sito/model/topic.hpp).
//
// Work that depends on the post alone is done once per post, not once per
// mention (a post at 100k topics has a dozen mentions across tenants):
//   * the author's account keys and the priority's audience/source/verified
//     terms in begin_post();
//   * the built-in sentiment on first use; a tenant gets its own
//     computation only when one of its own lexicon terms occurs in the post.
// Mentions allocate nothing: tags go to a reused buffer.
//
// Thread-safety: none; each scanning thread owns one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "scan/post_context.hpp"
#include "scan/program_evaluator.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/rules/priority.hpp"
#include "sito/rules/sentiment_scorer.hpp"

namespace sito::detail {

/// What the tags, rules and models made of one mention.
struct mention_outcome {
  bool dropped = false;
  rules::sentiment mood = rules::sentiment::neutral;
  uint32_t sentiment_rule = scan_output::no_label;  ///< label of the last rule that set it; no_label: the model
  float priority = 0;
  bool priority_from_rule = false;
  bool processed = false, wom = false, own = false;
  rules::sentiment_result model;
};

/// One line of explain's account of a mention: `depth` 0 for a tag or a
/// rule, deeper for the nodes of its condition and for its actions.
struct mention_trace_line {
  uint32_t depth = 0;
  std::string text;
};

class mention_builder {
 public:
  /// Starts the mentions of post `p`, whose hits (both passes, sorted) are
  /// `hits`; `facts` are its stream facts (`is:duplicate`, semantic tags),
  /// null when unknown (every fact false).
  void begin_post(const ruleset_snapshot& s, const post& p, std::span<const hit> hits,
                  const stream_facts* facts = nullptr);

  /// Flags, sentiment, auto-tags and rules of topic `t` on the current post.
  /// Tags set end up in tags(). With `trace`, appends what happened.
  void build(const ruleset_snapshot& s, const compiled_topic& t, program_evaluator& evaluator,
             const program_evaluator::hit_view& view, post_meta& meta, mention_outcome& o,
             std::vector<mention_trace_line>* trace = nullptr);

  /// Label ids of the tags the last build() set, in order.
  std::span<const uint32_t> tags() const { return tags_; }

 private:
  const rules::sentiment_result& sentiment_of(uint32_t tenant);
  rules::sentiment_result score(uint32_t tenant);

  const ruleset_snapshot* snap_ = nullptr;
  const post* post_ = nullptr;
  const stream_facts* facts_ = nullptr;
  std::span<const hit> hits_;
  std::string author_keys_[2];
  rules::priority_post_terms priority_terms_;
  std::optional<rules::sentiment_result> builtin_;
  std::vector<uint32_t> own_lexicon_tenants_;  ///< tenants with own lexicon terms among the hits
  std::vector<std::pair<uint32_t, rules::sentiment_result>> tenant_moods_;
  std::vector<rules::sentiment_event> events_;
  std::vector<uint32_t> tags_;
  std::vector<const std::string*> tag_keys_;
  std::vector<node_trace> node_trace_;
};

}  // namespace sito::detail
