#include "sito/scan/batch_scanner.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "compile/planner.hpp"
#include "scan/filter_eval.hpp"
#include "scan/program_evaluator.hpp"
#include "scan/token_cache.hpp"
#include "sito/morph/stemmer.hpp"
#include "sito/rules/mention_flags.hpp"
#include "sito/rules/priority.hpp"
#include "sito/rules/sentiment_scorer.hpp"
#include "sito/text/fold.hpp"

namespace sito {
namespace {

using detail::hit;

std::string describe_node(const ruleset_snapshot& s, const program_node& n);  // explain section below

struct hs_scratch_deleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};

/// One analyzed post of a chunk.
struct post_slot {
  bool valid = false;
  text::analyzed_text fields[detail::field_count];
  std::vector<hit> hits;
  detail::post_meta meta;
};

/// Everything a thread needs to scan: owned by one thread at a time.
struct thread_scratch {
  std::unique_ptr<hs_scratch_t, hs_scratch_deleter> hs;
  text::analyzer analyzer;
  morph::stemmer stemmer;
  std::string stem_buf;
  std::vector<post_slot> slots;

  // token → atoms, memoized (morphology runs once per distinct token)
  std::unique_ptr<detail::token_cache> cache;
  std::vector<uint32_t> lookup_tmp;

  // Hyperscan input for a chunk: concatenated streams and their owners.
  std::string stream;
  struct segment {
    uint32_t stream_begin;
    uint32_t slot;
    uint8_t field;
  };
  std::vector<segment> segments;
  std::vector<uint32_t> token_stream_end;  // per token in stream order: offset after its key
  std::vector<uint32_t> segment_token_base;

  // evaluation state
  std::vector<uint32_t> atom_begin, atom_end, atom_stamp;
  std::vector<uint32_t> topic_stamp;
  std::vector<uint8_t> topic_fired;  // clause bits seen this post; bit 7: already a candidate
  uint32_t stamp = 0;
  /// A new generation for the stamped arrays; on wrap-around they are cleared.
  uint32_t next_stamp() {
    if (++stamp == 0) {
      std::fill(atom_stamp.begin(), atom_stamp.end(), 0);
      std::fill(topic_stamp.begin(), topic_stamp.end(), 0);
      std::fill(topic_fired.begin(), topic_fired.end(), 0);
      stamp = 1;
    }
    return stamp;
  }
  std::vector<uint32_t> candidates;
  std::vector<std::string> meta_keys;
  std::string meta_key_buf;
  detail::program_evaluator evaluator;
  std::vector<highlight> hl_tmp;

  // mentions of the current post
  struct pending_match {
    uint32_t topic, hl_begin, hl_count;
  };
  std::vector<pending_match> pending;
  std::vector<rules::sentiment_event> sentiment_events;
  std::vector<std::pair<uint32_t, rules::sentiment_result>> mood_cache;  // by tenant index, per post
  std::vector<uint32_t> mention_tags;
  std::vector<const std::string*> mention_tag_keys;
};

/// What the tags, rules and models made of one mention.
struct mention_outcome {
  bool dropped = false;
  rules::sentiment mood = rules::sentiment::neutral;
  uint32_t sentiment_rule = scan_output::no_label;
  float priority = 0;
  bool priority_from_rule = false;
  bool processed = false, wom = false, own = false;
  rules::sentiment_result model;
};

}  // namespace

struct batch_scanner::impl {
  std::shared_ptr<const ruleset_snapshot> snap;
  scan_options options;
  hs_scratch_t* prototype = nullptr;  // allocated for both databases
  mutable tbb::enumerable_thread_specific<thread_scratch> scratch;

  impl(std::shared_ptr<const ruleset_snapshot> s, scan_options o) : snap(std::move(s)), options(o) {
    if (snap->token_db) hs_alloc_scratch(snap->token_db.get(), &prototype);
    if (snap->text_db) hs_alloc_scratch(snap->text_db.get(), &prototype);
  }
  ~impl() {
    if (prototype) hs_free_scratch(prototype);
  }

  thread_scratch& local() const {
    thread_scratch& ts = scratch.local();
    if (!ts.hs && prototype) {
      hs_scratch_t* clone = nullptr;
      hs_clone_scratch(prototype, &clone);
      ts.hs.reset(clone);
    }
    if (ts.atom_stamp.size() != snap->atoms.size() || ts.topic_stamp.size() != snap->topics.size()) {
      ts.atom_begin.assign(snap->atoms.size(), 0);
      ts.atom_end.assign(snap->atoms.size(), 0);
      ts.atom_stamp.assign(snap->atoms.size(), 0);
      ts.topic_stamp.assign(snap->topics.size(), 0);
      ts.topic_fired.assign(snap->topics.size(), 0);
    }
    return ts;
  }

