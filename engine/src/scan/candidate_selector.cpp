#include "scan/candidate_selector.hpp"

#include <algorithm>

#include "scan/term_matcher.hpp"

namespace sito::detail {

namespace {

/// Groups hits[from, end) under `stamp` (see group_hits) and adds their
/// atoms to ts.hit_atoms. Returns false, having changed nothing but that
/// filter, when one of their atoms already has a range at `stamp`.
bool group_range(thread_scratch& ts, const std::vector<hit>& hits, size_t from, uint32_t stamp) {
  atom_hits* state = ts.atom_state.data();
  auto& distinct = ts.distinct_atoms;
  const size_t first_new = distinct.size();
  // Pass 1: the first hit and the count of each atom (in `end` for now).
  for (size_t i = from; i < hits.size(); ++i) {
    atom_hits& st = state[hits[i].atom];
    if (st.stamp != stamp) {
      st.stamp = stamp;
      st.begin = static_cast<uint32_t>(i);
      st.end = 0;
      distinct.push_back(hits[i].atom);
      ts.hit_atoms.add(hits[i].atom);
    } else if ((st.begin & atom_hits::in_grouped) || st.begin < from) {  // ranged by an earlier call
      for (size_t k = first_new; k < distinct.size(); ++k) state[distinct[k]].stamp = 0;
      distinct.resize(first_new);
      return false;
    }
    ++st.end;
  }
  // Pass 2: an atom that hit once keeps its place; the others get a range
  // of the grouped copy.
  auto& grouped = ts.grouped_hits;
  size_t offset = ts.grouped_used;
  for (size_t k = first_new; k < distinct.size(); ++k) {
    atom_hits& st = state[distinct[k]];
    if (st.end == 1) {
      st.end = st.begin + 1;
    } else {
      const uint32_t count = st.end;
      st.begin = st.end = static_cast<uint32_t>(offset) | atom_hits::in_grouped;
      offset += count;
    }
  }
  // Pass 3: gather those, in order. The buffer only grows: sized once, never
  // value-initialized per post.
  if (offset != ts.grouped_used) {
    if (grouped.size() < offset) grouped.resize(std::max(offset, 2 * grouped.size()));
    ts.grouped_used = offset;
    hit* out = grouped.data();
    const hit* h = hits.data();
    for (size_t i = from, n = hits.size(); i < n; ++i) {
      atom_hits& st = state[h[i].atom];
      if (st.begin & atom_hits::in_grouped) out[st.end++ & ~atom_hits::in_grouped] = h[i];
    }
  }
  return true;
}

/// group_hits, adding to ts.hit_atoms as it is (the post's atoms already,
/// in select_candidates).
uint32_t group_all(thread_scratch& ts, const std::vector<hit>& hits) {
  const uint32_t stamp = ts.next_stamp();
  ts.distinct_atoms.clear();
  ts.grouped_used = 0;
  (void)group_range(ts, hits, 0, stamp);  // a fresh stamp: nothing is ranged yet
  return stamp;
}

}  // namespace

uint32_t group_hits(thread_scratch& ts, const std::vector<hit>& hits) {
  ts.hit_atoms.clear();
  return group_all(ts, hits);
}

uint32_t group_more_hits(thread_scratch& ts, const std::vector<hit>& hits, size_t from, uint32_t stamp) {
  if (group_range(ts, hits, from, stamp)) return stamp;
  return group_hits(ts, hits);
}

namespace {

/// Looks the post's metadata up in meta_index, for the fields in `fields`
/// (built already): the keys it carries go to ts.meta_present, the topics
/// they index to ts.meta_triggers.
void probe_meta(const ruleset_snapshot& s, thread_scratch& ts, const post_meta& m, uint32_t fields) {
  using query::filter_field;
  auto probe = [&](filter_field f, std::string_view value) {
    if (value.empty() || !(fields & (1u << static_cast<unsigned>(f)))) return;
    const ruleset_snapshot::meta_map& index = s.meta_index_of(f);
    if (auto it = index.find(value); it != index.end()) {
      ts.meta_present.push_back(it->second.id);
      if (it->second.topics.count != 0) ts.meta_triggers.push_back(it->second.topics);
    }
  };
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
    const size_t dot = h.find('.');
    if (dot == std::string_view::npos) break;
    h = h.substr(dot + 1);
  }
  if (m.has_image) probe(filter_field::has_image, "1");
  if (m.has_link) probe(filter_field::has_link, "1");
  if (m.is_reply) probe(filter_field::is_reply, "1");
  if (m.is_repost) probe(filter_field::is_repost, "1");
}

}  // namespace

