#include "mention/mention_builder.hpp"

#include <algorithm>
#include <cstdio>

#include "scan/node_text.hpp"
#include "sito/rules/mention_flags.hpp"

namespace sito::detail {

void mention_builder::begin_post(const ruleset_snapshot& s, const post& p, std::span<const hit> hits,
                                 const stream_facts* facts) {
  snap_ = &s;
  post_ = &p;
  facts_ = facts;
  hits_ = hits;
  author_keys_[0] = p.author.id.empty() ? std::string() : rules::account_key(p.author.id);
  author_keys_[1] = p.author.handle.empty() ? std::string() : rules::account_key(p.author.handle);
  priority_terms_ = rules::priority_terms_of(p.author.followers, p.reach, p.source_type, p.author.verified);
  builtin_.reset();
  tenant_moods_.clear();
  own_lexicon_tenants_.clear();
  if (!s.sentiment_begin.empty())
    for (const hit& h : hits)
      for (uint32_t k = s.sentiment_begin[h.atom]; k < s.sentiment_begin[h.atom + 1]; ++k) {
        const uint32_t tenant = s.sentiment_terms[k].tenant;
        if (tenant != sentiment_term::builtin &&
            std::find(own_lexicon_tenants_.begin(), own_lexicon_tenants_.end(), tenant) == own_lexicon_tenants_.end())
          own_lexicon_tenants_.push_back(tenant);
      }
}

rules::sentiment_result mention_builder::score(uint32_t tenant) {
  const ruleset_snapshot& s = *snap_;
  events_.clear();
  if (!s.sentiment_begin.empty()) {
    for (const hit& h : hits_) {
      const uint32_t b = s.sentiment_begin[h.atom], e = s.sentiment_begin[h.atom + 1];
      if (b == e) continue;
      // A tenant's own entry for a term replaces the built-in one.
      bool tenant_has_own = false;
      for (uint32_t k = b; k < e; ++k) tenant_has_own |= s.sentiment_terms[k].tenant == tenant;
      const uint32_t want = tenant_has_own ? tenant : sentiment_term::builtin;
      for (uint32_t k = b; k < e; ++k) {
        const sentiment_term& st = s.sentiment_terms[k];
        if (st.tenant != want) continue;
        events_.push_back({h.field, h.position, static_cast<rules::lexicon_role>(st.role), st.weight, st.emoji});
      }
    }
    std::sort(events_.begin(), events_.end(), [](const rules::sentiment_event& a, const rules::sentiment_event& b) {
      return a.field != b.field ? a.field < b.field : a.position < b.position;
    });
  }
  return rules::score_sentiment(events_);
}

const rules::sentiment_result& mention_builder::sentiment_of(uint32_t tenant) {
  if (std::find(own_lexicon_tenants_.begin(), own_lexicon_tenants_.end(), tenant) == own_lexicon_tenants_.end()) {
    if (!builtin_) builtin_ = score(sentiment_term::builtin);
    return *builtin_;
  }
  for (const auto& [t, r] : tenant_moods_)
    if (t == tenant) return r;
  tenant_moods_.emplace_back(tenant, score(tenant));
  return tenant_moods_.back().second;
}

void mention_builder::build(const ruleset_snapshot& s, const compiled_topic& t, program_evaluator& evaluator,
                            const program_evaluator::hit_view& view, post_meta& meta, mention_outcome& o,
                            std::vector<mention_trace_line>* trace) {
  o = mention_outcome{};
  o.own = !t.own_accounts.empty() && rules::is_own_account(author_keys_, t.own_accounts);
  o.model = sentiment_of(t.tenant_index);
  o.mood = o.model.label;
  o.wom = rules::is_word_of_mouth(o.own, post_->source_type, o.model.ad_marked);
  mention_view mv;
  mv.is_own = o.own;
  mv.is_wom = o.wom;
  mv.is_duplicate = facts_ && facts_->duplicate;
  mv.sentiment = static_cast<uint8_t>(o.mood);
  meta.mention = &mv;
  tags_.clear();
  tag_keys_.clear();
  std::vector<node_trace>* nodes = trace ? &node_trace_ : nullptr;
  auto line = [&](uint32_t depth, std::string text) { trace->push_back({depth, std::move(text)}); };
  auto dump_nodes = [&] {
    for (const auto& x : node_trace_)
      line(2 + x.depth, std::string(x.truth ? "[true]  " : "[false] ") + describe_node(s, s.nodes[x.node]));
    node_trace_.clear();
  };
  auto key_of = [&](uint32_t label) {
    auto it = s.tag_keys.find(label);
    return it == s.tag_keys.end() ? nullptr : &it->second;
  };
  if (trace) {
    line(0, std::string("mention: own account ") + (o.own ? "yes" : "no") + ", WOM " + (o.wom ? "yes" : "no") +
                (o.model.ad_marked ? " (advertising marker)" : ""));
    char buf[96];
    std::snprintf(buf, sizeof buf, "sentiment (model %s): %s, score %.2f from %u terms", s.lexicon_version.c_str(),
                  rules::to_string(o.model.label), static_cast<double>(o.model.score), o.model.polar_terms);
    line(0, buf);
  }
  for (const auto& tag : t.tags) {
    // A semantic tag needs its examples' decision (a stream fact) and, when
    // it has one, its query.
    const bool similar = tag.semantic < 0 || (facts_ && facts_->semantic_holds(static_cast<uint32_t>(tag.semantic)));
    const bool set = similar && (tag.root == no_node || evaluator.evaluate_condition(s, tag.root, view, meta, nodes));
    if (set) {
      tags_.push_back(tag.path);
      if (const std::string* k = key_of(tag.path)) tag_keys_.push_back(k);
    }
    if (trace) {
      line(0, "tag " + std::string(s.label(tag.path)) + (set ? ": SET" : ": not set") +
                  (tag.semantic < 0 ? "" : similar ? " (its examples decide: similar)" : " (its examples decide: not similar)"));
      dump_nodes();
    }
  }
  for (const auto& rule : t.rules) {
    mv.tag_keys = tag_keys_;
    const bool holds = rule.root == no_node || evaluator.evaluate_condition(s, rule.root, view, meta, nodes);
    if (trace) {
      line(0, std::string(s.label(rule.name)) + (holds ? ": FIRED" : ": did not fire") +
                  (rule.root == no_node ? " (no condition)" : ""));
      dump_nodes();
    }
    if (!holds) continue;
    for (uint32_t path : rule.add_tags) {
      if (std::find(tags_.begin(), tags_.end(), path) != tags_.end()) continue;
      tags_.push_back(path);
      if (const std::string* k = key_of(path)) tag_keys_.push_back(k);
      if (trace) line(2, "adds tag " + std::string(s.label(path)));
    }
    if (rule.set_sentiment >= 0) {
      o.mood = static_cast<rules::sentiment>(rule.set_sentiment);
      o.sentiment_rule = rule.name;
      mv.sentiment = static_cast<uint8_t>(rule.set_sentiment);
      if (trace) line(2, std::string("sets sentiment ") + rules::to_string(o.mood));
    }
    if (rule.set_priority >= 0) {
      o.priority = rule.set_priority;
      o.priority_from_rule = true;
      if (trace) line(2, "sets priority " + std::to_string(static_cast<int>(rule.set_priority)));
    }
    if (rule.mark_processed) {
      o.processed = true;
      mv.is_processed = true;
      if (trace) line(2, "marks processed");
    }
    if (rule.drop) {
      o.dropped = true;
      if (trace) line(2, "drops the mention (later rules do not run)");
      break;
    }
  }
  meta.mention = nullptr;
  if (!o.priority_from_rule) o.priority = rules::priority_score(priority_terms_, o.mood, o.wom);
}

}  // namespace sito::detail
