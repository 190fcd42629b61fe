// Private: turns query ASTs into program nodes and interned atoms, and
// computes each topic's trigger set.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <optional>
#include <string>
#include <vector>

#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/query/ast.hpp"
#include "sito/query/diagnostic.hpp"

namespace sito::detail {

/// A condition that must hold for a topic to possibly match: an atom hit or
/// a metadata key present on the post.
struct trigger {
  bool is_atom = true;
  uint32_t atom = 0;
  query::filter_field meta_field = query::filter_field::lang;  ///< the post field the key reads
  std::string meta_value;  ///< the normalized value it must carry ("1" for a flag)
};

/// Triggers with their estimated cost (expected hits per post, relative):
/// a topic is evaluated whenever any trigger fires, so among the children
/// of an AND the planner keeps the cheapest set.
struct trigger_list {
  std::vector<trigger> triggers;
  double cost = 0;
};

/// nullopt: no finite set of triggers bounds the expression.
using trigger_set = std::optional<trigger_list>;

/// What a planned expression is: a topic's query (post-level filters only),
/// an auto-tag's condition (mention filters except tag:) or a rule's (all).
enum class condition_context : uint8_t { topic_query, auto_tag, rule };

class planner {
 public:
  condition_context context = condition_context::topic_query;

  explicit planner(ruleset_snapshot& snap) : snap_(snap) {}

  /// Plans `root` into snap_.nodes; returns the root node, or an error
  /// diagnostic (offset into the query source).
  std::optional<uint32_t> plan(const query::node& root, query::diagnostic& error);

  /// Triggers of a planned node.
  trigger_set triggers(uint32_t node) const;

  /// Up to two necessary conditions for `root` (each a trigger list, at
  /// least one trigger of every clause must fire): for AND, NEAR and
  /// phrases the two cheapest bounded operands, else triggers(root).
  /// Empty when nothing bounds the expression.
  std::vector<trigger_list> clauses(uint32_t root) const;

  /// Interns a label (highlight terms and tag paths share the table).
  uint32_t label_id(const std::string& label) { return intern_label(label); }

  /// Which topics reference each atom (for error attribution).
  std::vector<std::vector<uint32_t>> atom_topics;
  uint32_t current_topic = 0;

 private:
  uint32_t plan_node(const query::node& n, uint8_t fields, query::diagnostic& error, bool& failed);
  uint32_t add_node(program_node node, const std::vector<uint32_t>& kids);
  uint32_t intern_atom(atom_kind kind, std::string text, std::string case_text = {});
  uint32_t intern_label(const std::string& label);
  uint32_t leaf(uint32_t atom, uint8_t fields, uint32_t label);
  /// A seq/prox_phrase over `kids` (leaves), or the single leaf itself.
  uint32_t sequence(op kind, const std::vector<uint32_t>& kids, uint32_t label, uint8_t fields, uint32_t distance);
  /// How often an atom is expected to hit (relative units); see planner.cpp.
  double atom_cost(uint32_t atom) const;
  static double meta_cost(query::filter_field f);

  ruleset_snapshot& snap_;
  absl::flat_hash_map<std::string, uint32_t> atom_ids_;
  absl::flat_hash_map<std::string, uint32_t> label_ids_;
};

}  // namespace sito::detail