  void scan_chunk(std::span<const post> posts, uint32_t base, scan_output& out) const;
  posting_range lookup_token(thread_scratch& ts, std::string_view key) const;
  void collect_term_hits(thread_scratch& ts, const post& p, post_slot& slot, bool condition_only = false) const;
  void run_token_db(thread_scratch& ts, size_t nslots) const;
  void run_text_db(thread_scratch& ts, size_t nslots) const;
  void evaluate(thread_scratch& ts, const post& p, post_slot& slot, uint32_t post_index,
                scan_output& out) const;
  /// The built-in sentiment of the current post for a tenant (cached per post in ts.mood_cache).
  const rules::sentiment_result& sentiment_of(thread_scratch& ts, std::span<const hit> hits, uint32_t tenant) const;
  /// Flags, sentiment, auto-tags (into ts.mention_tags) and rules for topic `t`
  /// on the current post; appends a human trace to `trace` when given.
  void build_mention(thread_scratch& ts, const post& p, const compiled_topic& t,
                     const detail::program_evaluator::hit_view& view, detail::post_meta& meta, mention_outcome& o,
                     std::string* trace = nullptr) const;
};

const rules::sentiment_result& batch_scanner::impl::sentiment_of(thread_scratch& ts, std::span<const hit> hits,
                                                                 uint32_t tenant) const {
  for (const auto& [t, r] : ts.mood_cache)
    if (t == tenant) return r;
  const ruleset_snapshot& s = *snap;
  auto& events = ts.sentiment_events;
  events.clear();
  if (!s.sentiment_begin.empty()) {
    for (const hit& h : hits) {
      const uint32_t b = s.sentiment_begin[h.atom], e = s.sentiment_begin[h.atom + 1];
      if (b == e) continue;
      bool tenant_has_own = false;
      for (uint32_t k = b; k < e; ++k) tenant_has_own |= s.sentiment_terms[k].tenant == tenant;
      const uint32_t want = tenant_has_own ? tenant : sentiment_term::builtin;
      for (uint32_t k = b; k < e; ++k) {
        const sentiment_term& st = s.sentiment_terms[k];
        if (st.tenant != want) continue;
        events.push_back({h.field, h.position, static_cast<rules::lexicon_role>(st.role), st.weight, st.emoji});
      }
    }
    std::sort(events.begin(), events.end(), [](const rules::sentiment_event& a, const rules::sentiment_event& b) {
      return a.field != b.field ? a.field < b.field : a.position < b.position;
    });
  }
  ts.mood_cache.emplace_back(tenant, rules::score_sentiment(events));
  return ts.mood_cache.back().second;
}

void batch_scanner::impl::build_mention(thread_scratch& ts, const post& p, const compiled_topic& t,
                                        const detail::program_evaluator::hit_view& view, detail::post_meta& meta,
                                        mention_outcome& o, std::string* trace) const {
  const ruleset_snapshot& s = *snap;
  o = mention_outcome{};
  o.own = rules::is_own_account(p.author.id, p.author.handle, t.own_accounts);
  o.model = sentiment_of(ts, view.all, t.tenant_index);
  o.mood = o.model.label;
  o.wom = rules::is_word_of_mouth(o.own, p.source_type, o.model.ad_marked);
  detail::mention_view mv;
  mv.is_own = o.own;
  mv.is_wom = o.wom;
  mv.sentiment = static_cast<uint8_t>(o.mood);
  meta.mention = &mv;
  ts.mention_tags.clear();
  ts.mention_tag_keys.clear();
  std::vector<detail::node_trace> tr;
  auto dump = [&](size_t indent) {
    for (const auto& x : tr)
      *trace += std::string(indent + 2 * x.depth, ' ') + (x.truth ? "[true]  " : "[false] ") +
                describe_node(s, s.nodes[x.node]) + "\n";
    tr.clear();
  };
  auto key_of = [&](uint32_t label) {
    auto it = s.tag_keys.find(label);
    return it == s.tag_keys.end() ? nullptr : &it->second;
  };
  if (trace) {
    *trace += std::string("mention: own account ") + (o.own ? "yes" : "no") + ", WOM " + (o.wom ? "yes" : "no") +
              (o.model.ad_marked ? " (advertising marker)" : "") + "\n";
    char buf[96];
    std::snprintf(buf, sizeof buf, "sentiment (model %s): %s, score %.2f from %u terms\n", s.lexicon_version.c_str(),
                  rules::to_string(o.model.label), static_cast<double>(o.model.score), o.model.polar_terms);
    *trace += buf;
  }
  for (const auto& tag : t.tags) {
    const bool set = ts.evaluator.evaluate_condition(s, tag.root, view, meta, trace ? &tr : nullptr);
    if (set) {
      ts.mention_tags.push_back(tag.path);
      if (const std::string* k = key_of(tag.path)) ts.mention_tag_keys.push_back(k);
    }
    if (trace) {
      *trace += "tag " + std::string(s.label(tag.path)) + (set ? ": SET\n" : ": not set\n");
      dump(4);
    }
  }
  for (const auto& rule : t.rules) {
    mv.tag_keys = ts.mention_tag_keys;
    const bool holds =
        rule.root == no_node || ts.evaluator.evaluate_condition(s, rule.root, view, meta, trace ? &tr : nullptr);
    if (trace) {
      *trace += std::string(s.label(rule.name)) + (holds ? ": FIRED" : ": did not fire") +
                (rule.root == no_node ? " (no condition)\n" : "\n");
      dump(4);
    }
    if (!holds) continue;
    for (uint32_t path : rule.add_tags) {
      if (std::find(ts.mention_tags.begin(), ts.mention_tags.end(), path) != ts.mention_tags.end()) continue;
      ts.mention_tags.push_back(path);
      if (const std::string* k = key_of(path)) ts.mention_tag_keys.push_back(k);
      if (trace) *trace += "    adds tag " + std::string(s.label(path)) + "\n";
    }
    if (rule.set_sentiment >= 0) {
      o.mood = static_cast<rules::sentiment>(rule.set_sentiment);
      o.sentiment_rule = rule.name;
      mv.sentiment = static_cast<uint8_t>(rule.set_sentiment);
      if (trace) *trace += std::string("    sets sentiment ") + rules::to_string(o.mood) + "\n";
    }
    if (rule.set_priority >= 0) {
      o.priority = rule.set_priority;
      o.priority_from_rule = true;
      if (trace) *trace += "    sets priority " + std::to_string(static_cast<int>(rule.set_priority)) + "\n";
    }
    if (rule.mark_processed) {
      o.processed = true;
      mv.is_processed = true;
      if (trace) *trace += "    marks processed\n";
    }
    if (rule.drop) {
      o.dropped = true;
      if (trace) *trace += "    drops the mention (later rules do not run)\n";
      break;
    }
  }
  meta.mention = nullptr;
  if (!o.priority_from_rule)
    o.priority = rules::priority_score(
        {o.mood, p.author.followers, p.reach, p.source_type, p.author.verified, o.wom});
}

