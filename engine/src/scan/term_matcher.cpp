#include "scan/term_matcher.hpp"

#include <algorithm>

#include "sito/morph/script.hpp"
#include "sito/text/fold.hpp"

namespace sito::detail {
namespace {

void append_postings(const ruleset_snapshot& s, const posting_range& r, std::vector<uint32_t>& list) {
  list.insert(list.end(), s.postings.begin() + r.begin, s.postings.begin() + r.begin + r.count);
}

int on_wildcard(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
  auto* c = static_cast<std::pair<const ruleset_snapshot*, std::vector<uint32_t>*>*>(ctx);
  c->second->push_back(c->first->token_db_atoms[id]);
  return 0;
}

/// Appends the hits of `atoms` (cache ids) for token `tok` of field `f`.
void add_hits(const ruleset_snapshot& s, const post& p, uint8_t f, const text::token& tok, bool is_tag,
              std::span<const uint32_t> atoms, std::vector<hit>& hits) {
  for (const uint32_t id : atoms) {
    const uint32_t a = id & token_cache::atom_mask;
    if (id & token_cache::needs_case_check) {
      const std::string_view original =
          std::string_view(field_text(p, f)).substr(tok.orig_begin, tok.orig_end - tok.orig_begin);
      if (text::normalize_keep_case(original) != s.atoms[a].case_text) continue;
    }
    if (is_tag)
      hits.push_back({a, f, tok.position, tok.tag_orig_begin, tok.tag_orig_end});
    else
      hits.push_back({a, f, tok.position, tok.orig_begin, tok.orig_end});
  }
}

/// A key the cache does not hold yet: resolved through the index and cached.
/// `is_tag`: the key is a whole #tag/@mention, which only tag atoms match.
[[gnu::noinline]] token_cache::entry resolve_term(const ruleset_snapshot& s, thread_scratch& ts, std::string_view key,
                                                 uint64_t hash, bool is_tag) {
  auto& list = ts.lookup_tmp;
  list.clear();
  if (auto it = s.exact_index.find(key); it != s.exact_index.end()) append_postings(s, it->second, list);
  if (is_tag) {
    // A whole-tag key only satisfies tag atoms (the index keys them by "#tag").
    std::erase_if(list, [&](uint32_t a) { return s.atoms[a].kind != atom_kind::tag; });
  } else {
    if (s.needs_stemming) {
      const std::string utf8 = text::unfold(key);
      if (morph::stemmer::has_stemmer(morph::classify(utf8))) {
        if (ts.stemmer.stem(utf8, ts.stem_buf))
          if (auto it = s.stem_index.find(ts.stem_buf); it != s.stem_index.end()) append_postings(s, it->second, list);
        if (!s.entry_index.empty() && s.morphology && s.morphology->dict())
          for (uint32_t e : s.morphology->dict()->entries_of(utf8))
            if (auto it = s.entry_index.find(e); it != s.entry_index.end()) append_postings(s, it->second, list);
      }
    }
    if (s.token_db) {
      // The wildcards this token satisfies: patterns are anchored at token
      // boundaries ("\x01...\x01"), so they depend on the token alone.
      std::string& buf = ts.wildcard_buf;
      buf.assign(1, '\x01');
      buf.append(key);
      buf.push_back('\x01');
      std::pair<const ruleset_snapshot*, std::vector<uint32_t>*> ctx{&s, &list};
      hs_scan(s.token_db.get(), buf.data(), static_cast<unsigned>(buf.size()), 0, ts.hs.get(), on_wildcard, &ctx);
    }
  }
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  // Atoms of topic queries first, then those only conditions use.
  uint32_t first = static_cast<uint32_t>(list.size());
  if (s.has_condition_only_atoms) {
    auto mid = std::stable_partition(list.begin(), list.end(), [&](uint32_t a) { return !s.condition_only_atom[a]; });
    first = static_cast<uint32_t>(mid - list.begin());
  }
  bool triggers = false;
  for (uint32_t k = 0; k < first; ++k) {
    const uint32_t a = list[k];
    if (s.is_trigger(a)) {
      triggers = true;
      list[k] |= token_cache::is_trigger;
    }
    if (s.has_sentiment(a)) list[k] |= token_cache::has_sentiment;
  }
  for (uint32_t& a : list)
    if (s.atoms[a & token_cache::atom_mask].kind == atom_kind::case_sensitive) a |= token_cache::needs_case_check;
  return ts.cache->insert(key, hash, list, first, triggers);
}

/// The cached entry of a key: one inline probe for a recurring token.
inline token_cache::entry term_entry(const ruleset_snapshot& s, thread_scratch& ts, std::string_view key,
                                     uint64_t hash, bool is_tag, const char* readable_end) {
  const token_cache::entry* cached = ts.cache->find(key, hash, readable_end);
  return cached ? *cached : resolve_term(s, ts, key, hash, is_tag);
}

}  // namespace

/// How many tokens ahead the term pass asks for cache slots (their misses
/// overlap with the lookups in between).
constexpr uint32_t prefetch_distance = 8;

void collect_query_hits(const ruleset_snapshot& s, thread_scratch& ts, post_slot& slot) {
  slot.matched.clear();
  bool triggers = false, conditions = false;
  token_cache& cache = *ts.cache;
  auto take = [&](uint8_t f, bool is_tag, uint32_t k, const token_cache::entry& e) {
    triggers |= e.triggers;
    conditions |= e.count != e.first;
    slot.matched.push_back({f, is_tag, k, e});
    cache.prefetch_atoms(e);
  };
  for (uint8_t f = 0; f < field_count; ++f) {
    const text::analyzed_text& at = slot.fields[f];
    const char* folded = at.folded.data();
    const char* folded_end = folded + at.folded.size();
    const auto ntok = static_cast<uint32_t>(at.tokens.size());
    for (uint32_t k = 0; k < std::min(ntok, prefetch_distance); ++k) cache.prefetch(at.tokens[k].hash);
    for (uint32_t k = 0; k < ntok; ++k) {
      if (k + prefetch_distance < ntok) cache.prefetch(at.tokens[k + prefetch_distance].hash);
      const text::token& tok = at.tokens[k];
      const std::string_view key(folded + tok.fold_begin, tok.fold_end - tok.fold_begin);
      const token_cache::entry e = term_entry(s, ts, key, tok.hash, false, folded_end);
      if (e.count != 0) take(f, false, k, e);
      if (tok.has_tag) {
        const token_cache::entry te = term_entry(s, ts, at.tag_key(tok), tok.tag_hash, true, folded_end);
        if (te.count != 0) take(f, true, k, te);
      }
    }
  }
  slot.trigger_hits = triggers;
  slot.condition_tokens = conditions;
}

void add_query_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot) {
  for (const auto& m : slot.matched)
    if (m.entry.first != 0)
      add_hits(s, p, m.field, slot.fields[m.field].tokens[m.token], m.is_tag, ts.cache->group(m.entry, 0), slot.hits);
}

