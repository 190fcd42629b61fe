// The batch driver: chunks of posts on TBB workers, each chunk through the
// stages in order (scan_state.hpp): analyze → term_matcher →
// candidate_selector → program_evaluator → mention_builder.
#include "sito/scan/batch_scanner.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "scan/candidate_selector.hpp"
#include "scan/scanner_impl.hpp"
#include "scan/stage_cycles.hpp"
#include "scan/term_matcher.hpp"

namespace sito {

using detail::hit;
using detail::post_slot;
using detail::thread_scratch;

batch_scanner::impl::impl(std::shared_ptr<const ruleset_snapshot> s, scan_options o)
    : snap(std::move(s)), options(o) {
  if (snap->token_db) hs_alloc_scratch(snap->token_db.get(), &prototype);
  if (snap->text_db) hs_alloc_scratch(snap->text_db.get(), &prototype);
}

batch_scanner::impl::~impl() {
  if (prototype) hs_free_scratch(prototype);
}

thread_scratch& batch_scanner::impl::local() const {
  thread_scratch& ts = scratch.local();
  if (!ts.hs && prototype) {
    hs_scratch_t* clone = nullptr;
    hs_clone_scratch(prototype, &clone);
    ts.hs.reset(clone);
  }
  if (!ts.cache) ts.cache = std::make_unique<detail::token_cache>(options.token_cache_entries);
  if (ts.atom_state.size() != snap->atoms.size() || ts.topic_stamp.size() != snap->topics.size()) {
    ts.atom_state.assign(snap->atoms.size(), {});
    ts.topic_stamp.assign(snap->topics.size(), 0);
  }
  return ts;
}

bool batch_scanner::impl::prepare(thread_scratch& ts, const post& p, post_slot& slot, status& why) const {
  slot.hits.clear();
  slot.matched.clear();
  slot.valid = false;
  // Limits first; UTF-8 is checked by the analyzer as it decodes.
  why = p.id.empty() ? invalid_argument("post has no id") : ok_status();
  static constexpr const char* names[detail::field_count] = {"title", "text", "image_text"};
  // The fields' text is on lines of its own, somewhere on the heap: asked
  // for at once, the misses overlap instead of coming one by one as the
  // analyzer walks the bytes (asked for a post ahead, they were not in
  // cache when it got there; stage cycles say both).
  for (uint8_t f = 0; f < detail::field_count; ++f) {
    const std::string& text = detail::field_text(p, f);
    const size_t n = std::min<size_t>(text.size(), 4096);
    for (size_t k = 0; k < n; k += 64) __builtin_prefetch(text.data() + k);
  }
  for (uint8_t f = 0; f < detail::field_count && why.ok(); ++f) {
    const std::string& text = detail::field_text(p, f);
    if (text.size() > options.limits.max_field_bytes) {
      why = out_of_range("field '" + std::string(names[f]) + "' has " + std::to_string(text.size()) +
                         " bytes, more than the limit of " + std::to_string(options.limits.max_field_bytes));
      break;
    }
    SITO_STAGE_TIMER(analyze);
    status a = ts.analyzer.analyze(text, slot.fields[f]);
    if (!a.ok()) why = invalid_argument("field '" + std::string(names[f]) + "' has " + a.message());
  }
  if (!why.ok()) {
    for (auto& f : slot.fields) f.clear();
    return false;
  }
  slot.valid = true;
  SITO_STAGE_TIMER(terms);
  detail::collect_query_hits(*snap, ts, slot);
  return true;
}

void batch_scanner::impl::evaluate(thread_scratch& ts, const post& p, post_slot& slot, uint32_t post_index,
                                   scan_output& out, const stream_facts* facts) const {
  const ruleset_snapshot& s = *snap;
  auto& hits = slot.hits;
  uint32_t stamp;
  {
    SITO_STAGE_TIMER(select);
    stamp = detail::select_candidates(s, ts, p, slot);
  }
  detail::count_stage_post(ts.candidates.size(), hits.size(), ts.distinct_atoms.size());
  if (ts.candidates.empty()) return;
  out.topics_evaluated += ts.candidates.size();
  // Topic programs read only the atoms of topic queries, all found already.
  const detail::program_evaluator::hit_view first_view = detail::view_of(ts, hits, stamp);
  ts.pending.clear();
  {
    SITO_STAGE_TIMER(programs);
    // With many topics their programs are cold: ask for every candidate's
    // topic record (the part evaluation reads: channels and root) and the
    // end of its program (nodes are laid out children first, so the root
    // comes last) at once, so the misses overlap.
    for (uint32_t t : ts.candidates) {
      __builtin_prefetch(&s.topics[t].channels);
      __builtin_prefetch(&s.topics[t].root);
    }
    for (uint32_t t : ts.candidates)
      if (const uint32_t root = s.topics[t].root; root != no_node)
        for (uint32_t k = 0; k < 4 && 2 * k <= root; ++k) __builtin_prefetch(&s.nodes[root - 2 * k]);
    // Then the child lists, which end with the root's (laid out alike).
    for (uint32_t t : ts.candidates)
      if (const uint32_t root = s.topics[t].root; root != no_node) {
        const program_node& r = s.nodes[root];
        const uint32_t end = r.first_child + r.child_count;
        for (uint32_t k = 0; k < 2 && 16 * k < end; ++k) __builtin_prefetch(&s.children[end - 1 - 16 * k]);
      }
    for (uint32_t t : ts.candidates) {
      const size_t before = out.highlights.size();
      if (ts.evaluator.evaluate_topic(s, s.topics[t], first_view, slot.meta, out.highlights))
        ts.pending.push_back(
            {t, static_cast<uint32_t>(before), static_cast<uint32_t>(out.highlights.size() - before)});
      else
        out.highlights.resize(before);
    }
  }
  if (ts.pending.empty()) return;
  out.matched_posts.push_back(post_index);
  if (options.near_duplicate_bigrams) {
    // From the analysis just made: the detector need not analyze the text again.
    ts.bigrams.begin();
    ts.bigrams.add_field(slot.fields[0], detail::field_text(p, 0));
    ts.bigrams.add_field(slot.fields[1], detail::field_text(p, 1));
    ts.bigrams.finish(out.bigrams);
    out.bigram_end.push_back(static_cast<uint32_t>(out.bigrams.size()));
  }
  for (const auto& pm : ts.pending)
    if (s.topics[pm.topic].reads_stream_facts) {
      bool reads_duplicate = false;
      for (const auto& q : ts.pending) reads_duplicate |= s.topics[q.topic].reads_duplicate;
      out.fact_readers.push_back({post_index, static_cast<uint32_t>(ts.pending.size()), reads_duplicate});
      // The semantic tags of every matched topic, each once, sorted.
      const size_t first = out.semantic_wanted.size();
      for (const auto& q : ts.pending)
        for (const auto& tag : s.topics[q.topic].tags)
          if (tag.semantic >= 0) out.semantic_wanted.push_back({post_index, static_cast<uint32_t>(tag.semantic)});
      auto b = out.semantic_wanted.begin() + static_cast<std::ptrdiff_t>(first);
      std::sort(b, out.semantic_wanted.end(), [](const auto& x, const auto& y) { return x.tag < y.tag; });
      out.semantic_wanted.erase(std::unique(b, out.semantic_wanted.end(),
                                            [](const auto& x, const auto& y) { return x.tag == y.tag; }),
                                out.semantic_wanted.end());
      break;
    }
  SITO_STAGE_TIMER(mentions);
  // The matches' tag and rule conditions are as cold as their topics'
  // programs were: asked for now, they arrive while the condition hits
  // below are collected.
  for (const auto& pm : ts.pending) {
    const compiled_topic& t = s.topics[pm.topic];
    for (const auto& tag : t.tags)
      if (tag.root != no_node) __builtin_prefetch(&s.nodes[tag.root]);
    for (const auto& rule : t.rules)
      if (rule.root != no_node) __builtin_prefetch(&s.nodes[rule.root]);
  }

  uint32_t view_stamp = stamp;
  if (slot.condition_tokens) {
    // The post is a mention: add the hits of atoms only tags, rules and the
    // sentiment lexicon use, and group those too.
    const size_t before = hits.size();
    detail::collect_condition_hits(s, ts, p, slot);
    view_stamp = detail::group_more_hits(ts, hits, before, stamp);
  }
  const detail::program_evaluator::hit_view view = detail::view_of(ts, hits, view_stamp);
  ts.mentions.begin_post(s, p, hits, facts);
  detail::mention_outcome o;
  for (const auto& pm : ts.pending) {
    ts.mentions.build(s, s.topics[pm.topic], ts.evaluator, view, slot.meta, o);
    if (o.dropped) {
      ++out.dropped;
      continue;
    }
    scan_output::match m{post_index, pm.topic, pm.hl_begin, pm.hl_count};
    const auto tags = ts.mentions.tags();
    m.tag_begin = static_cast<uint32_t>(out.tags.size());
    out.tags.insert(out.tags.end(), tags.begin(), tags.end());
    m.tag_count = static_cast<uint32_t>(tags.size());
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

namespace {
#if defined(__SANITIZE_THREAD__)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
inline void tsan_acquire(void* addr) { __tsan_acquire(addr); }
inline void tsan_release(void* addr) { __tsan_release(addr); }
#else
inline void tsan_acquire(void*) {}
inline void tsan_release(void*) {}
#endif

/// Asks for the post two ahead (its strings' sizes and pointers, and the
/// short metadata strings held inline) while this one is scanned.
inline void prefetch_post(std::span<const post> posts, uint32_t i) {
  if (i + 2 >= posts.size()) return;
  const char* b = reinterpret_cast<const char*>(&posts[i + 2]);
  for (size_t k = 0; k < sizeof(post); k += 64) __builtin_prefetch(b + k);
}
}  // namespace

void batch_scanner::impl::scan_chunk(std::span<const post> posts, uint32_t base, scan_output& out,
                                     std::span<const stream_facts> facts) const {
  auto facts_of_post = [&](uint32_t i) { return facts.empty() ? nullptr : &facts[i]; };
  thread_scratch& ts = local();
  ts.cache->begin_chunk();
  if (!snap->text_db) {
    // No contains: atoms, so a post's hits are complete after its own term
    // pass: it is evaluated at once, while its tokens and hits are still in
    // L1, and one slot serves the whole chunk.
    if (ts.slots.empty()) ts.slots.resize(1);
    for (uint32_t i = 0; i < posts.size(); ++i) {
      prefetch_post(posts, i);
      status why;
      if (prepare(ts, posts[i], ts.slots[0], why))
        evaluate(ts, posts[i], ts.slots[0], base + i, out, facts_of_post(i));
      else
        out.rejected.push_back({base + i, std::move(why)});
    }
    return;
  }
  // contains: atoms are found by one Hyperscan scan over the whole chunk's
  // folded text, so every post is prepared before any is evaluated.
  if (ts.slots.size() < posts.size()) ts.slots.resize(posts.size());
  for (uint32_t i = 0; i < posts.size(); ++i) {
    prefetch_post(posts, i);
    status why;
    if (!prepare(ts, posts[i], ts.slots[i], why)) out.rejected.push_back({base + i, std::move(why)});
  }
  if (snap->text_db) detail::collect_contains_hits(*snap, ts, posts, posts.size());
  for (uint32_t i = 0; i < posts.size(); ++i)
    if (ts.slots[i].valid) evaluate(ts, posts[i], ts.slots[i], base + i, out, facts_of_post(i));
}

batch_scanner::batch_scanner(std::shared_ptr<const ruleset_snapshot> snapshot, scan_options options)
    : impl_(std::make_unique<impl>(std::move(snapshot), options)) {}
batch_scanner::~batch_scanner() = default;
batch_scanner::batch_scanner(batch_scanner&&) noexcept = default;
batch_scanner& batch_scanner::operator=(batch_scanner&&) noexcept = default;

const std::shared_ptr<const ruleset_snapshot>& batch_scanner::snapshot() const { return impl_->snap; }

namespace {
std::span<const stream_facts> facts_of(std::span<const stream_facts> facts, size_t b, size_t e) {
  return facts.empty() ? facts : facts.subspan(b, e - b);
}
}  // namespace

void batch_scanner::scan_serial(std::span<const post> posts, scan_output& out,
                                std::span<const stream_facts> facts) const {
  out.clear();
  if (!facts.empty() && facts.size() != posts.size()) facts = {};  // precondition: one per post
  const size_t chunk = std::max<size_t>(1, impl_->options.chunk_size);
  for (size_t b = 0; b < posts.size(); b += chunk) {
    const size_t e = std::min(posts.size(), b + chunk);
    impl_->scan_chunk(posts.subspan(b, e - b), static_cast<uint32_t>(b), out, facts_of(facts, b, e));
  }
}

void batch_scanner::scan(std::span<const post> posts, scan_output& out, std::span<const stream_facts> facts) const {
  out.clear();
  if (!facts.empty() && facts.size() != posts.size()) facts = {};  // precondition: one per post
  const size_t chunk = std::max<size_t>(1, impl_->options.chunk_size);
  const size_t nchunks = (posts.size() + chunk - 1) / chunk;
  if (nchunks <= 1) {
    scan_serial(posts, out, facts);
    return;
  }
  std::vector<scan_output> parts(nchunks);
  tbb::parallel_for(tbb::blocked_range<size_t>(0, nchunks, 1), [&](const tbb::blocked_range<size_t>& r) {
    for (size_t c = r.begin(); c != r.end(); ++c) {
      const size_t b = c * chunk, e = std::min(posts.size(), b + chunk);
      impl_->scan_chunk(posts.subspan(b, e - b), static_cast<uint32_t>(b), parts[c], facts_of(facts, b, e));
      tsan_release(&parts[c]);
    }
  });
  // parallel_for returns after every chunk is done; Debian's oneTBB is not
  // built for ThreadSanitizer, which therefore cannot see that order.
  for (auto& part : parts) tsan_acquire(&part);
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
    out.dropped += part.dropped;
    out.matched_posts.insert(out.matched_posts.end(), part.matched_posts.begin(), part.matched_posts.end());
    out.fact_readers.insert(out.fact_readers.end(), part.fact_readers.begin(), part.fact_readers.end());
    out.semantic_wanted.insert(out.semantic_wanted.end(), part.semantic_wanted.begin(), part.semantic_wanted.end());
    const auto bigram_offset = static_cast<uint32_t>(out.bigrams.size());
    out.bigrams.insert(out.bigrams.end(), part.bigrams.begin(), part.bigrams.end());
    for (const uint32_t e : part.bigram_end) out.bigram_end.push_back(e + bigram_offset);
  }
}

void batch_scanner::apply_facts(std::span<const post> posts, std::span<const stream_facts> facts,
                                scan_output& out) const {
  if (facts.size() != posts.size()) return;
  // Only a fact that differs from the default (false) and that one of the
  // post's topics reads changes a mention.
  std::vector<uint32_t> redo;
  uint64_t query_matches = 0;
  for (const auto& r : out.fact_readers)
    if (r.post < facts.size() && (!facts[r.post].semantic.empty() || (facts[r.post].duplicate && r.reads_duplicate))) {
      redo.push_back(r.post);
      query_matches += r.query_matches;
    }
  if (redo.empty()) return;
  std::vector<post> again_posts;
  std::vector<stream_facts> again_facts;
  again_posts.reserve(redo.size());
  for (const uint32_t i : redo) {
    again_posts.push_back(posts[i]);
    again_posts.back().images.clear();  // the scan reads image_count, never the bytes
    again_facts.push_back(facts[i]);
  }
  scan_output again;
  scan_serial(again_posts, again, again_facts);
  // Splice: the matches of the posts scanned again are replaced by the new
  // ones, in post order; their highlights and tags go at the end.
  const auto hl_base = static_cast<uint32_t>(out.highlights.size());
  const auto tag_base = static_cast<uint32_t>(out.tags.size());
  out.highlights.insert(out.highlights.end(), again.highlights.begin(), again.highlights.end());
  out.tags.insert(out.tags.end(), again.tags.begin(), again.tags.end());
  std::vector<scan_output::match> merged;
  merged.reserve(out.matches.size() + again.matches.size());
  size_t k = 0;
  auto take_again_before = [&](uint64_t post_limit) {
    for (; k < again.matches.size() && redo[again.matches[k].post] < post_limit; ++k) {
      scan_output::match m = again.matches[k];
      m.post = redo[m.post];
      m.hl_begin += hl_base;
      m.tag_begin += tag_base;
      merged.push_back(m);
    }
  };
  uint64_t kept_before = 0;  // the replaced posts' mentions that the first scan kept
  for (const auto& m : out.matches) {
    take_again_before(m.post);
    if (std::binary_search(redo.begin(), redo.end(), m.post)) {
      ++kept_before;
      continue;
    }
    merged.push_back(m);
  }
  take_again_before(UINT64_MAX);
  out.matches = std::move(merged);
  out.dropped = out.dropped - (query_matches - kept_before) + again.dropped;
  out.topics_evaluated += again.topics_evaluated;
}

}  // namespace sito
