// Explain: one topic against one post, every stage traced, as data
// (sito/scan/explanation.hpp), regardless of triggers.
#include <algorithm>
#include <cstdio>

#include "scan/node_text.hpp"
#include "scan/candidate_selector.hpp"
#include "scan/scanner_impl.hpp"
#include "scan/term_matcher.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/scan/semantic_facts.hpp"

namespace sito {

namespace {

/// Decides the semantic tags of topic `t` for `p` on `backend`, into
/// `facts` and `lines` (explanation::semantic).
status explain_semantic(const ruleset_snapshot& s, const compiled_topic& t, const post& p,
                        enrich::embedding_backend& backend, stream_facts& facts,
                        std::vector<explanation::semantic_line>& lines) {
  std::vector<std::vector<uint32_t>> wanted(1);
  for (const auto& tag : t.tags)
    if (tag.semantic >= 0) wanted[0].push_back(static_cast<uint32_t>(tag.semantic));
  if (wanted[0].empty() || !s.semantic_tags) return ok_status();
  enrich::text_preparer prep;
  enrich::prepared_batch batch;
  SITO_RETURN_IF_ERROR(prep.add_post(semantic_text_of(p), batch));
  std::vector<std::vector<enrich::semantic_decision>> d;
  SITO_RETURN_IF_ERROR(s.semantic_tags->decide(backend, batch, wanted, d));
  for (size_t k = 0; k < wanted[0].size(); ++k) {
    const enrich::semantic_decision& x = d[0][k];
    const enrich::semantic_tag_definition& def = s.semantic_tags->definition(wanted[0][k]);
    explanation::semantic_line l;
    l.path = def.path;
    l.similar = x.tagged;
    if (x.example >= 0) l.example = def.examples[static_cast<size_t>(x.example)];
    l.example_score = x.example_score;
    if (x.counter_example >= 0) l.counter_example = def.counter_examples[static_cast<size_t>(x.counter_example)];
    l.counter_score = x.counter_score;
    l.min_similarity = def.min_similarity;
    lines.push_back(std::move(l));
    if (x.tagged) facts.semantic.push_back(wanted[0][k]);
  }
  std::sort(facts.semantic.begin(), facts.semantic.end());
  return ok_status();
}

std::string score_text(float x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(x));
  return buf;
}

}  // namespace

result<explanation> batch_scanner::explain(const post& p, uint32_t topic, enrich::embedding_backend* backend) const {
  const ruleset_snapshot& s = *impl_->snap;
  if (topic >= s.topics.size()) return out_of_range("no topic with index " + std::to_string(topic));
  SITO_RETURN_IF_ERROR(validate_post(p, impl_->options.limits));
  detail::thread_scratch& ts = impl_->local();
  ts.cache->begin_chunk();
  if (ts.slots.empty()) ts.slots.resize(1);
  detail::post_slot& slot = ts.slots[0];
  status why;
  if (!impl_->prepare(ts, p, slot, why)) return why;
  detail::add_query_hits(s, ts, p, slot);
  detail::collect_condition_hits(s, ts, p, slot);
  if (s.text_db) detail::collect_contains_hits(s, ts, std::span<const post>(&p, 1), 1);
  // Grouped by atom as the scan groups them; atoms in the order they first hit.
  const uint32_t stamp = detail::group_hits(ts, slot.hits);

  const compiled_topic& t = s.topics[topic];
  explanation e;
  e.tenant = t.tenant;
  e.topic = t.id;
  e.query = t.query;
  e.channels = t.channels;
  e.post_channel = p.channel;
  // Which atoms of this topic hit, and where.
  std::vector<bool> used(s.atoms.size(), false);
  std::vector<uint32_t> stack;
  if (t.root != no_node) stack.push_back(t.root);
  while (!stack.empty()) {
    const program_node& n = s.nodes[stack.back()];
    stack.pop_back();
    if (n.kind == op::leaf || n.kind == op::contains) used[n.atom] = true;
    for (uint32_t k = 0; k < n.child_count; ++k) stack.push_back(s.children[n.first_child + k]);
  }
  const detail::program_evaluator::hit_view view = detail::view_of(ts, slot.hits, stamp);
  for (const uint32_t atom_id : ts.distinct_atoms) {
    if (!used[atom_id]) continue;
    const atom& a = s.atoms[atom_id];
    for (const detail::hit& h : view.of(atom_id))
      e.hits.push_back({detail::atom_kind_name(a.kind), detail::atom_text(a), static_cast<query::field>(h.field + 1),
                        h.orig_begin, h.orig_end,
                        detail::field_text(p, h.field).substr(h.orig_begin, h.orig_end - h.orig_begin)});
  }

  // Evaluate with a trace, building metadata the way the scanner does.
  detail::build_post_meta(p, slot.fields[0].folded, slot.fields[1].folded, ~0u, slot.meta);
  std::vector<detail::node_trace> trace;
  std::vector<highlight> hls;
  e.matched = ts.evaluator.evaluate_topic(s, t, view, slot.meta, hls, &trace);
  for (const auto& tr : trace) {
    const program_node& n = s.nodes[tr.node];
    e.evaluation.push_back({tr.depth, tr.truth, detail::describe_node(s, n), n.positional, tr.spans});
  }
  if (e.matched) {
    // Tags, rules and models run only for mentions; semantic tags are
    // decided first, as the scan's stream facts are.
    stream_facts facts;
    std::unique_ptr<enrich::embedding_backend> cpu;
    if (!backend) backend = (cpu = enrich::make_cpu_embedding_backend()).get();
    SITO_RETURN_IF_ERROR(explain_semantic(s, t, p, *backend, facts, e.semantic));
    ts.mentions.begin_post(s, p, slot.hits, &facts);
    detail::mention_outcome o;
    std::vector<detail::mention_trace_line> lines;
    ts.mentions.build(s, t, ts.evaluator, view, slot.meta, o, &lines);
    for (auto& l : lines) e.mention_trace.push_back({l.depth, std::move(l.text)});
    e.dropped = o.dropped;
    e.sentiment = o.mood;
    e.sentiment_source = o.sentiment_rule == scan_output::no_label ? "model" : std::string(s.label(o.sentiment_rule));
    e.priority = o.priority;
    e.priority_from_rule = o.priority_from_rule;
    e.processed = o.processed;
    e.wom = o.wom;
    e.own = o.own;
    for (uint32_t tag : ts.mentions.tags()) e.tags.emplace_back(s.label(tag));
  }
  for (const highlight& h : hls) {
    const std::string& text = detail::field_text(p, static_cast<uint8_t>(static_cast<int>(h.field) - 1));
    e.highlights.push_back({h.field, h.begin, h.end, std::string(s.label(h.label)), text.substr(h.begin, h.end - h.begin)});
  }
  return e;
}