posting_range batch_scanner::impl::lookup_token(thread_scratch& ts, std::string_view key) const {
  if (!ts.cache) ts.cache = std::make_unique<detail::token_cache>(options.token_cache_entries);
  const uint64_t h = detail::token_cache::hash_of(key);
  if (const posting_range* hit = ts.cache->find(key, h)) return *hit;
  const ruleset_snapshot& s = *snap;
  auto& list = ts.lookup_tmp;
  list.clear();
  if (auto it = s.exact_index.find(key); it != s.exact_index.end())
    list.insert(list.end(), s.postings.begin() + it->second.begin,
                s.postings.begin() + it->second.begin + it->second.count);
  if (s.needs_stemming) {
    const std::string utf8 = text::unfold(key);
    if (morph::stemmer::has_stemmer(morph::classify(utf8))) {
      if (ts.stemmer.stem(utf8, ts.stem_buf)) {
        if (auto it = s.stem_index.find(ts.stem_buf); it != s.stem_index.end())
          list.insert(list.end(), s.postings.begin() + it->second.begin,
                      s.postings.begin() + it->second.begin + it->second.count);
      }
      if (!s.entry_index.empty() && s.morphology && s.morphology->dict()) {
        for (uint32_t e : s.morphology->dict()->entries_of(utf8)) {
          if (auto it = s.entry_index.find(e); it != s.entry_index.end())
            list.insert(list.end(), s.postings.begin() + it->second.begin,
                        s.postings.begin() + it->second.begin + it->second.count);
        }
      }
    }
  }
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  // Atoms of topic queries first, then those only conditions use.
  uint32_t first_count = static_cast<uint32_t>(list.size());
  if (s.has_condition_only_atoms) {
    auto mid = std::stable_partition(list.begin(), list.end(), [&](uint32_t a) { return !s.condition_only_atom[a]; });
    first_count = static_cast<uint32_t>(mid - list.begin());
  }
  return ts.cache->insert(key, h, list, first_count);
}

