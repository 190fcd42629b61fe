#include "scan/candidate_selector.hpp"

#include <algorithm>

namespace sito::detail {

uint32_t group_hits(thread_scratch& ts, std::vector<hit>& hits) {
  const uint32_t stamp = ts.next_stamp();
  auto& distinct = ts.distinct_atoms;
  distinct.clear();
  auto* state = ts.atom_state.data();
  for (const hit& h : hits) {
    auto& st = state[h.atom];
    if (st.stamp != stamp) {
      st.stamp = stamp;
      st.begin = 0;
      distinct.push_back(h.atom);
    }
    ++st.begin;  // a count for now
  }
  uint32_t offset = 0;
  for (const uint32_t a : distinct) {
    const uint32_t count = state[a].begin;
    state[a].begin = state[a].end = offset;
    offset += count;
  }
  auto& grouped = ts.grouped_hits;
  grouped.resize(hits.size());
  for (const hit& h : hits) grouped[state[h.atom].end++] = h;
  hits.swap(grouped);
  return stamp;
}

uint32_t select_candidates(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot) {
  const uint32_t stamp = group_hits(ts, slot.hits);
  const auto& hits = slot.hits;
  ts.candidates.clear();
  ts.meta_present.clear();
  ts.meta_triggers.clear();

  if (s.meta_fields_used != 0)
    build_post_meta(p, slot.fields[0].folded, slot.fields[1].folded, s.meta_fields_used, slot.meta);
  if (s.meta_trigger_fields != 0 && !s.meta_index.empty()) {
    using query::filter_field;
    auto probe = [&](filter_field f, std::string_view value) {
      if (value.empty() || !(s.meta_trigger_fields & (1u << static_cast<unsigned>(f)))) return;
      std::string& key = ts.meta_key_buf;
      key.assign(query::to_string(f));
      key.push_back('\x1f');
      key.append(value);
      if (auto it = s.meta_index.find(key); it != s.meta_index.end()) {
        ts.meta_present.push_back(it->second.id);
        if (it->second.topics.count != 0) ts.meta_triggers.push_back(it->second.topics);
      }
    };
    const post_meta& m = slot.meta;
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

  // The second clause of topic t holds when any of its checks is on the post.
  auto second_clause_holds = [&](uint32_t t) {
    const uint32_t b = s.topic_check_begin[t], e = s.topic_check_begin[t + 1];
    if (b == e) return true;
    for (uint32_t k = b; k < e; ++k) {
      const uint32_t c = s.check_triggers[k];
      if (c & ruleset_snapshot::check_meta_bit) {
        const uint32_t id = c & ~ruleset_snapshot::check_meta_bit;
        if (std::find(ts.meta_present.begin(), ts.meta_present.end(), id) != ts.meta_present.end()) return true;
      } else if (ts.atom_state[c].stamp == stamp) {
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
  for (uint32_t i = 0; i < hits.size();) {
    const uint32_t a = hits[i].atom;
    for (uint32_t k = s.atom_trigger_begin[a]; k < s.atom_trigger_begin[a + 1]; ++k) fire(s.trigger_topics[k]);
    i = ts.atom_state[a].end;
  }
  for (const posting_range& r : ts.meta_triggers)
    for (uint32_t k = 0; k < r.count; ++k) fire(s.postings[r.begin + k]);
  for (uint32_t t : s.always_topics) fire(t);
  std::sort(ts.candidates.begin(), ts.candidates.end());
  return stamp;
}

}  // namespace sito::detail