std::string to_string(const explanation& e) {
  std::string out = "topic " + e.tenant + "/" + e.topic + "\n  query: " + e.query + "\n";
  if (!e.channels.empty()) {
    out += "  channels:";
    for (const auto& c : e.channels) out += " " + c;
    out += "  (post channel: " + (e.post_channel.empty() ? std::string("none") : e.post_channel) + ")\n";
  }
  out += "hits:\n";
  for (const auto& h : e.hits)
    out += "  " + h.kind + " '" + h.term + "' in " + detail::field_name(static_cast<uint8_t>(static_cast<int>(h.field) - 1)) +
           " bytes [" + std::to_string(h.begin) + ", " + std::to_string(h.end) + "): \"" + h.text + "\"\n";
  if (e.hits.empty()) out += "  (none)\n";
  out += "evaluation:\n";
  for (const auto& n : e.evaluation) {
    out += std::string(2 + 2 * n.depth, ' ') + (n.truth ? "[true]  " : "[false] ") + n.what;
    if (n.positional) out += "  (" + std::to_string(n.spans) + " spans)";
    out += "\n";
  }
  out += e.matched ? "result: MATCH\n" : "result: no match\n";
  if (e.matched) {
    if (!e.semantic.empty()) out += "semantic tags (nearest example and counter-example, best sentence):\n";
    for (const auto& l : e.semantic) {
      out += "  " + l.path + ": " + (l.similar ? "similar" : "not similar") + " (example \"" + l.example + "\" " +
             score_text(l.example_score) + (l.example_score >= l.min_similarity ? " >= " : " < ") + "min_similarity " +
             score_text(l.min_similarity);
      if (!l.counter_example.empty())
        out += "; counter-example \"" + l.counter_example + "\" " + score_text(l.counter_score);
      out += ")\n";
    }
    for (const auto& l : e.mention_trace) out += std::string(2 * l.depth, ' ') + l.text + "\n";
    if (e.dropped) {
      out += "mention: DROPPED by a rule\n";
    } else {
      out += "mention: sentiment " + std::string(rules::to_string(e.sentiment)) + " (" + e.sentiment_source + ")" +
             ", priority " + std::to_string(static_cast<int>(e.priority + 0.5f)) +
             (e.priority_from_rule ? " (rule)" : " (formula)") + (e.processed ? ", processed" : "") + "\n";
      out += "  tags:";
      for (const auto& tag : e.tags) out += " " + tag;
      out += e.tags.empty() ? " (none)\n" : "\n";
    }
  }
  for (const auto& h : e.highlights)
    out += "  highlight " + std::string(query::to_string(h.field)) + " [" + std::to_string(h.begin) + ", " +
           std::to_string(h.end) + ") " + h.term + ": \"" + h.text + "\"\n";
  return out;
}

}  // namespace sito