void batch_scanner::impl::collect_term_hits(thread_scratch& ts, const post& p, post_slot& slot, bool condition_only) const {
  const ruleset_snapshot& s = *snap;
  // First pass: atoms of topic queries; the second (condition_only) adds the atoms
  // only conditions (tags, rules, the sentiment lexicon) use, for posts that matched a topic.
  auto wanted = [&](uint32_t a) { return !s.has_condition_only_atoms || s.condition_only_atom[a] == condition_only; };
  for (uint8_t f = 0; f < detail::field_count; ++f) {
    const text::analyzed_text& at = slot.fields[f];
    for (const text::token& tok : at.tokens) {
      const posting_range r = lookup_token(ts, at.key(tok));
      for (const uint32_t a : ts.cache->group(r, condition_only ? 1 : 0)) {
        if (s.atoms[a].kind == atom_kind::case_sensitive) {
          const std::string& field_text = f == 0 ? p.title : f == 1 ? p.text : p.image_text;
          std::string_view original =
              std::string_view(field_text).substr(tok.orig_begin, tok.orig_end - tok.orig_begin);
          if (text::normalize_keep_case(original) != s.atoms[a].case_text) continue;
        }
        slot.hits.push_back({a, f, tok.position, tok.orig_begin, tok.orig_end});
      }
      if (tok.has_tag) {
        if (auto it = s.exact_index.find(at.tag_key(tok)); it != s.exact_index.end()) {
          for (uint32_t k = 0; k < it->second.count; ++k) {
            const uint32_t a = s.postings[it->second.begin + k];
            if (s.atoms[a].kind == atom_kind::tag && wanted(a))
              slot.hits.push_back({a, f, tok.position, tok.tag_orig_begin, tok.tag_orig_end});
          }
        }
      }
    }
  }
}

namespace {

struct token_db_context {
  thread_scratch* ts;
};

int on_token_match(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int,
                   void* ctx_ptr) {
  auto* ctx = static_cast<std::pair<thread_scratch*, const ruleset_snapshot*>*>(ctx_ptr);
  thread_scratch& ts = *ctx->first;
  const uint32_t key_end = static_cast<uint32_t>(to - 1);
  auto seg_it = std::upper_bound(ts.segments.begin(), ts.segments.end(), key_end,
                                 [](uint32_t off, const thread_scratch::segment& s) { return off < s.stream_begin; });
  if (seg_it == ts.segments.begin()) return 0;
  --seg_it;
  const size_t seg_index = static_cast<size_t>(seg_it - ts.segments.begin());
  const uint32_t tb = ts.segment_token_base[seg_index], te = ts.segment_token_base[seg_index + 1];
  auto tok_it = std::lower_bound(ts.token_stream_end.begin() + tb, ts.token_stream_end.begin() + te, key_end);
  if (tok_it == ts.token_stream_end.begin() + te || *tok_it != key_end) return 0;
  post_slot& slot = ts.slots[seg_it->slot];
  const text::token& tok = slot.fields[seg_it->field].tokens[static_cast<size_t>(tok_it - ts.token_stream_end.begin()) - tb];
  slot.hits.push_back({ctx->second->token_db_atoms[id], seg_it->field, tok.position, tok.orig_begin, tok.orig_end});
  return 0;
}

int on_text_match(unsigned int id, unsigned long long /*from*/, unsigned long long to, unsigned int,
                  void* ctx_ptr) {
  auto* ctx = static_cast<std::pair<thread_scratch*, const ruleset_snapshot*>*>(ctx_ptr);
  thread_scratch& ts = *ctx->first;
  const ruleset_snapshot& s = *ctx->second;
  const uint32_t end = static_cast<uint32_t>(to);
  const uint32_t start = end - s.text_db_lengths[id];
  auto seg_it = std::upper_bound(ts.segments.begin(), ts.segments.end(), start,
                                 [](uint32_t off, const thread_scratch::segment& sg) { return off < sg.stream_begin; });
  if (seg_it == ts.segments.begin()) return 0;
  --seg_it;
  const uint32_t seg_end = (seg_it + 1 == ts.segments.end()) ? static_cast<uint32_t>(ts.stream.size())
                                                              : (seg_it + 1)->stream_begin;
  if (end > seg_end) return 0;  // straddles two fields
  post_slot& slot = ts.slots[seg_it->slot];
  const text::analyzed_text& at = slot.fields[seg_it->field];
  const uint32_t b = start - seg_it->stream_begin, e = end - seg_it->stream_begin;
  slot.hits.push_back({s.text_db_atoms[id], seg_it->field, b, at.orig_begin_of[b], at.orig_end_of[e - 1]});
  return 0;
}

}  // namespace

void batch_scanner::impl::run_token_db(thread_scratch& ts, size_t nslots) const {
  ts.stream.clear();
  ts.segments.clear();
  ts.token_stream_end.clear();
  ts.segment_token_base.clear();
  for (uint32_t i = 0; i < nslots; ++i) {
    if (!ts.slots[i].valid) continue;
    for (uint8_t f = 0; f < detail::field_count; ++f) {
      const text::analyzed_text& at = ts.slots[i].fields[f];
      if (at.tokens.empty()) continue;
      ts.segments.push_back({static_cast<uint32_t>(ts.stream.size()), i, f});
      ts.segment_token_base.push_back(static_cast<uint32_t>(ts.token_stream_end.size()));
      for (const text::token& tok : at.tokens) {
        ts.stream.push_back('\x01');
        ts.stream.append(at.key(tok));
        ts.token_stream_end.push_back(static_cast<uint32_t>(ts.stream.size()));
      }
      ts.stream.push_back('\x01');
    }
  }
  ts.segment_token_base.push_back(static_cast<uint32_t>(ts.token_stream_end.size()));
  if (ts.stream.empty()) return;
  std::pair<thread_scratch*, const ruleset_snapshot*> ctx{&ts, snap.get()};
  hs_scan(snap->token_db.get(), ts.stream.data(), static_cast<unsigned>(ts.stream.size()), 0, ts.hs.get(),
          on_token_match, &ctx);
}

