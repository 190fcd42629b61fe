// File: sito/server/stream_stats.hpp
//
// Aggregates over the mention stream (issue: "aggregates and alerts on the
// stream"): rolling counters per tenant, topic and tag by sentiment, the
// loyalty index, share of voice between a tenant's topics, and spike
// detection that turns a burst of mentions into an alert within the minute.
//
//   stream_stats stats;
//   for (auto& m : committed) for (auto& a : stats.record(m.tenant, m.topic, m.tags, m.sentiment, now_ms))
//     page_someone(a);
//   auto rows = stats.summary("acme", now_ms);   // for Stats and /metrics
//
// Windows are aligned to wall-clock buckets: `minute` is the current
// one-minute bucket, `hour` the sixty one-minute buckets ending with it, `day`
// the twenty-four one-hour buckets ending with the current hour.
//
// Spike detection, per topic and per (topic, tag): the baseline is an
// exponentially weighted mean and variance of the per-minute counts (empty
// minutes count as zero). While a minute is running, the mention that makes
// its count reach max(min_count, mean + z·stddev, min_ratio·mean) raises an
// alert at once, so a burst pages someone within the minute it starts, not
// after it closes. A key alerts at most once per cooldown, and only after
// warmup_minutes of history (a topic just created has no baseline).
//
// Thread-safety: all members are safe to call concurrently (one mutex).
// Memory: about 1.5 KiB per (topic) or (topic, tag) key that ever had a mention.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::server {

struct sentiment_counts {
  uint64_t negative = 0, neutral = 0, positive = 0;
  uint64_t total() const { return negative + neutral + positive; }
  /// (pos − neg) / (pos + neg); 0 when there are neither.
  double loyalty() const {
    const double polar = static_cast<double>(positive + negative);
    return polar == 0 ? 0 : (static_cast<double>(positive) - static_cast<double>(negative)) / polar;
  }
};

struct spike_params {
  double alpha = 0.2;            ///< EWMA weight of the newest closed minute
  double z = 4;                  ///< standard deviations above the mean
  double min_ratio = 3;          ///< and at least this multiple of the mean
  uint64_t min_count = 10;       ///< and at least this many mentions in the minute
  int warmup_minutes = 3;        ///< minutes of history before a key may alert
  int64_t cooldown_ms = 10 * 60 * 1000;
};

/// What raised an alert.
enum class alert_kind : uint8_t {
  spike,     ///< a burst of mentions (record())
  campaign,  ///< a near-duplicate cluster reached campaign.min_authors (campaign_watch.hpp)
};
const char* to_string(alert_kind k);  ///< "spike" or "campaign"

/// An alert on the mention stream: a spike, or a campaign of near-duplicates.
struct stream_alert {
  uint64_t id = 0;       ///< per process, increasing
  alert_kind kind = alert_kind::spike;
  std::string tenant, topic;
  std::string tag;       ///< empty: the topic as a whole (always, for a campaign)
  int64_t at_ms = 0;
  uint64_t count = 0;    ///< spike: mentions in the current minute; campaign: the cluster's mentions of the topic within the minutes
  double baseline = 0;   ///< spike: mean mentions per minute before
  double threshold = 0;  ///< spike: the count it had to reach; campaign: min_authors
  std::string first_post;  ///< campaign: the id of the cluster's earliest post still in the window
  uint64_t authors = 0;    ///< campaign: distinct authors of the cluster's mentions within the minutes
};

class stream_stats {
 public:
  explicit stream_stats(spike_params params = {}) : params_(params) {}
  /// Replaces the spike parameters (call before the first record()).
  void set_params(const spike_params& params) {
    std::lock_guard lock(mutex_);
    params_ = params;
  }

  /// Counts one mention of `topic` (and each of `tags`) at `now_ms`; returns
  /// the alerts it raised. `now_ms` should not go backwards by more than a
  /// minute (older events land in the current bucket). With `detect` false
  /// (replaying history after a restart) it only counts and learns baselines.
  std::vector<stream_alert> record(const std::string& tenant, const std::string& topic,
                                  std::span<const std::string> tags, rules::sentiment mood, int64_t now_ms,
                                  bool detect = true);

  struct row {
    std::string topic;
    std::string tag;  ///< empty: the topic as a whole
    sentiment_counts minute, hour, day;
    double share_of_voice_hour = 0;  ///< topic rows: this topic's share of the tenant's topic mentions
    double share_of_voice_day = 0;
  };
  /// Every key of `tenant` as of `now_ms`: its topics by name, then its tags by topic and path.
  std::vector<row> summary(const std::string& tenant, int64_t now_ms) const;

  /// Lists an alert raised elsewhere (a campaign) with the spikes: gives it
  /// the next id and keeps it among the tenant's recent alerts.
  void add_alert(stream_alert& a);

  /// The last alerts of `tenant` (at most 100), oldest first.
  std::vector<stream_alert> recent_alerts(const std::string& tenant) const;

 private:
  struct key_state {
    sentiment_counts minutes[60];
    int64_t minute_of[60] = {};  ///< which minute each bucket holds (+1; 0: none)
    sentiment_counts hours[24];
    int64_t hour_of[24] = {};
    int64_t first_minute = -1;   ///< first minute seen
    int64_t current_minute = -1; ///< minute of the running count
    uint64_t current_count = 0;
    double mean = 0, var = 0;    ///< EWMA of closed minutes
    int64_t last_alert_ms = INT64_MIN / 2;
  };
  void advance(key_state& k, int64_t minute) const;
  static void add(sentiment_counts& c, rules::sentiment mood);
  static void windows(const key_state& k, int64_t now_ms, row& r);

  spike_params params_;
  mutable std::mutex mutex_;
  /// tenant → "topic\x1ftag" (tag empty for the topic itself) → state. Hash
  /// maps probed through key_buf_, so counting a mention allocates nothing
  /// once its keys exist (it runs for every mention on the matcher thread).
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, key_state>> keys_;
  std::string key_buf_;
  absl::flat_hash_map<std::string, std::deque<stream_alert>> alerts_;
  uint64_t next_alert_id_ = 1;
};

}  // namespace sito::server
