#include "near_duplicate_stage.hpp"

#include "sito/dedup/post_check.hpp"

namespace sito::server {
namespace {

dedup::near_duplicate_options options_of(const near_duplicates_config& c) {
  dedup::near_duplicate_options o;
  o.threshold = c.threshold;
  o.window_ms = c.window_ms;
  o.max_posts = static_cast<size_t>(c.max_posts);
  return o;
}

}  // namespace

near_duplicate_stage::near_duplicate_stage(const near_duplicates_config& config)
    : enabled_(config.enabled), index_(options_of(config)) {}

void near_duplicate_stage::check(std::span<const post> posts, std::span<const uint32_t> matched,
                                 std::span<const int64_t> times_ms, std::vector<dedup::near_duplicate_match>& results,
                                 const dedup::bigram_source& known) {
  if (!enabled_) {
    results.assign(posts.size(), {});
    return;
  }
  std::lock_guard lock(mutex_);
  dedup::check_posts(index_, posts, matched, times_ms, results, known);
  checked_ += matched.size();
  for (const uint32_t i : matched)
    if (i < results.size() && results[i].duplicate) ++duplicates_;
}

dedup::near_duplicate_match near_duplicate_stage::check_one(const post& p, int64_t time_ms) {
  std::vector<dedup::near_duplicate_match> results;
  const uint32_t only = 0;
  check(std::span<const post>(&p, 1), std::span<const uint32_t>(&only, 1), std::span<const int64_t>(&time_ms, 1),
        results);
  return std::move(results[0]);
}

dedup::near_duplicate_match near_duplicate_stage::replay(const post& p, int64_t time_ms) {
  if (!enabled_) return {};
  std::lock_guard lock(mutex_);
  auto m = index_.check_and_add(p.id, dedup::author_of(p), time_ms, dedup::text_of(p));
  ++replayed_;
  return m.ok() ? std::move(*m) : dedup::near_duplicate_match{};
}

near_duplicate_stage::counters near_duplicate_stage::snapshot() const {
  std::lock_guard lock(mutex_);
  counters c;
  c.checked = checked_;
  c.duplicates = duplicates_;
  c.replayed = replayed_;
  c.held = index_.size();
  c.memory_bytes = index_.memory_bytes();
  return c;
}

}  // namespace sito::server