void batch_scanner::impl::run_text_db(thread_scratch& ts, size_t nslots) const {
  ts.stream.clear();
  ts.segments.clear();
  for (uint32_t i = 0; i < nslots; ++i) {
    if (!ts.slots[i].valid) continue;
    for (uint8_t f = 0; f < detail::field_count; ++f) {
      const text::analyzed_text& at = ts.slots[i].fields[f];
      if (at.folded.empty()) continue;
      ts.segments.push_back({static_cast<uint32_t>(ts.stream.size()), i, f});
      ts.stream.append(at.folded);
    }
  }
  if (ts.stream.empty()) return;
  std::pair<thread_scratch*, const ruleset_snapshot*> ctx{&ts, snap.get()};
  hs_scan(snap->text_db.get(), ts.stream.data(), static_cast<unsigned>(ts.stream.size()), 0, ts.hs.get(),
          on_text_match, &ctx);
}

void batch_scanner::impl::evaluate(thread_scratch& ts, const post& p, post_slot& slot, uint32_t post_index,
                                   scan_output& out) const {
  const ruleset_snapshot& s = *snap;
  auto& hits = slot.hits;
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  const uint32_t stamp = ts.next_stamp();
  ts.candidates.clear();
  auto add_candidate = [&](uint32_t t) {
    if (ts.topic_stamp[t] != stamp) {
      ts.topic_stamp[t] = stamp;
      ts.topic_fired[t] = 0;
    }
    if (!(ts.topic_fired[t] & 0x80)) {
      ts.topic_fired[t] |= 0x80;
      ts.candidates.push_back(t);
    }
  };
  auto fire = [&](uint32_t entry) {
    const uint32_t t = entry >> 1;
    if (ts.topic_stamp[t] != stamp) {
      ts.topic_stamp[t] = stamp;
      ts.topic_fired[t] = 0;
    }
    uint8_t& fired = ts.topic_fired[t];
    fired |= static_cast<uint8_t>(1u << (entry & 1));
    if (!(fired & 0x80) && (fired & s.topic_clause_mask[t]) == s.topic_clause_mask[t]) {
      fired |= 0x80;
      ts.candidates.push_back(t);
    }
  };
  for (uint32_t i = 0; i < hits.size();) {
    const uint32_t a = hits[i].atom;
    uint32_t j = i + 1;
    while (j < hits.size() && hits[j].atom == a) ++j;
    ts.atom_stamp[a] = stamp;
    ts.atom_begin[a] = i;
    ts.atom_end[a] = j;
    for (uint32_t k = s.atom_trigger_begin[a]; k < s.atom_trigger_begin[a + 1]; ++k) fire(s.trigger_topics[k]);
    i = j;
  }
  if (s.meta_fields_used != 0)
    detail::build_post_meta(p, slot.fields[0].folded, slot.fields[1].folded, s.meta_fields_used, slot.meta);
  if (s.meta_trigger_fields != 0 && !s.meta_index.empty()) {
    using query::filter_field;
    auto probe = [&](filter_field f, std::string_view value) {
      if (value.empty() || !(s.meta_trigger_fields & (1u << static_cast<unsigned>(f)))) return;
      std::string& key = ts.meta_key_buf;
      key.assign(query::to_string(f));
      key.push_back('\x1f');
      key.append(value);
      if (auto it = s.meta_index.find(key); it != s.meta_index.end())
        for (uint32_t k = 0; k < it->second.count; ++k) fire(s.postings[it->second.begin + k]);
    };
    const detail::post_meta& m = slot.meta;
    probe(filter_field::lang, m.lang);
    probe(filter_field::source, m.source);
    probe(filter_field::type, m.type);
    probe(filter_field::channel, m.channel);
    probe(filter_field::place, m.place);
    probe(filter_field::author, m.author_id);
    probe(filter_field::author, m.author_handle);
    probe(filter_field::country, m.country);
    probe(filter_field::city, m.city);
    probe(filter_field::gender, m.gender);
    for (std::string_view h = m.host; !h.empty();) {
      probe(filter_field::site, h);
      size_t dot = h.find('.');
      if (dot == std::string_view::npos) break;
      h = h.substr(dot + 1);
    }
    if (m.has_image) probe(filter_field::has_image, "1");
    if (m.has_link) probe(filter_field::has_link, "1");
    if (m.is_reply) probe(filter_field::is_reply, "1");
    if (m.is_repost) probe(filter_field::is_repost, "1");
  }
  for (uint32_t t : s.always_topics) add_candidate(t);
  if (ts.candidates.empty()) return;
  std::sort(ts.candidates.begin(), ts.candidates.end());
  out.topics_evaluated += ts.candidates.size();
  // With many topics their programs are cold: ask for every candidate's
  // topic record and root node at once so the misses overlap.
  for (uint32_t t : ts.candidates) __builtin_prefetch(&s.topics[t]);
  for (uint32_t t : ts.candidates)
    if (s.topics[t].root != no_node) __builtin_prefetch(&s.nodes[s.topics[t].root]);

  // Topic programs read only the atoms of topic queries, all found already.
  detail::program_evaluator::hit_view first_view{hits, ts.atom_begin.data(), ts.atom_end.data(),
                                                 ts.atom_stamp.data(), stamp};
  ts.pending.clear();
  for (uint32_t t : ts.candidates) {
    const size_t before = out.highlights.size();
    if (ts.evaluator.evaluate_topic(s, s.topics[t], first_view, slot.meta, out.highlights))
      ts.pending.push_back({t, static_cast<uint32_t>(before), static_cast<uint32_t>(out.highlights.size() - before)});
    else
      out.highlights.resize(before);
  }
  if (ts.pending.empty()) return;

  uint32_t view_stamp = stamp;
  if (s.has_condition_only_atoms) {
    // The post is a mention: add the hits of atoms only tags, rules and the
    // sentiment lexicon use, and rebuild the per-atom ranges.
    collect_term_hits(ts, p, slot, /*condition_only=*/true);
    std::sort(hits.begin(), hits.end());
    hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
    view_stamp = ts.next_stamp();
    for (uint32_t i = 0; i < hits.size();) {
      uint32_t j = i + 1;
      while (j < hits.size() && hits[j].atom == hits[i].atom) ++j;
      ts.atom_stamp[hits[i].atom] = view_stamp;
      ts.atom_begin[hits[i].atom] = i;
      ts.atom_end[hits[i].atom] = j;
      i = j;
    }
  }
  detail::program_evaluator::hit_view view{hits, ts.atom_begin.data(), ts.atom_end.data(), ts.atom_stamp.data(),
                                           view_stamp};
  ts.mood_cache.clear();
  mention_outcome o;
  for (const auto& pm : ts.pending) {
    build_mention(ts, p, s.topics[pm.topic], view, slot.meta, o);
    if (o.dropped) {
      ++out.dropped;
      continue;
    }
    scan_output::match m{post_index, pm.topic, pm.hl_begin, pm.hl_count};
    m.tag_begin = static_cast<uint32_t>(out.tags.size());
    out.tags.insert(out.tags.end(), ts.mention_tags.begin(), ts.mention_tags.end());
    m.tag_count = static_cast<uint32_t>(ts.mention_tags.size());
    m.sentiment = o.mood;
    m.sentiment_rule = o.sentiment_rule;
    m.priority = o.priority;
    m.priority_from_rule = o.priority_from_rule;
    m.processed = o.processed;
    m.wom = o.wom;
    m.own = o.own;
    out.matches.push_back(m);
  }
}

