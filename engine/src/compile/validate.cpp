// sito/compile/validate.hpp: parse, then compile the expression alone as a
// topic, a tag or a rule of a probe topic.
#include "sito/compile/validate.hpp"

#include <span>

#include "sito/compile/compiler.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace sito {

result<expression_kind> parse_expression_kind(std::string_view name) {
  if (name == "query") return expression_kind::query;
  if (name == "tag") return expression_kind::tag;
  if (name == "rule") return expression_kind::rule;
  return invalid_argument("expression kind must be query, tag or rule, not '" + std::string(name) + "'");
}

namespace {

/// `--as tag` with a whole definition ({path: …, examples: […], query: …}):
/// the definition's keys, its query (when any) and its examples.
validation validate_tag_definition(std::string_view text) {
  validation v;
  auto fail = [&](std::string message) {
    query::diagnostic d;
    d.message = std::move(message);
    v.diagnostics.push_back(std::move(d));
    v.ok = false;
    return v;
  };
  auto def = parse_tag_definition(text);
  if (!def.ok()) return fail(def.error().message());
  if (!def->query.empty()) {
    validation q = validate_expression(def->query, expression_kind::tag, true);
    if (!q.ok) return q;
    v.canonical = q.canonical;
    v.diagnostics = q.diagnostics;
  }
  static const std::string probe = "validate";
  topic_spec t{probe, probe, probe, std::string(), {probe}, {}};
  t.tags.push_back(*def);
  compile_report report;
  auto snap = compile_topics(std::span<const topic_spec>(&t, 1), {}, &report);
  for (auto& e : report.errors)
    if (!e.topic.empty()) return fail(e.diagnostic.message);
  if (!snap.ok()) return fail(snap.error().message());
  const std::string examples = std::to_string(def->examples.size()) + " examples, " +
                               std::to_string(def->counter_examples.size()) + " counter-examples";
  v.canonical = def->path + ": " + (v.canonical.empty() ? examples : v.canonical + " AND similar to " + examples);
  v.ok = true;
  return v;
}

}  // namespace

validation validate_expression(std::string_view text, expression_kind kind, bool with_channels) {
  if (kind == expression_kind::tag) {
    const size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && text[first] == '{') return validate_tag_definition(text);
  }
  const bool condition = kind != expression_kind::query;
  const std::string source(text);
  auto parsed = query::parse(source, with_channels || condition);
  validation v;
  v.diagnostics = parsed.diagnostics;
  bool error = false;
  for (const auto& d : parsed.diagnostics) error = error || d.level == query::severity::error;
  if (!parsed.ok()) {
    v.ok = false;
    return v;
  }
  v.canonical = query::print(*parsed.root);
  // What parses can still fail to plan: compile it where it would live.
  static const std::string probe = "validate";
  topic_spec t{probe, probe, probe, condition ? std::string() : source, {}, {}};
  if (with_channels || condition) t.channels.push_back(probe);
  if (kind == expression_kind::tag) t.tags.push_back({probe, source});
  if (kind == expression_kind::rule) t.rules.push_back({probe, source, {{probe}}});
  compile_report report;
  auto snap = compile_topics(std::span<const topic_spec>(&t, 1), {}, &report);
  for (auto e : report.errors) {
    if (e.topic.empty()) continue;  // the built-in lexicon's, not the expression's
    for (std::string_view prefix : {"tag 'validate': ", "rule 'validate': "})
      if (e.diagnostic.message.rfind(prefix, 0) == 0) e.diagnostic.message.erase(0, prefix.size());
    query::locate(source, e.diagnostic);
    v.diagnostics.push_back(std::move(e.diagnostic));
    error = true;
  }
  if (!snap.ok()) {
    query::diagnostic d;
    d.message = snap.error().message();
    v.diagnostics.push_back(std::move(d));
    error = true;
  }
  v.ok = !error;
  return v;
}

}  // namespace sito
