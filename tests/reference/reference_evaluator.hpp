// File: tests/reference/reference_evaluator.hpp
//
// A small, obviously correct evaluator of DESIGN §3, independent of the
// engine's analyzer, folding, morphology, term index, Hyperscan databases,
// trigger lists, program evaluator and mention rules. It re-tokenizes every
// field straight from ICU (Normalizer2 per segment, u_tolower, the general
// category, the grapheme break iterator for emoji), interprets the query AST
// directly, tests every term against every token with its own morphology
// (reference_morphology.hpp: libstemmer and libhunspell called directly) and
// scores mentions with its own arithmetic (reference_rules.hpp).
//
// From the engine it uses only the query parser and AST (query::parse,
// query::node, query::leaf_label), the post/topic model types and the
// lexicon's data (rules::builtin_lexicon(), rules::parse_lexicon()).
//
// It is slow on purpose: a test oracle, not an engine.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reference/reference_morphology.hpp"
#include "reference/reference_rules.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/ast.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::reference {

struct ref_token {
  std::string text;      ///< normalized UTF-8
  std::string original;  ///< original bytes
  uint32_t position = 0;
  uint32_t orig_begin = 0, orig_end = 0;
  bool emoji = false;
  std::string tag;       ///< "#tag" when this token starts a hashtag/mention
  uint32_t tag_begin = 0, tag_end = 0;
};

struct ref_field {
  std::string normalized;                 ///< normalized UTF-8 of the whole field
  std::vector<uint32_t> orig_begin_of;    ///< per normalized byte
  std::vector<uint32_t> orig_end_of;
  std::vector<ref_token> tokens;
};

/// Tokenizes one field per DESIGN §3. Precondition: valid UTF-8.
ref_field analyze(const std::string& text);

/// A "positive" query (sito/query/ast.hpp): one that can be true only if some
/// non-negated leaf or filter holds. Leaves, filters and NEAR are; AND when
/// any child is, OR when all are, a field scope when its operand is, NOT
/// never. A topic query must be, unless the topic has channels, and then
/// an unanchored query means `channel AND query`.
bool anchored(const query::node& n);

struct ref_highlight {
  int field;  ///< 1 title, 2 text, 3 image (query::field values)
  uint32_t begin, end;
  std::string label;
  auto operator<=>(const ref_highlight&) const = default;
};

class evaluator {
 public:
  evaluator() = default;

  /// Analyzes the post that evaluate() calls refer to; `p` must outlive them.
  void set_post(const post& p);

  /// nullopt when the topic does not match the current post; else its sorted
  /// unique highlights. `root` is the parsed query (null: channel-only topic).
  std::optional<std::vector<ref_highlight>> evaluate(const topic_spec& topic, const query::node* root);

  /// The paths of `topic.tags` whose condition (`tag_roots[i]`, parsed from
  /// topic.tags[i].query) holds for the current post, in order.
  std::vector<std::string> tags(const topic_spec& topic, const std::vector<query::node>& tag_roots);

  /// What a mention of `topic` on the current post becomes (DESIGN §2, the
  /// order documented in sito/model/topic.hpp): own/WOM flags, the lexicon
  /// sentiment (terms found by this evaluator's own leaf matching, scored by
  /// reference::score_model), auto-tags, then the rules
  /// top to bottom, then the priority. `rule_roots[i]` is the parsed `when`
  /// of topic.rules[i] (nullopt when empty). `tenant_lexicon` may be null.
  struct mention_result {
    std::vector<std::string> tags;
    rules::sentiment mood = rules::sentiment::neutral;
    std::string sentiment_source = "model";  ///< or "rule:<name>"
    float priority = 0;
    bool processed = false, dropped = false, wom = false, own = false;
  };
  mention_result mention(const topic_spec& topic, const std::vector<query::node>& tag_roots,
                         const std::vector<std::optional<query::node>>& rule_roots,
                         const rules::sentiment_lexicon& lexicon, const rules::sentiment_lexicon* tenant_lexicon);

 private:
  struct span {
    int field;
    int64_t start, end;
    std::vector<ref_highlight> hl;
  };
  struct value {
    bool truth = false;
    std::vector<span> spans;           // positional
    std::vector<ref_highlight> hl;     // boolean
  };
  value eval(const query::node& n, int scope);
  std::vector<span> leaf_spans(const query::node& n, int scope);
  bool term_matches(const std::string& term, bool exact, const ref_token& w);
  bool filter_holds(const query::filter_spec& f);
  std::vector<ref_highlight> all_hl(const value& v);

  ref_morphology morph_;
  const post* post_ = nullptr;
  ref_field fields_[3];
  struct mention_state {
    bool own = false, wom = false, processed = false;
    rules::sentiment mood = rules::sentiment::neutral;
    std::vector<std::string> tags;
  };
  const mention_state* mention_ = nullptr;  // set while tags and rules are evaluated
  // The model sentiment of the current post (the lexicon arguments of
  // mention() must not change between calls for one post).
  std::optional<model_sentiment> model_memo_;
  std::map<std::string, std::optional<query::node>> lexicon_terms_;
};

}  // namespace sito::reference