void add_query_hits(const ruleset_snapshot& s, const post& p, post_slot& slot,
                    std::span<const thread_scratch::token_atom> atoms, const atom_filter& wanted) {
  for (const auto& ta : atoms) {
    const uint32_t id = ta.id;
    if (!(id & token_cache::has_sentiment) && !wanted.may_contain(id & token_cache::atom_mask)) continue;
    const auto& m = slot.matched[ta.matched];
    add_hits(s, p, m.field, slot.fields[m.field].tokens[m.token], m.is_tag, std::span<const uint32_t>(&id, 1),
             slot.hits);
  }
}

void collect_condition_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot) {
  for (const auto& m : slot.matched)
    if (m.entry.count != m.entry.first)
      add_hits(s, p, m.field, slot.fields[m.field].tokens[m.token], m.is_tag, ts.cache->group(m.entry, 1), slot.hits);
}

namespace {

int on_contains(unsigned int id, unsigned long long, unsigned long long to, unsigned int, void* ctx_ptr) {
  auto* ctx = static_cast<std::pair<thread_scratch*, const ruleset_snapshot*>*>(ctx_ptr);
  thread_scratch& ts = *ctx->first;
  const ruleset_snapshot& s = *ctx->second;
  const auto end = static_cast<uint32_t>(to);
  const uint32_t start = end - s.text_db_lengths[id];
  auto seg_it = std::upper_bound(ts.segments.begin(), ts.segments.end(), start,
                                 [](uint32_t off, const thread_scratch::segment& sg) { return off < sg.stream_begin; });
  if (seg_it == ts.segments.begin()) return 0;
  --seg_it;
  const uint32_t seg_end =
      (seg_it + 1 == ts.segments.end()) ? static_cast<uint32_t>(ts.stream.size()) : (seg_it + 1)->stream_begin;
  if (end > seg_end) return 0;  // straddles two fields
  post_slot& slot = ts.slots[seg_it->slot];
  const uint32_t b = start - seg_it->stream_begin, e = end - seg_it->stream_begin;
  // Folded offsets for now; collect_contains_hits maps them to original bytes.
  ts.contains_hits.push_back({seg_it->slot, seg_it->field, static_cast<uint32_t>(slot.hits.size())});
  const uint32_t atom = s.text_db_atoms[id];
  slot.trigger_hits |= s.is_trigger(atom);
  slot.hits.push_back({atom, seg_it->field, b, b, e});
  return 0;
}

}  // namespace

void collect_contains_hits(const ruleset_snapshot& s, thread_scratch& ts, std::span<const post> posts,
                           size_t nslots) {
  ts.stream.clear();
  ts.segments.clear();
  ts.contains_hits.clear();
  for (uint32_t i = 0; i < nslots; ++i) {
    if (!ts.slots[i].valid) continue;
    for (uint8_t f = 0; f < field_count; ++f) {
      const text::analyzed_text& at = ts.slots[i].fields[f];
      if (at.folded.empty()) continue;
      ts.segments.push_back({static_cast<uint32_t>(ts.stream.size()), i, f});
      ts.stream.append(at.folded);
    }
  }
  if (ts.stream.empty()) return;
  std::pair<thread_scratch*, const ruleset_snapshot*> ctx{&ts, &s};
  hs_scan(s.text_db.get(), ts.stream.data(), static_cast<unsigned>(ts.stream.size()), 0, ts.hs.get(), on_contains,
          &ctx);
  // Hits arrive grouped by segment (stream order): one re-analysis with the
  // byte map per field that has any.
  uint32_t mapped_slot = UINT32_MAX;
  uint8_t mapped_field = 0;
  for (const auto& c : ts.contains_hits) {
    if (c.slot != mapped_slot || c.field != mapped_field) {
      (void)ts.analyzer.analyze(field_text(posts[c.slot], c.field), ts.byte_map_tmp, /*with_byte_map=*/true);
      mapped_slot = c.slot;
      mapped_field = c.field;
    }
    hit& h = ts.slots[c.slot].hits[c.hit];
    const uint32_t b = h.orig_begin, e = h.orig_end;
    h.orig_begin = ts.byte_map_tmp.orig_begin_of[b];
    h.orig_end = ts.byte_map_tmp.orig_end_of[e - 1];
  }
}

}  // namespace sito::detail
