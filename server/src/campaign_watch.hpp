// Private: campaign alerts (README "Near-duplicates and campaigns"): when
// one near-duplicate cluster among a topic's mentions reaches the tenant's
// campaign.min_authors distinct authors within campaign.minutes, an alert of
// kind campaign is raised, once per cluster and topic.
//
// What counts: every live mention of an indexed post (near_duplicate_stage:
// posts too short to compare belong to no cluster), the first post of a
// cluster included, by its post's author (dedup::author_of) at its ingest
// time. An author counts while one of its mentions of the cluster in that
// topic is at most `minutes` old, so a slow trickle of reposts over days
// never adds up to a campaign.
//
// Memory: a (topic, cluster) entry lives while it has authors within the
// minutes; one that alerted is kept for `keep_alerted_ms` (the near-duplicate
// window: the cluster cannot outlive it) so that it does not alert again;
// at most max_entries entries (the oldest go first).
//
// Thread-safety: every member takes one mutex (the matcher and the OCR lane
// both sink mentions).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "sito/server/config.hpp"
#include "sito/server/stream_stats.hpp"

namespace sito::server {

class campaign_watch {
 public:
  campaign_watch(int64_t keep_alerted_ms, size_t max_entries = 1'000'000)
      : keep_alerted_ms_(keep_alerted_ms), max_entries_(max_entries) {}

  /// The tenants' campaign settings (config; a tenant not listed gets the
  /// defaults). Any thread; applies to the next observe().
  void set_tenants(const std::vector<tenant_config>& tenants);

  /// One live mention of `topic` on a post of near-duplicate cluster
  /// `cluster` (its earliest post still in the window: `first_post`) by
  /// `author`, at `at_ms`. Returns the campaign alert it raises, if any (id
  /// not set: stream_stats::add_alert numbers it). With `detect` false (the
  /// start-up rebuild) it only counts, and a cluster that reaches the
  /// threshold is marked as alerted without an alert.
  std::optional<stream_alert> observe(const std::string& tenant, const std::string& topic, uint64_t cluster,
                                      const std::string& first_post, const std::string& author, int64_t at_ms,
                                      bool detect = true);

  size_t entries() const;

 private:
  struct entry {
    std::vector<std::pair<std::string, int64_t>> authors;  ///< author → the time of its latest mention
    std::vector<int64_t> mention_times;  ///< of the cluster's mentions of the topic within the minutes
    bool alerted = false;
    int64_t expires_at = 0;
  };
  void sweep(int64_t now_ms);

  const int64_t keep_alerted_ms_;
  const size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, campaign_config> tenants_;
  std::unordered_map<std::string, entry> entries_;  ///< "tenant\x1ftopic\x1fcluster" → entry
  /// (expires_at, key), earliest first; stale pairs (the entry moved on) are skipped.
  std::priority_queue<std::pair<int64_t, std::string>, std::vector<std::pair<int64_t, std::string>>,
                      std::greater<>>
      expiry_;
};

}  // namespace sito::server