void batch_scanner::impl::scan_chunk(std::span<const post> posts, uint32_t base, scan_output& out) const {
  thread_scratch& ts = local();
  if (ts.slots.size() < posts.size()) ts.slots.resize(posts.size());
  const bool byte_map = snap->needs_byte_map;
  for (uint32_t i = 0; i < posts.size(); ++i) {
    post_slot& slot = ts.slots[i];
    slot.hits.clear();
    slot.valid = false;
    // Limits first; UTF-8 is checked by the analyzer as it decodes.
    status st = posts[i].id.empty() ? invalid_argument("post has no id") : ok_status();
    const std::string* texts[detail::field_count] = {&posts[i].title, &posts[i].text, &posts[i].image_text};
    static constexpr const char* names[detail::field_count] = {"title", "text", "image_text"};
    for (int f = 0; f < detail::field_count && st.ok(); ++f) {
      if (texts[f]->size() > options.limits.max_field_bytes) {
        st = out_of_range("field '" + std::string(names[f]) + "' has " + std::to_string(texts[f]->size()) +
                          " bytes, more than the limit of " + std::to_string(options.limits.max_field_bytes));
        break;
      }
      status a = ts.analyzer.analyze(*texts[f], slot.fields[f], byte_map);
      if (!a.ok()) st = invalid_argument("field '" + std::string(names[f]) + "' has " + a.message());
    }
    if (!st.ok()) {
      out.rejected.push_back({base + i, std::move(st)});
      for (auto& f : slot.fields) f.clear();
      continue;
    }
    slot.valid = true;
    collect_term_hits(ts, posts[i], slot);
  }
  if (snap->token_db) run_token_db(ts, posts.size());
  if (snap->text_db) run_text_db(ts, posts.size());
  for (uint32_t i = 0; i < posts.size(); ++i)
    if (ts.slots[i].valid) evaluate(ts, posts[i], ts.slots[i], base + i, out);
}

