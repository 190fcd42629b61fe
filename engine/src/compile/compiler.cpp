#include "sito/compile/compiler.hpp"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <cstdio>

#include "compile/planner.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/morph/script.hpp"
#include "sito/query/parser.hpp"
#include "sito/rules/mention_flags.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"

namespace sito {
namespace {

void escape_byte(std::string& out, unsigned char b) {
  static const char* hex = "0123456789abcdef";
  out += "\\x";
  out.push_back(hex[b >> 4]);
  out.push_back(hex[b & 15]);
}

/// One token character in the folded token stream (see fold.hpp).
constexpr const char* token_char_class = "(?:[0-9a-z\\x80-\\xa8]|\\xf8[\\xc0-\\xf7]{4})";

/// A wildcard atom as a regex over the token stream "\x01tok\x01tok\x01".
std::string wildcard_regex(std::string_view pattern) {
  std::string re = "\\x01";
  std::string run;
  auto flush = [&] {
    for (char c : text::fold(run)) escape_byte(re, static_cast<unsigned char>(c));
    run.clear();
  };
  for (char c : pattern) {
    if (c == '*') { flush(); re += token_char_class; re += "*"; }
    else if (c == '?') { flush(); re += token_char_class; }
    else run.push_back(c);
  }
  flush();
  re += "\\x01";
  return re;
}

/// Appends `list` as a set (sorted, each id once) to `dst`; returns where.
posting_range append_set(std::vector<uint32_t>& list, std::vector<uint32_t>& dst) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  const posting_range r{static_cast<uint32_t>(dst.size()), static_cast<uint32_t>(list.size())};
  dst.insert(dst.end(), list.begin(), list.end());
  return r;
}

template <class Key, class Map>
void flatten(absl::flat_hash_map<Key, std::vector<uint32_t>>& src, Map& dst, std::vector<uint32_t>& postings) {
  dst.reserve(src.size());
  for (auto& [key, list] : src) dst.emplace(key, append_set(list, postings));
}

struct hs_compiled {
  hs_database_ptr db;
  std::vector<uint32_t> atoms;  // hs id → atom
};

/// Compiles `patterns` (one per atom in `atom_ids`); a pattern Hyperscan
/// rejects is dropped and reported through `rejected`, the rest compile.
result<hs_compiled> compile_hs(std::vector<std::string> patterns, std::vector<uint32_t> atom_ids,
                               unsigned flags, std::vector<std::pair<uint32_t, std::string>>& rejected) {
  hs_compiled out;
  while (!patterns.empty()) {
    std::vector<const char*> exprs;
    std::vector<unsigned> flag_list(patterns.size(), flags);
    std::vector<unsigned> ids(patterns.size());
    for (size_t i = 0; i < patterns.size(); ++i) {
      exprs.push_back(patterns[i].c_str());
      ids[i] = static_cast<unsigned>(i);
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    hs_error_t rc = hs_compile_multi(exprs.data(), flag_list.data(), ids.data(),
                                     static_cast<unsigned>(patterns.size()), HS_MODE_BLOCK, nullptr,
                                     &db, &err);
    if (rc == HS_SUCCESS) {
      out.db.reset(db);
      out.atoms = std::move(atom_ids);
      return out;
    }
    std::string message = err && err->message ? err->message : "unknown Hyperscan error";
    int bad = err ? err->expression : -1;
    hs_free_compile_error(err);
    if (bad < 0 || static_cast<size_t>(bad) >= patterns.size()) {
      return internal_error("Hyperscan failed to compile the database: " + message);
    }
    rejected.emplace_back(atom_ids[bad], message);
    patterns.erase(patterns.begin() + bad);
    atom_ids.erase(atom_ids.begin() + bad);
  }
  return out;
}

/// Plans a tag's or rule's condition (`text`, parsed allowing purely
/// negative expressions) in `context`; on failure `error` holds the first
/// diagnostic, its offset relative to `text`.
std::optional<uint32_t> plan_condition(detail::planner& plan, const std::string& text,
                                       detail::condition_context context, query::diagnostic& error) {
  query::parse_result parsed = query::parse(text, /*allow_without_positive=*/true);
  if (!parsed.ok()) {
    for (auto& e : parsed.diagnostics)
      if (e.level == query::severity::error) {
        error = e;
        break;
      }
    return std::nullopt;
  }
  plan.context = context;
  return plan.plan(*parsed.root, error);
}

}  // namespace

result<std::shared_ptr<const ruleset_snapshot>> compile_topics(std::span<const topic_spec> topics,
                                                               const compile_options& options,
                                                               compile_report* report) {
  const auto started = std::chrono::steady_clock::now();
  compile_report local_report;
  compile_report& rep = report ? *report : local_report;
  auto snap = std::make_shared<ruleset_snapshot>();
  snap->morphology = options.morphology ? options.morphology : morph::morphology::default_instance();
  detail::planner plan(*snap);

  std::vector<std::vector<detail::trigger_list>> topic_clauses;  // empty: always evaluate
  std::vector<uint32_t> topic_source;  // compiled topic → index into `topics`
  absl::flat_hash_map<std::string, uint32_t> tenant_index;
  std::vector<enrich::semantic_tag_definition> semantic_defs;  // every kept topic's semantic tags, in order
  enrich::text_preparer preparer;                              // checks their examples

  for (size_t ti = 0; ti < topics.size(); ++ti) {
    const topic_spec& spec = topics[ti];
    auto report_error = [&](query::diagnostic d) {
      query::locate(spec.query, d);
      rep.errors.push_back({spec.tenant, spec.id, std::move(d)});
    };
    if (spec.id.empty()) {
      query::diagnostic d;
      d.message = "topic has no id";
      report_error(d);
      continue;
    }
    compiled_topic ct;
    ct.tenant = spec.tenant;
    ct.id = spec.id;
    ct.name = spec.name;
    ct.query = spec.query;
    for (const auto& c : spec.channels) ct.channels.push_back(text::normalize(c));
    for (const auto& a : spec.own_accounts)
      if (std::string k = rules::account_key(a); !k.empty()) ct.own_accounts.push_back(std::move(k));
    if (!ct.own_accounts.empty()) snap->meta_fields_used |= 1u << static_cast<unsigned>(query::filter_field::author);
    if (auto it = tenant_index.find(spec.tenant); it != tenant_index.end()) {
      ct.tenant_index = it->second;
    } else {
      ct.tenant_index = static_cast<uint32_t>(snap->tenants.size());
      tenant_index.emplace(spec.tenant, ct.tenant_index);
      snap->tenants.push_back(spec.tenant);
    }
    plan.current_topic = static_cast<uint32_t>(snap->topics.size());

    std::vector<detail::trigger_list> clauses;
    const bool has_query = spec.query.find_first_not_of(" \t\r\n") != std::string::npos;
    if (!has_query && ct.channels.empty()) {
      query::diagnostic d;
      d.message = "a topic needs a query or at least one channel";
      report_error(d);
      continue;
    }
    // Roll back the nodes of a topic that fails planning.
    const size_t nodes_before = snap->nodes.size(), children_before = snap->children.size();
    const size_t filters_before = snap->filters.size();
    auto rollback = [&] {
      snap->nodes.resize(nodes_before);
      snap->children.resize(children_before);
      snap->filters.resize(filters_before);
    };
    if (has_query) {
      query::parse_result parsed = query::parse(spec.query, !ct.channels.empty());
      bool bad = false;
      for (auto& d : parsed.diagnostics) {
        if (d.level == query::severity::error) { bad = true; rep.errors.push_back({spec.tenant, spec.id, d}); }
        else rep.warnings.push_back({spec.tenant, spec.id, d});
      }
      if (bad || !parsed.root) {
        if (!bad) report_error(query::diagnostic{query::severity::error, 0, 1, 1, "query did not parse", {}});
        continue;
      }
      query::diagnostic d;
      plan.context = detail::condition_context::topic_query;
      auto root = plan.plan(*parsed.root, d);
      if (!root) {
        rollback();
        report_error(std::move(d));
        continue;
      }
      ct.root = *root;
      ct.channel_and_query = !query::is_anchored(*parsed.root);
      clauses = plan.clauses(*root);
    }
    // Tags: their conditions compile into the same snapshot, without
    // triggers; a semantic tag's examples join the ruleset's semantic set
    // (indices local to the topic until it is kept).
    bool tags_ok = true;
    std::vector<enrich::semantic_tag_definition> topic_semantic;
    for (const auto& tag : spec.tags) {
      auto tag_error = [&](std::string message) {
        rep.errors.push_back(
            {spec.tenant, spec.id, query::diagnostic{query::severity::error, 0, 1, 1, std::move(message), {}}});
        tags_ok = false;
      };
      uint32_t root = no_node;
      if (!tag.query.empty() || !tag.semantic()) {
        query::diagnostic td;
        std::optional<uint32_t> troot = plan_condition(plan, tag.query, detail::condition_context::auto_tag, td);
        if (!troot) {
          query::locate(tag.query, td);
          td.message = "tag '" + tag.path + "': " + td.message;
          rep.errors.push_back({spec.tenant, spec.id, td});
          tags_ok = false;
          break;
        }
        root = *troot;
      }
      int32_t semantic = -1;
      if (tag.semantic()) {
        const float fallback = options.default_min_similarity > 0 ? options.default_min_similarity
                                                                   : enrich::default_min_similarity;
        enrich::semantic_tag_definition def{tag.path, tag.examples, tag.counter_examples,
                                            tag.min_similarity < 0 ? fallback : tag.min_similarity};
        if (auto st = enrich::validate_semantic_tag(def, preparer); !st.ok()) {
          tag_error(st.message());
          break;
        }
        semantic = static_cast<int32_t>(topic_semantic.size());
        topic_semantic.push_back(std::move(def));
      }
      ct.tags.push_back({plan.label_id(tag.path), root, semantic});
    }
    if (!tags_ok) {
      rollback();
      continue;
    }
    // Rules: conditions compile like tags; actions are resolved here.
    bool rules_ok = true;
    for (const auto& rule : spec.rules) {
      auto rule_error = [&](query::diagnostic d) {
        query::locate(rule.when, d);
        d.message = "rule '" + rule.name + "': " + d.message;
        rep.errors.push_back({spec.tenant, spec.id, std::move(d)});
        rules_ok = false;
      };
      compiled_topic::rule cr;
      cr.name = plan.label_id("rule:" + rule.name);
      if (rule.when.find_first_not_of(" \t\r\n") != std::string::npos) {
        query::diagnostic rd;
        std::optional<uint32_t> rroot = plan_condition(plan, rule.when, detail::condition_context::rule, rd);
        if (!rroot) {
          rule_error(std::move(rd));
          break;
        }
        cr.root = *rroot;
      }
      if (!rule.then.sentiment.empty()) {
        auto mood = rules::sentiment_from_string(rule.then.sentiment);
        if (!mood) {
          rule_error(query::diagnostic{query::severity::error, 0, 1, 1,
                                       "unknown sentiment '" + rule.then.sentiment + "'",
                                       "write negative, neutral or positive"});
          break;
        }
        cr.set_sentiment = static_cast<int8_t>(*mood);
      }
      if (rule.then.priority) {
        if (!(*rule.then.priority >= 0 && *rule.then.priority <= 100)) {
          rule_error(query::diagnostic{query::severity::error, 0, 1, 1, "priority must be from 0 to 100", {}});
          break;
        }
        cr.set_priority = static_cast<float>(*rule.then.priority);
      }
      for (const auto& path : rule.then.add_tags) {
        if (path.empty()) {
          rule_error(query::diagnostic{query::severity::error, 0, 1, 1, "an added tag needs a path", {}});
          break;
        }
        cr.add_tags.push_back(plan.label_id(path));
      }
      if (!rules_ok) break;
      cr.mark_processed = rule.then.processed;
      cr.drop = rule.then.drop;
      ct.rules.push_back(std::move(cr));
    }
    if (!rules_ok) {
      rollback();
      continue;
    }
    for (const auto& tag : ct.tags) snap->tag_keys.try_emplace(tag.path, text::normalize(snap->label(tag.path)));
    for (const auto& rule : ct.rules)
      for (uint32_t path : rule.add_tags) snap->tag_keys.try_emplace(path, text::normalize(snap->label(path)));
    // Channels widen (or, for a purely negative query, replace) the triggers.
    std::vector<detail::trigger> channel_triggers;
    for (const auto& c : ct.channels)
      channel_triggers.push_back({false, 0, query::filter_field::channel, c});
    if (!ct.channels.empty()) snap->meta_fields_used |= ruleset_snapshot::channel_bit;
    if (ct.root == no_node || ct.channel_and_query) {
      clauses = {detail::trigger_list{channel_triggers, double(channel_triggers.size())}};
    } else if (!ct.channels.empty() && !clauses.empty()) {
      // `channel OR query`: one clause, the query's cheapest plus the channels.
      clauses.resize(1);
      clauses[0].triggers.insert(clauses[0].triggers.end(), channel_triggers.begin(), channel_triggers.end());
    }
    if (!topic_semantic.empty()) {
      const auto base = static_cast<int32_t>(semantic_defs.size());
      for (auto& tag : ct.tags)
        if (tag.semantic >= 0) tag.semantic += base;
      std::move(topic_semantic.begin(), topic_semantic.end(), std::back_inserter(semantic_defs));
      ct.reads_stream_facts = true;  // semantic decisions arrive as stream facts
    }
    topic_clauses.push_back(std::move(clauses));
    topic_source.push_back(static_cast<uint32_t>(ti));
    snap->topics.push_back(std::move(ct));
  }
  if (!semantic_defs.empty()) {
    // Examples are embedded on the host once; a backend that scores on a
    // device uploads them on first use (embedding.hpp).
    auto cpu = enrich::make_cpu_embedding_backend();
    SITO_ASSIGN_OR_RETURN(auto set, enrich::semantic_tag_set::compile(semantic_defs, *cpu, options.embedding_model));
    snap->semantic_tags = std::make_shared<const enrich::semantic_tag_set>(std::move(set));
  }

  // Sentiment lexicon: every term becomes an atom of the same term index.
  struct bound_term {
    uint32_t atom;
    sentiment_term term;
  };
  std::vector<bound_term> lexicon_terms;
  if (options.sentiment_model) {
    const rules::sentiment_lexicon& base = options.lexicon ? *options.lexicon : rules::builtin_lexicon();
    snap->lexicon_version = base.version;
    plan.context = detail::condition_context::auto_tag;
    auto bind = [&](const rules::sentiment_lexicon& lex, uint32_t tenant, const std::string& tenant_name) {
      for (const auto& e : lex.entries) {
        auto lexicon_error = [&](const std::string& why) {
          query::diagnostic d;
          d.message = "sentiment lexicon line " + std::to_string(e.line) + " ('" + e.term + "'): " + why;
          rep.errors.push_back({tenant_name, "", std::move(d)});
        };
        query::parse_result lp = query::parse(e.term, false);
        if (!lp.ok() || !lp.root) {
          lexicon_error("not a query term");
          continue;
        }
        const query::node_kind k = lp.root->kind;
        if (k != query::node_kind::term && k != query::node_kind::tag && k != query::node_kind::case_sensitive) {
          lexicon_error("a lexicon entry must be one word, #tag or emoji");
          continue;
        }
        const size_t nodes_before = snap->nodes.size(), children_before = snap->children.size();
        query::diagnostic d;
        auto root = plan.plan(*lp.root, d);
        const bool leaf = root && snap->nodes[*root].kind == op::leaf;
        const uint32_t atom_id = leaf ? snap->nodes[*root].atom : 0;
        snap->nodes.resize(nodes_before);
        snap->children.resize(children_before);
        if (!leaf) {
          lexicon_error(root ? "a lexicon entry must be a single token" : d.message);
          continue;
        }
        sentiment_term t;
        t.tenant = tenant;
        t.role = static_cast<uint8_t>(e.role);
        t.weight = e.weight;
        const std::string norm = text::normalize(e.term);
        t.emoji = morph::classify(norm) == morph::script::other &&
                  std::none_of(norm.begin(), norm.end(), [](char c) { return c >= '0' && c <= '9'; });
        lexicon_terms.push_back({atom_id, t});
      }
    };
    bind(base, sentiment_term::builtin, "");
    for (const auto& [tenant, lex] : options.tenant_lexicons)
      if (auto it = tenant_index.find(tenant); it != tenant_index.end()) bind(lex, it->second, tenant);
    snap->sentiment_begin.assign(snap->atoms.size() + 1, 0);
    std::stable_sort(lexicon_terms.begin(), lexicon_terms.end(),
                     [](const bound_term& a, const bound_term& b) { return a.atom < b.atom; });
    for (const auto& bt : lexicon_terms) ++snap->sentiment_begin[bt.atom + 1];
    for (size_t a = 0; a < snap->atoms.size(); ++a) snap->sentiment_begin[a + 1] += snap->sentiment_begin[a];
    for (const auto& bt : lexicon_terms) snap->sentiment_terms.push_back(bt.term);
  }

  // Term index.
  morph::stemmer stem;
  absl::flat_hash_map<std::string, std::vector<uint32_t>> exact, stems;
  absl::flat_hash_map<uint32_t, std::vector<uint32_t>> entries;
  std::vector<std::string> wildcard_patterns, contains_patterns;
  std::vector<uint32_t> wildcard_atoms, contains_atoms;
  const morph::dictionary* dict = snap->morphology ? snap->morphology->dict() : nullptr;
  std::string stem_buf;
  for (uint32_t a = 0; a < snap->atoms.size(); ++a) {
    const atom& at = snap->atoms[a];
    switch (at.kind) {
      case atom_kind::word: {
        exact[at.text].push_back(a);
        const std::string term = text::unfold(at.text);
        if (morph::stemmer::has_stemmer(morph::classify(term))) {
          if (stem.stem(term, stem_buf)) stems[stem_buf].push_back(a);
          stems[term].push_back(a);
          if (dict)
            for (uint32_t e : dict->entries_of(term)) entries[e].push_back(a);
        }
        break;
      }
      case atom_kind::exact:
      case atom_kind::case_sensitive:
      case atom_kind::tag:
        exact[at.text].push_back(a);
        break;
      case atom_kind::wildcard:
        wildcard_patterns.push_back(wildcard_regex(at.text));
        wildcard_atoms.push_back(a);
        break;
      case atom_kind::contains: {
        std::string re;
        for (char c : at.text) escape_byte(re, static_cast<unsigned char>(c));
        contains_patterns.push_back(std::move(re));
        contains_atoms.push_back(a);
        break;
      }
    }
  }
  flatten(exact, snap->exact_index, snap->postings);
  flatten(stems, snap->stem_index, snap->postings);
  flatten(entries, snap->entry_index, snap->postings);
  snap->needs_stemming = !snap->stem_index.empty();

  // Hyperscan databases. A rejected pattern removes only the topics using it.
  std::vector<std::pair<uint32_t, std::string>> rejected;
  rep.wildcard_patterns = wildcard_patterns.size();
  rep.contains_patterns = contains_patterns.size();
  if (!wildcard_patterns.empty()) {
    SITO_ASSIGN_OR_RETURN(auto hs, compile_hs(std::move(wildcard_patterns), std::move(wildcard_atoms), 0, rejected));
    snap->token_db = std::move(hs.db);
    snap->token_db_atoms = std::move(hs.atoms);
  }
  if (!contains_patterns.empty()) {
    SITO_ASSIGN_OR_RETURN(auto hs, compile_hs(std::move(contains_patterns), std::move(contains_atoms), 0, rejected));
    snap->text_db = std::move(hs.db);
    snap->text_db_atoms = std::move(hs.atoms);
    for (uint32_t a : snap->text_db_atoms) snap->text_db_lengths.push_back(static_cast<uint32_t>(snap->atoms[a].text.size()));
  }
  std::vector<bool> dead_topic(snap->topics.size(), false);
  for (auto& [a, message] : rejected) {
    for (uint32_t t : plan.atom_topics[a]) {
      if (dead_topic[t]) continue;
      dead_topic[t] = true;
      query::diagnostic d;
      d.message = "pattern rejected by Hyperscan: " + message;
      rep.errors.push_back({snap->topics[t].tenant, snap->topics[t].id, d});
    }
  }

  // Every atom a program reads, for the programs whose roots are on `stack`
  // (emptied): leaves and contains: nodes.
  auto drain_atoms = [&](std::vector<uint32_t>& stack, auto&& on_atom) {
    while (!stack.empty()) {
      const program_node& n = snap->nodes[stack.back()];
      stack.pop_back();
      if (n.kind == op::leaf || n.kind == op::contains) on_atom(n.atom);
      for (uint32_t k = 0; k < n.child_count; ++k) stack.push_back(snap->children[n.first_child + k]);
    }
  };
  auto push_conditions = [](std::vector<uint32_t>& stack, const compiled_topic& t) {
    for (const auto& tag : t.tags)
      if (tag.root != no_node) stack.push_back(tag.root);
    for (const auto& rule : t.rules)
      if (rule.root != no_node) stack.push_back(rule.root);
  };
  std::vector<uint32_t> stack;

  // Atoms reachable from topic queries; the rest serve conditions only (tags, rules, lexicon).
  {
    std::vector<bool> in_query(snap->atoms.size(), false);
    for (const auto& t : snap->topics)
      if (t.root != no_node) stack.push_back(t.root);
    drain_atoms(stack, [&](uint32_t a) { in_query[a] = true; });
    snap->condition_only_atom.assign(snap->atoms.size(), false);
    auto condition_only = [&](uint32_t a) {
      if (in_query[a]) return;
      snap->condition_only_atom[a] = true;
      snap->has_condition_only_atoms = true;
    };
    for (const auto& bt : lexicon_terms) condition_only(bt.atom);
    for (const auto& t : snap->topics) push_conditions(stack, t);
    drain_atoms(stack, condition_only);
  }

  // Topics whose tags or rules test a stream fact (is:duplicate).
  for (auto& t : snap->topics) {
    push_conditions(stack, t);
    while (!stack.empty()) {
      const program_node& n = snap->nodes[stack.back()];
      stack.pop_back();
      if (n.kind == op::filter && snap->filters[n.filter].field == query::filter_field::is_duplicate)
        t.reads_stream_facts = t.reads_duplicate = true;
      for (uint32_t k = 0; k < n.child_count; ++k) stack.push_back(snap->children[n.first_child + k]);
    }
  }

  if (snap->atoms.size() > ruleset_snapshot::max_atoms)
    return out_of_range("the topics have " + std::to_string(snap->atoms.size()) + " distinct terms, more than the limit of " +
                        std::to_string(ruleset_snapshot::max_atoms));

  // Per topic, the query atoms its program, tags and rules read.
  {
    snap->topic_atom_begin.assign(1, 0);
    snap->topic_atom_begin.reserve(snap->topics.size() + 1);
    std::vector<uint32_t> atoms;
    for (const auto& t : snap->topics) {
      atoms.clear();
      if (t.root != no_node) stack.push_back(t.root);
      push_conditions(stack, t);
      drain_atoms(stack, [&](uint32_t a) {
        if (!snap->condition_only_atom[a]) atoms.push_back(a);
      });
      (void)append_set(atoms, snap->topic_atoms);
      snap->topic_atom_begin.push_back(static_cast<uint32_t>(snap->topic_atoms.size()));
    }
  }

  // Triggers: the cheaper clause indexed (atom → topics, metadata key →
  // topics), the other kept per topic as checks; and the always list.
  std::vector<std::vector<uint32_t>> by_atom(snap->atoms.size());
  struct meta_key_build {
    uint32_t id = 0;
    std::vector<uint32_t> topics;  ///< those it indexes
  };
  // Every probed key (field, value), indexed or checked.
  absl::flat_hash_map<std::pair<query::filter_field, std::string>, meta_key_build> meta_keys;
  auto meta_key_of = [&](const detail::trigger& tr) -> meta_key_build& {
    snap->meta_trigger_fields |= 1u << static_cast<unsigned>(tr.meta_field);
    auto [it, fresh] = meta_keys.try_emplace({tr.meta_field, tr.meta_value});
    if (fresh) it->second.id = static_cast<uint32_t>(meta_keys.size() - 1);
    return it->second;
  };
  snap->topic_check_begin.assign(1, 0);
  snap->topic_check_begin.reserve(snap->topics.size() + 1);
  std::vector<uint32_t> checks;
  for (uint32_t t = 0; t < snap->topics.size(); ++t) {
    checks.clear();
    const auto& clauses = topic_clauses[t];
    if (!dead_topic[t]) {
      if (clauses.empty()) {
        snap->always_topics.push_back(t);
      } else {
        // planner::clauses() orders them by cost: index the first.
        for (const auto& tr : clauses[0].triggers) {
          if (tr.is_atom)
            by_atom[tr.atom].push_back(t);
          else {
            meta_key_of(tr).topics.push_back(t);
            snap->meta_index_fields |= 1u << static_cast<unsigned>(tr.meta_field);
          }
        }
        if (clauses.size() > 1)
          for (const auto& tr : clauses[1].triggers)
            checks.push_back(tr.is_atom ? tr.atom : ruleset_snapshot::check_meta_bit | meta_key_of(tr).id);
      }
    }
    (void)append_set(checks, snap->check_triggers);
    snap->topic_check_begin.push_back(static_cast<uint32_t>(snap->check_triggers.size()));
  }
  snap->atom_trigger_begin.reserve(snap->atoms.size() + 1);
  for (auto& list : by_atom) snap->atom_trigger_begin.push_back(append_set(list, snap->trigger_topics).begin);
  snap->atom_trigger_begin.push_back(static_cast<uint32_t>(snap->trigger_topics.size()));
  // The planner makes no key of a mention-level field (at() would throw).
  for (auto& [key, mk] : meta_keys)
    snap->meta_index.at(static_cast<size_t>(key.first))
        .emplace(key.second, ruleset_snapshot::meta_key{append_set(mk.topics, snap->postings), mk.id});

  rep.topics_compiled = snap->topics.size() - static_cast<size_t>(std::count(dead_topic.begin(), dead_topic.end(), true));
  rep.atoms = snap->atoms.size();
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return std::shared_ptr<const ruleset_snapshot>(std::move(snap));
}

}  // namespace sito
