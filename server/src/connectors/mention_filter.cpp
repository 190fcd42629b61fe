#include "connectors/mention_filter.hpp"

#include <string>
#include <vector>

#include "scan/filter_eval.hpp"  // the engine's evaluator (private: see set_source_files_properties in CMake)
#include "scan/post_context.hpp"
#include "sito/compile/validate.hpp"
#include "sito/query/parser.hpp"
#include "sito/text/analyzed_text.hpp"

namespace sito::server {

struct mention_filter::tree {
  query::node root;
  uint32_t fields = 0;  ///< filter fields used (a bit per query::filter_field)
};

namespace {

/// Checks what a stored mention can answer and normalizes filter values as
/// the compiler does (planner.cpp), so eval_filter compares like with like.
status prepare(query::node& n, uint32_t& fields) {
  using query::node_kind;
  const std::string at = "at " + std::to_string(n.begin + 1) + ": ";
  switch (n.kind) {
    case node_kind::and_:
    case node_kind::or_:
    case node_kind::not_:
      for (auto& c : n.children) SITO_RETURN_IF_ERROR(prepare(c, fields));
      return ok_status();
    case node_kind::filter:
      if (n.filter.field == query::filter_field::is_own)
        return invalid_argument(at + "is:own is not kept with a stored mention; tag own posts in the topic "
                                     "(tags: [{path: ..., query: 'is:own'}]) and filter on tag:\"...\"");
      n.filter.value = text::normalize(n.filter.value);
      fields |= 1u << static_cast<unsigned>(n.filter.field);
      return ok_status();
    default:
      return invalid_argument(at + "a connector filter tests the mention (sentiment:, tag:, is:...) and the post's "
                                   "metadata, not its words: tag the words in the topic and filter on tag:\"...\"");
  }
}

bool eval(const query::node& n, const detail::post_meta& meta) {
  using query::node_kind;
  switch (n.kind) {
    case node_kind::and_:
      for (const auto& c : n.children)
        if (!eval(c, meta)) return false;
      return true;
    case node_kind::or_:
      for (const auto& c : n.children)
        if (eval(c, meta)) return true;
      return false;
    case node_kind::not_: return !n.children.empty() && !eval(n.children[0], meta);
    case node_kind::filter: return detail::eval_filter(n.filter, meta);
    default: return false;  // refused by prepare()
  }
}

}  // namespace

result<mention_filter> mention_filter::compile(std::string_view text) {
  mention_filter f;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return f;
  const validation v = validate_expression(text, expression_kind::rule);
  if (!v.ok) {
    for (const auto& d : v.diagnostics)
      if (d.level == query::severity::error) return invalid_argument(query::format_one_line(d));
    return invalid_argument("the condition does not parse");
  }
  query::parse_result parsed = query::parse(text, /*allow_without_positive=*/true);
  if (!parsed.root) return invalid_argument("the condition does not parse");
  auto t = std::make_shared<tree>();
  t->root = std::move(*parsed.root);
  SITO_RETURN_IF_ERROR(prepare(t->root, t->fields));
  f.tree_ = std::move(t);
  return f;
}

bool mention_filter::matches(const mention_record& m, const post& p) const {
  if (!tree_) return true;
  std::vector<std::string> keys;
  keys.reserve(m.tags.size());
  for (const auto& tag : m.tags) keys.push_back(text::normalize(tag));
  std::vector<const std::string*> key_ptrs;
  for (const auto& k : keys) key_ptrs.push_back(&k);
  detail::mention_view view;
  view.is_wom = m.wom;
  view.is_processed = m.processed;
  view.is_duplicate = !m.duplicate_of.empty();
  view.sentiment = m.sentiment;
  view.tag_keys = key_ptrs;
  detail::post_meta meta;
  std::string title, body;
  detail::normalize_meta(p.title, title);
  detail::normalize_meta(p.text, body);
  detail::build_post_meta(p, title, body, tree_->fields, meta);
  meta.mention = &view;
  return eval(tree_->root, meta);
}

}  // namespace sito::server