batch_scanner::batch_scanner(std::shared_ptr<const ruleset_snapshot> snapshot, scan_options options)
    : impl_(std::make_unique<impl>(std::move(snapshot), options)) {}
batch_scanner::~batch_scanner() = default;
batch_scanner::batch_scanner(batch_scanner&&) noexcept = default;
batch_scanner& batch_scanner::operator=(batch_scanner&&) noexcept = default;

const std::shared_ptr<const ruleset_snapshot>& batch_scanner::snapshot() const { return impl_->snap; }

void batch_scanner::scan_serial(std::span<const post> posts, scan_output& out) const {
  out.clear();
  const size_t chunk = std::max<size_t>(1, impl_->options.chunk_size);
  for (size_t b = 0; b < posts.size(); b += chunk) {
    const size_t e = std::min(posts.size(), b + chunk);
    impl_->scan_chunk(posts.subspan(b, e - b), static_cast<uint32_t>(b), out);
  }
}

void batch_scanner::scan(std::span<const post> posts, scan_output& out) const {
  out.clear();
  const size_t chunk = std::max<size_t>(1, impl_->options.chunk_size);
  const size_t nchunks = (posts.size() + chunk - 1) / chunk;
  if (nchunks <= 1) {
    scan_serial(posts, out);
    return;
  }
  std::vector<scan_output> parts(nchunks);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nchunks, 1), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) {
      const size_t b = c * chunk, e = std::min(posts.size(), b + chunk);
      impl_->scan_chunk(posts.subspan(b, e - b), static_cast<uint32_t>(b), parts[c]);
    }
  });
  for (auto& part : parts) {
    const auto offset = static_cast<uint32_t>(out.highlights.size());
    const auto tag_offset = static_cast<uint32_t>(out.tags.size());
    for (auto m : part.matches) {
      m.hl_begin += offset;
      m.tag_begin += tag_offset;
      out.matches.push_back(m);
    }
    out.highlights.insert(out.highlights.end(), part.highlights.begin(), part.highlights.end());
    out.tags.insert(out.tags.end(), part.tags.begin(), part.tags.end());
    for (auto& r : part.rejected) out.rejected.push_back(std::move(r));
    out.topics_evaluated += part.topics_evaluated;
  }
}

}  // namespace sito

