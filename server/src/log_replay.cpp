// sitod's start-up rebuild, from the retained logs, of what lives in memory:
// the aggregates (the last day's counts and spike baselines, no alerts), the
// near-duplicate window (near_duplicate_stage.hpp) and the campaigns' counts
// (campaign_watch.hpp, no alerts), in one pass over the tenants' mention logs. Declared in server_impl.hpp; create() calls it.
#include <algorithm>
#include <chrono>
#include <map>

#include "server_impl.hpp"
#include "sito/dedup/post_check.hpp"
#include "sito/server/json_log.hpp"

namespace sito::server {

void sitod::impl::replay_logs() {
  const auto started = std::chrono::steady_clock::now();
  const int64_t now = now_ms();
  const int64_t stats_since = now - 24 * 3600 * 1000;
  const bool dups = near_dups && near_dups->enabled();
  const int64_t dups_since = dups ? now - config.near_duplicates.window_ms : now;
  const int64_t since = std::min(stats_since, dups_since);
  constexpr size_t max_replayed = 5'000'000;
  size_t replayed = 0;
  // The posts of the live mentions in the near-duplicate window: each was
  // checked once, in post-log order, when it was matched; and their
  // mentions' topics, which campaign alerts count.
  std::vector<uint64_t> post_offsets;
  std::map<uint64_t, std::vector<std::pair<std::string, std::string>>> topics_of;
  std::vector<mention_record> chunk;
  for (const auto& t : config.tenants) {
    auto from = db->mention_offset_at(t.name, since);
    if (!from.ok()) continue;
    for (uint64_t next = *from; replayed < max_replayed && next < db->next_mention_offset(t.name);) {
      chunk.clear();
      if (!db->read_mentions(t.name, next, 4096, chunk).ok() || chunk.empty()) break;
      for (const auto& m : chunk) {
        next = m.offset + 1;
        if (m.backfill) continue;  // live mentions only, as the matcher counts and checks them
        if (m.matched_at_ms >= stats_since) {
          stats.record(m.tenant, m.topic, m.tags, static_cast<rules::sentiment>(m.sentiment), m.matched_at_ms,
                       /*detect=*/false);
          ++replayed;
        }
        if (dups && m.ingested_at_ms >= dups_since && post_offsets.size() < max_replayed) {
          post_offsets.push_back(m.post_offset);
          topics_of[m.post_offset].emplace_back(m.tenant, m.topic);
        }
      }
    }
  }
  if (replayed > 0)
    log_info("aggregates rebuilt from the mention log")
        .with("mentions", replayed)
        .with("ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  if (post_offsets.empty()) return;
  std::sort(post_offsets.begin(), post_offsets.end());
  post_offsets.erase(std::unique(post_offsets.begin(), post_offsets.end()), post_offsets.end());
  // Only the newest max_posts can still be held.
  if (post_offsets.size() > config.near_duplicates.max_posts)
    post_offsets.erase(post_offsets.begin(),
                       post_offsets.end() - static_cast<std::ptrdiff_t>(config.near_duplicates.max_posts));
  size_t posts = 0;
  for (const uint64_t offset : post_offsets) {
    auto sp = db->read_post(offset);
    if (!sp.ok()) continue;  // retention took it
    const dedup::near_duplicate_match d = near_dups->replay(sp->p, sp->ingested_at_ms);
    ++posts;
    // Campaigns count again, silently: a cluster that alerted before the
    // restart is marked alerted and does not page a second time.
    if (!d.indexed) continue;
    const std::string first = d.duplicate ? d.duplicate_of : sp->p.id;
    const std::string author = dedup::author_of(sp->p);
    for (const auto& [tenant, topic] : topics_of[offset])
      (void)campaigns->observe(tenant, topic, d.cluster_id, first, author, sp->ingested_at_ms, /*detect=*/false);
  }
  log_info("near-duplicate window rebuilt from the post log")
      .with("posts", posts)
      .with("held", near_dups->snapshot().held)
      .with("ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
}

}  // namespace sito::server