uint32_t select_candidates(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot) {
  ts.candidates.clear();
  ts.meta_present.clear();
  ts.meta_triggers.clear();
  ts.distinct_atoms.clear();

  // The metadata that indexes topics first: with the trigger hits, it says
  // whether anything fires.
  const std::string_view title = slot.fields[0].folded, text = slot.fields[1].folded;
  const uint32_t index_fields = s.meta_index_fields;
  if (index_fields != 0) {
    build_post_meta(p, title, text, index_fields, slot.meta);
    probe_meta(s, ts, slot.meta, index_fields);
  }
  // Nothing fires: no candidates, and neither the rest of the metadata nor
  // the hits nor their grouping is needed (most posts with few topics, whose
  // triggers are their rarest clauses).
  if (!slot.trigger_hits && ts.meta_triggers.empty() && s.always_topics.empty()) return 0;
  if (const uint32_t rest = s.meta_fields_used & ~index_fields; rest != 0)
    build_post_meta(p, title, text, rest, slot.meta);
  if (const uint32_t rest = s.meta_trigger_fields & ~index_fields; rest != 0)
    probe_meta(s, ts, slot.meta, rest);

  // The post's query atoms, as a filter, and its trigger atoms, straight
  // from the matched tokens' cached entries (and the contains: hits, the
  // only hits written so far): a post has few triggers among many atoms
  // (4 of 84 at 10k topics), and most of the posts where one fires have no
  // candidate once the second clauses are checked, so hits are written and
  // grouped only for posts that have one.
  ts.hit_atoms.clear();
  auto& triggers = ts.trigger_atoms;
  triggers.clear();
  for (const hit& h : slot.hits) {
    ts.hit_atoms.add(h.atom);
    if (s.is_trigger(h.atom)) triggers.push_back(h.atom);
  }
  // The matched tokens' atoms, also flattened into ts.post_atoms, from which
  // the hits are written below (one tight loop instead of one per token).
  const token_cache& cache = *ts.cache;
  size_t n = 0;
  for (const auto& m : slot.matched) n += m.entry.first;
  if (ts.post_atoms.size() < n) ts.post_atoms.resize(std::max(n, 2 * ts.post_atoms.size()));
  ts.post_atoms_used = n;
  thread_scratch::token_atom* flat = ts.post_atoms.data();
  for (uint32_t i = 0; i < slot.matched.size(); ++i)
    for (const uint32_t id : cache.group(slot.matched[i].entry, 0)) {
      *flat++ = {id, i};
      const uint32_t a = id & token_cache::atom_mask;
      ts.hit_atoms.add(a);
      if (id & token_cache::is_trigger) triggers.push_back(a);
    }
  for (const uint32_t a : triggers) __builtin_prefetch(&s.atom_trigger_begin[a]);

  // The second clause of topic t holds when any of its checks may be on the
  // post: the filter can say yes for an atom that did not hit (or whose
  // {Case} check fails), which only adds a candidate that its program then
  // rejects.
  const uint32_t stamp = ts.next_stamp();
  auto second_clause_holds = [&](uint32_t t) {
    const uint32_t b = s.topic_check_begin[t], e = s.topic_check_begin[t + 1];
    if (b == e) return true;
    for (uint32_t k = b; k < e; ++k) {
      const uint32_t c = s.check_triggers[k];
      if (c & ruleset_snapshot::check_meta_bit) {
        const uint32_t id = c & ~ruleset_snapshot::check_meta_bit;
        if (std::find(ts.meta_present.begin(), ts.meta_present.end(), id) != ts.meta_present.end()) return true;
      } else if (ts.hit_atoms.may_contain(c)) {
        return true;
      }
    }
    return false;
  };
  auto fire = [&](uint32_t t) {
    if (ts.topic_stamp[t] == stamp) return;  // decided already for this post
    ts.topic_stamp[t] = stamp;
    if (second_clause_holds(t)) ts.candidates.push_back(t);
  };
  for (const uint32_t a : triggers)
    for (uint32_t k = s.atom_trigger_begin[a]; k < s.atom_trigger_begin[a + 1]; ++k) fire(s.trigger_topics[k]);
  for (const posting_range& r : ts.meta_triggers)
    for (uint32_t k = 0; k < r.count; ++k) fire(s.postings[r.begin + k]);
  for (uint32_t t : s.always_topics) fire(t);
  if (ts.candidates.empty()) return 0;
  std::sort(ts.candidates.begin(), ts.candidates.end());

  // The hits, written only now (term_matcher.hpp), and only those the
  // post's consumers read: the atoms of the candidates' programs, tags and
  // rules (a filter of them, L1-resident), and the sentiment lexicon's.
  // Of about 80 distinct atoms per post at 10k topics, a few remain to be
  // grouped, each a cold record. With many topics the atom lists are cold
  // too: asked for at once, the misses overlap.
  for (const uint32_t t : ts.candidates) __builtin_prefetch(&s.topic_atom_begin[t]);
  for (const uint32_t t : ts.candidates) __builtin_prefetch(s.topic_atoms.data() + s.topic_atom_begin[t]);
  atom_filter& wanted = ts.wanted_atoms;
  wanted.clear();
  for (const uint32_t t : ts.candidates)
    for (uint32_t k = s.topic_atom_begin[t]; k < s.topic_atom_begin[t + 1]; ++k) wanted.add(s.topic_atoms[k]);
  add_query_hits(s, p, slot, std::span(ts.post_atoms.data(), ts.post_atoms_used), wanted);
  for (const hit& h : slot.hits) __builtin_prefetch(&ts.atom_state[h.atom]);
  return group_all(ts, slot.hits);
}

}  // namespace sito::detail