namespace sito {
namespace {

const char* field_name(uint8_t f) { return f == 0 ? "title" : f == 1 ? "text" : "image"; }

const char* atom_kind_name(atom_kind k) {
  switch (k) {
    case atom_kind::word: return "word";
    case atom_kind::exact: return "exact";
    case atom_kind::case_sensitive: return "case";
    case atom_kind::tag: return "tag";
    case atom_kind::wildcard: return "wildcard";
    case atom_kind::contains: return "contains";
  }
  return "?";
}

std::string describe_node(const ruleset_snapshot& s, const program_node& n) {
  auto fields = [&] {
    if (n.fields == field_default) return std::string();
    std::string f = " in";
    for (uint8_t b = 0; b < detail::field_count; ++b)
      if (n.fields & detail::field_bit(b)) f += std::string(" ") + field_name(b);
    return f;
  };
  switch (n.kind) {
    case op::leaf: {
      const atom& a = s.atoms[n.atom];
      std::string text = a.kind == atom_kind::wildcard ? a.text : text::unfold(a.text);
      return std::string(atom_kind_name(a.kind)) + " '" + text + "'" + fields();
    }
    case op::seq: return "sequence " + std::string(s.label(n.label)) + fields();
    case op::prox_phrase: return "proximity " + std::string(s.label(n.label)) + fields();
    case op::near: return std::string(n.ordered ? "ONEAR/" : "NEAR/") + std::to_string(n.distance);
    case op::and_: return "AND";
    case op::or_: return "OR";
    case op::not_: return "NOT";
    case op::filter: {
      const auto& f = s.filters[n.filter];
      if (f.field == query::filter_field::followers)
        return "filter followers in [" + std::to_string(f.lo) + ", " + std::to_string(f.hi) + "]";
      return std::string("filter ") + query::to_string(f.field) + ":" + f.value;
    }
    case op::contains: return "contains '" + text::unfold(s.atoms[n.atom].text) + "'" + fields();
  }
  return "?";
}

}  // namespace

result<std::string> batch_scanner::explain(const post& p, uint32_t topic) const {
  const ruleset_snapshot& s = *impl_->snap;
  if (topic >= s.topics.size()) return out_of_range("no topic with index " + std::to_string(topic));
  SITO_RETURN_IF_ERROR(validate_post(p, impl_->options.limits));
  thread_scratch& ts = impl_->local();
  if (ts.slots.empty()) ts.slots.resize(1);
  post_slot& slot = ts.slots[0];
  slot.hits.clear();
  const std::string* texts[detail::field_count] = {&p.title, &p.text, &p.image_text};
  for (int f = 0; f < detail::field_count; ++f) (void)ts.analyzer.analyze(*texts[f], slot.fields[f], s.needs_byte_map);
  slot.valid = true;
  impl_->collect_term_hits(ts, p, slot);
  if (s.has_condition_only_atoms) impl_->collect_term_hits(ts, p, slot, /*condition_only=*/true);
  if (s.token_db) impl_->run_token_db(ts, 1);
  if (s.text_db) impl_->run_text_db(ts, 1);
  std::sort(slot.hits.begin(), slot.hits.end());
  slot.hits.erase(std::unique(slot.hits.begin(), slot.hits.end()), slot.hits.end());

  const compiled_topic& t = s.topics[topic];
  std::string out = "topic " + t.tenant + "/" + t.id + "\n  query: " + t.query + "\n";
  if (!t.channels.empty()) {
    out += "  channels:";
    for (const auto& c : t.channels) out += " " + c;
    out += "  (post channel: " + (p.channel.empty() ? std::string("none") : p.channel) + ")\n";
  }
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
  out += "hits:\n";
  bool any_hit = false;
  for (const detail::hit& h : slot.hits) {
    if (!used[h.atom]) continue;
    any_hit = true;
    const std::string& field_text = *texts[h.field];
    out += "  " + std::string(atom_kind_name(s.atoms[h.atom].kind)) + " '" +
           (s.atoms[h.atom].kind == atom_kind::wildcard ? s.atoms[h.atom].text : text::unfold(s.atoms[h.atom].text)) +
           "' in " + field_name(h.field) + " bytes [" + std::to_string(h.orig_begin) + ", " +
           std::to_string(h.orig_end) + "): \"" + field_text.substr(h.orig_begin, h.orig_end - h.orig_begin) + "\"\n";
  }
  if (!any_hit) out += "  (none)\n";

  // Evaluate with a trace, building metadata the way the scanner does.
  (void)ts.next_stamp();
  for (uint32_t i = 0; i < slot.hits.size();) {
    uint32_t j = i + 1;
    while (j < slot.hits.size() && slot.hits[j].atom == slot.hits[i].atom) ++j;
    ts.atom_stamp[slot.hits[i].atom] = ts.stamp;
    ts.atom_begin[slot.hits[i].atom] = i;
    ts.atom_end[slot.hits[i].atom] = j;
    i = j;
  }
  detail::build_post_meta(p, slot.fields[0].folded, slot.fields[1].folded, ~0u, slot.meta);
  detail::program_evaluator::hit_view view{slot.hits, ts.atom_begin.data(), ts.atom_end.data(),
                                           ts.atom_stamp.data(), ts.stamp};
  std::vector<detail::node_trace> trace;
  std::vector<highlight> hls;
  const bool matched = ts.evaluator.evaluate_topic(s, t, view, slot.meta, hls, &trace);
  out += "evaluation:\n";
  for (const auto& tr : trace) {
    out += std::string(2 + 2 * tr.depth, ' ') + (tr.truth ? "[true]  " : "[false] ") +
           describe_node(s, s.nodes[tr.node]);
    if (s.nodes[tr.node].positional) out += "  (" + std::to_string(tr.spans) + " spans)";
    out += "\n";
  }
  out += matched ? "result: MATCH\n" : "result: no match\n";
  if (matched) {
    // Tags, rules and models run only for mentions: add the atoms they use.
    ts.mood_cache.clear();
    mention_outcome o;
    impl_->build_mention(ts, p, t, view, slot.meta, o, &out);
    if (o.dropped) {
      out += "mention: DROPPED by a rule\n";
    } else {
      out += "mention: sentiment " + std::string(rules::to_string(o.mood)) +
             (o.sentiment_rule == scan_output::no_label ? " (model)" : " (" + std::string(s.label(o.sentiment_rule)) + ")") +
             ", priority " + std::to_string(static_cast<int>(o.priority + 0.5f)) +
             (o.priority_from_rule ? " (rule)" : " (formula)") + (o.processed ? ", processed" : "") + "\n";
      out += "  tags:";
      for (uint32_t tag : ts.mention_tags) out += " " + std::string(s.label(tag));
      out += ts.mention_tags.empty() ? " (none)\n" : "\n";
    }
  }
  for (const highlight& h : hls) {
    const std::string& field_text = *texts[static_cast<int>(h.field) - 1];
    out += "  highlight " + std::string(query::to_string(h.field)) + " [" + std::to_string(h.begin) + ", " +
           std::to_string(h.end) + ") " + std::string(s.label(h.label)) + ": \"" +
           field_text.substr(h.begin, h.end - h.begin) + "\"\n";
  }
  return out;
}

}  // namespace sito
