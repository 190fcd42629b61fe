#include "compile/planner.hpp"

#include <algorithm>

#include "sito/base/utf8.hpp"
#include "sito/morph/script.hpp"
#include "sito/query/printer.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"

namespace sito::detail {
namespace {

uint8_t bits_of(query::field f) {
  switch (f) {
    case query::field::title: return field_title;
    case query::field::text: return field_text;
    case query::field::image: return field_image;
    case query::field::any: return field_default;
  }
  return field_default;
}

query::diagnostic make_error(const query::node& n, std::string message, std::string hint = {}) {
  query::diagnostic d;
  d.level = query::severity::error;
  d.offset = n.begin;
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

/// Splits a wildcard term into segments at characters that neither belong
/// to a token nor are `*`/`?` (`интернет-маг*` → "интернет", "маг*").
std::vector<std::string> wildcard_segments(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    char32_t cp;
    if (!utf8::decode(text, i, cp)) { ++i; cp = 0xFFFD; }
    if (cp == '*' || cp == '?' || text::is_token_char(cp)) {
      cur.append(text.substr(start, i - start));
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

bool has_wildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

}  // namespace

uint32_t planner::add_node(program_node node, const std::vector<uint32_t>& kids) {
  node.first_child = static_cast<uint32_t>(snap_.children.size());
  node.child_count = static_cast<uint32_t>(kids.size());
  snap_.children.insert(snap_.children.end(), kids.begin(), kids.end());
  snap_.nodes.push_back(node);
  return static_cast<uint32_t>(snap_.nodes.size() - 1);
}

uint32_t planner::intern_atom(atom_kind kind, std::string text, std::string case_text) {
  std::string key;
  key.push_back(static_cast<char>(kind));
  key += text;
  key.push_back('\0');
  key += case_text;
  auto [it, inserted] = atom_ids_.try_emplace(key, static_cast<uint32_t>(snap_.atoms.size()));
  if (inserted) {
    snap_.atoms.push_back({kind, std::move(text), std::move(case_text)});
    atom_topics.emplace_back();
  }
  auto& owners = atom_topics[it->second];
  if (owners.empty() || owners.back() != current_topic) owners.push_back(current_topic);
  return it->second;
}

uint32_t planner::intern_label(const std::string& label) {
  auto [it, inserted] = label_ids_.try_emplace(label, static_cast<uint32_t>(snap_.labels.size()));
  if (inserted) snap_.labels.push_back(label);
  return it->second;
}

uint32_t planner::leaf(uint32_t atom_id, uint8_t fields, uint32_t label) {
  program_node n;
  n.kind = op::leaf;
  n.fields = fields;
  n.atom = atom_id;
  n.label = label;
  n.positional = true;
  return add_node(n, {});
}

uint32_t planner::sequence(op kind, const std::vector<uint32_t>& kids, uint32_t label, uint8_t fields,
                           uint32_t distance) {
  if (kids.size() == 1) return kids[0];
  program_node s;
  s.kind = kind;
  s.distance = distance;
  s.label = label;
  s.positional = true;
  s.fields = fields;
  return add_node(s, kids);
}

std::optional<uint32_t> planner::plan(const query::node& root, query::diagnostic& error) {
  bool failed = false;
  uint32_t id = plan_node(root, field_default, error, failed);
  if (failed) return std::nullopt;
  return id;
}

uint32_t planner::plan_node(const query::node& n, uint8_t fields, query::diagnostic& error,
                            bool& failed) {
  if (failed) return 0;
  auto fail = [&](query::diagnostic d) {
    error = std::move(d);
    failed = true;
    return 0u;
  };
  using query::node_kind;
  switch (n.kind) {
    case node_kind::term:
    case node_kind::phrase:
    case node_kind::proximity_phrase: {
      auto tokens = text::tokenize_term(n.text);
      if (tokens.empty()) {
        return fail(make_error(n, "'" + n.text + "' has no letters, digits or emoji to search for",
                               "quote punctuation with contains:\"...\" to search it as a substring"));
      }
      const uint32_t label = intern_label(query::leaf_label(n));
      std::vector<uint32_t> kids;
      for (const auto& t : tokens) {
        const bool exact = n.kind != node_kind::term || n.exact || t.is_emoji;
        uint32_t a = intern_atom(exact ? atom_kind::exact : atom_kind::word, text::fold(t.text));
        kids.push_back(leaf(a, fields, label));
      }
      return sequence(n.kind == node_kind::proximity_phrase ? op::prox_phrase : op::seq, kids, label, fields,
                      n.distance);
    }
    case node_kind::wildcard: {
      const uint32_t label = intern_label(query::leaf_label(n));
      std::vector<uint32_t> kids;
      for (const std::string& seg : wildcard_segments(n.text)) {
        if (has_wildcard(seg)) {
          // Normalize the literal runs, keep the operators.
          std::string pattern, run;
          for (char c : seg) {
            if (c == '*' || c == '?') {
              pattern += text::normalize(run);
              run.clear();
              pattern.push_back(c);
            } else {
              run.push_back(c);
            }
          }
          pattern += text::normalize(run);
          kids.push_back(leaf(intern_atom(atom_kind::wildcard, pattern), fields, label));
        } else {
          for (const auto& t : text::tokenize_term(seg))
            kids.push_back(leaf(intern_atom(atom_kind::exact, text::fold(t.text)), fields, label));
        }
      }
      if (kids.empty()) return fail(make_error(n, "wildcard '" + n.text + "' has no letters"));
      return sequence(op::seq, kids, label, fields, 0);
    }
    case node_kind::case_sensitive: {
      auto tokens = text::tokenize_term(text::normalize_keep_case(n.text));
      if (tokens.empty()) return fail(make_error(n, "{" + n.text + "} has no letters or digits"));
      const uint32_t label = intern_label(query::leaf_label(n));
      std::vector<uint32_t> kids;
      for (const auto& t : tokens)
        kids.push_back(leaf(intern_atom(atom_kind::case_sensitive, text::fold(t.text), t.original),
                            fields, label));
      return sequence(op::seq, kids, label, fields, 0);
    }
    case node_kind::tag: {
      std::string norm = text::normalize(n.text);
      if (norm.size() < 2) return fail(make_error(n, "a tag needs a name after '#' or '@'"));
      return leaf(intern_atom(atom_kind::tag, text::fold(norm)), fields, intern_label(query::leaf_label(n)));
    }
    case node_kind::contains: {
      std::string norm = text::normalize(n.text);
      if (norm.empty()) return fail(make_error(n, "contains: needs a non-empty string"));
      program_node c;
      c.kind = op::contains;
      c.fields = fields;
      c.atom = intern_atom(atom_kind::contains, text::fold(norm));
      c.label = intern_label(query::leaf_label(n));
      return add_node(c, {});
    }
    case node_kind::and_:
    case node_kind::or_:
    case node_kind::not_:
    case node_kind::near: {
      std::vector<uint32_t> kids;
      bool all_positional = true;
      for (const auto& child : n.children) {
        kids.push_back(plan_node(child, fields, error, failed));
        if (failed) return 0;
        all_positional = all_positional && snap_.nodes[kids.back()].positional;
      }
      program_node b;
      b.kind = n.kind == node_kind::and_ ? op::and_
             : n.kind == node_kind::or_  ? op::or_
             : n.kind == node_kind::not_ ? op::not_
                                         : op::near;
      b.distance = n.distance;
      b.ordered = n.ordered;
      b.positional = (b.kind == op::near) || (b.kind == op::or_ && all_positional);
      if (b.kind == op::near && (kids.size() != 2 || !all_positional)) {
        return fail(make_error(n, "NEAR needs two positional operands"));
      }
      return add_node(b, kids);
    }
    case node_kind::field_scope: {
      if (n.children.size() != 1) return fail(make_error(n, "a field scope needs one operand"));
      return plan_node(n.children[0], bits_of(n.scope), error, failed);
    }
    case node_kind::filter: {
      if (query::is_mention_filter(n.filter.field) && context == condition_context::topic_query)
        return fail(make_error(n, std::string(query::to_string(n.filter.field)) +
                                      " describes a mention, not a post: use it in a tag or rule condition",
                               "move it to a rule's 'when' or a tag's query"));
      if (n.filter.field == query::filter_field::tag && context == condition_context::auto_tag)
        return fail(make_error(n, "tag: can be tested only in rules: auto-tags are set independently of each other",
                               "write a rule with when: 'tag:\"...\"' and then: {add_tags: [...]}"));
      query::filter_spec f = n.filter;
      f.value = text::normalize(f.value);
      snap_.filters.push_back(std::move(f));
      snap_.meta_fields_used |= 1u << static_cast<unsigned>(n.filter.field);
      program_node fl;
      fl.kind = op::filter;
      fl.filter = static_cast<uint32_t>(snap_.filters.size() - 1);
      return add_node(fl, {});
    }
  }
  return fail(make_error(n, "unsupported construct"));
}

double planner::atom_cost(uint32_t id) const {
  // Without statistics of the stream, estimate how common an atom is:
  // dictionary words and short tokens are common, names the dictionary does
  // not know (brands, people, products) are rare, #tags rarer still.
  const atom& a = snap_.atoms[id];
  switch (a.kind) {
    case atom_kind::tag: return 1;
    case atom_kind::wildcard: return 20;
    case atom_kind::contains: return 100;
    default: break;
  }
  const std::string word = text::unfold(a.text);
  const size_t letters = utf8::count_code_points(word);
  if (letters <= 3) return 100;
  const morph::dictionary* dict = snap_.morphology ? snap_.morphology->dict() : nullptr;
  const morph::script sc = morph::classify(word);
  if (sc == morph::script::cyrillic && dict) return dict->entries_of(word).empty() ? 2 : 50;
  if (sc == morph::script::other) return 30;  // numbers, emoji
  return letters <= 5 ? 20 : 8;
}

double planner::meta_cost(query::filter_field f) {
  using query::filter_field;
  switch (f) {
    case filter_field::channel:
    case filter_field::place:
    case filter_field::author: return 1;
    case filter_field::site: return 5;
    case filter_field::city: return 30;
    case filter_field::source: return 300;
    case filter_field::has_image:
    case filter_field::has_link:
    case filter_field::is_reply:
    case filter_field::is_repost: return 500;
    default: return 1000;  // lang, type, country, gender
  }
}

std::vector<trigger_list> planner::clauses(uint32_t id) const {
  const program_node& n = snap_.nodes[id];
  if (n.kind == op::and_ || n.kind == op::near || n.kind == op::seq || n.kind == op::prox_phrase) {
    std::vector<trigger_list> bounded;
    for (uint32_t k = 0; k < n.child_count; ++k)
      if (trigger_set t = triggers(snap_.children[n.first_child + k])) bounded.push_back(std::move(*t));
    std::stable_sort(bounded.begin(), bounded.end(), [](const trigger_list& a, const trigger_list& b) { return a.cost < b.cost; });
    if (bounded.size() > 2) bounded.resize(2);
    return bounded;
  }
  if (trigger_set t = triggers(id)) return {std::move(*t)};
  return {};
}

trigger_set planner::triggers(uint32_t id) const {
  const program_node& n = snap_.nodes[id];
  auto kid = [&](uint32_t k) { return snap_.children[n.first_child + k]; };
  auto cheapest = [&](uint32_t from, uint32_t count) {
    trigger_set best;
    for (uint32_t k = from; k < from + count; ++k) {
      trigger_set t = triggers(kid(k));
      if (t && (!best || t->cost < best->cost)) best = std::move(t);
    }
    return best;
  };
  switch (n.kind) {
    case op::leaf:
    case op::contains:
      return trigger_list{{{true, n.atom, {}}}, atom_cost(n.atom)};
    case op::seq:
    case op::prox_phrase:
    case op::near:
    case op::and_:
      // Every child must hold: the cheapest child's triggers suffice.
      return cheapest(0, n.child_count);
    case op::or_: {
      trigger_list all;
      for (uint32_t k = 0; k < n.child_count; ++k) {
        trigger_set t = triggers(kid(k));
        if (!t) return std::nullopt;
        all.triggers.insert(all.triggers.end(), t->triggers.begin(), t->triggers.end());
        all.cost += t->cost;
      }
      return all;
    }
    case op::not_:
      return std::nullopt;
    case op::filter: {
      const query::filter_spec& f = snap_.filters[n.filter];
      using query::filter_field;
      if (query::is_mention_filter(f.field)) return std::nullopt;  // never in topic queries
      switch (f.field) {
        case filter_field::followers:
        case filter_field::url:
          return std::nullopt;
        case filter_field::has_image:
        case filter_field::has_link:
        case filter_field::is_reply:
        case filter_field::is_repost:
          return trigger_list{{{false, 0, f.field, "1"}}, meta_cost(f.field)};
        default:
          return trigger_list{{{false, 0, f.field, f.value}}, meta_cost(f.field)};
      }
    }
  }
  return std::nullopt;
}

}  // namespace sito::detail
