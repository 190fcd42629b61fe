// Private: one connector's delivery loop, and the hub that runs a tenant's
// connectors beside sitod (README "Connectors", DESIGN §9).
//
// Delivery semantics:
//   * A connector is a durable subscription to its tenant's mention log:
//     the next offset to look at is stored in the store's offsets column
//     under the reserved name "connector:NAME" (subscriptions may not use
//     that prefix). It moves only after the destination answered 2xx for
//     everything before it, so a crash or restart sends again at most what
//     was in flight: at least once, in log order.
//   * A new connector starts at the end of the log (it does not replay
//     history) and stores that position at once.
//   * A failure (no answer, timeout, 5xx, 429, 408) is retried with
//     exponential backoff and jitter (backoff.initial_ms doubled up to
//     backoff.max_ms); a 429's Retry-After (the header, or Telegram's
//     parameters.retry_after) is waited instead. Any other 4xx is retried
//     too, 5 times, then the message is given up (counted in
//     sito_connector_dropped_total, logged): a destination that refuses a
//     message for good must not hold every later one.
//   * Rate limit (telegram, slack): one message per mention while the token
//     bucket allows; when it is empty, the mentions waiting when the next
//     token comes are sent as one digest ("12 more negative mentions in the
//     last minute", with `link`) — counted in sito_connector_digested_total,
//     never dropped silently. Webhooks send `batch` mentions per POST and
//     wait for a token when a rate is set.
//   * Alerts (alerts: true) are held in memory (at most 1000) and sent
//     before the next mentions; they are not replayed after a restart.
//
// Threads: each connector has its own thread and HTTP client; store reads
// and the wait for a destination happen there, never on sitod's I/O
// threads, the matcher or another connector. The matcher only wakes it.
//
// Thread-safety: connector_hub's methods may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/delivery_policy.hpp"
#include "connectors/formatters.hpp"
#include "connectors/http_client.hpp"
#include "connectors/mention_filter.hpp"
#include "sito/server/config.hpp"
#include "sito/server/store.hpp"

namespace sito::server {

/// The post at an offset of the post log (recent batches first, then the log).
using post_lookup = std::function<result<post>(uint64_t offset)>;

/// A webhook's history pane (connector_config::history): up to `n` mentions
/// of the person of p's author in `tenant`, before mention offset `before`,
/// newest first, with their posts (README "One author across platforms").
using history_lookup = std::function<std::vector<outgoing_mention>(const std::string& tenant, const post& p,
                                                                   uint64_t before, uint32_t n)>;

/// The offsets-column name a connector's position is stored under.
std::string connector_offset_key(const std::string& name);
/// Subscriptions may not take a name with this prefix.
inline constexpr std::string_view connector_offset_prefix = "connector:";

/// Counters of one connector for /metrics.
struct connector_counters {
  uint64_t delivered = 0;  ///< mentions the destination accepted (in a message, a batch; not digests)
  uint64_t failed = 0;     ///< failed attempts (each retry counts)
  uint64_t digested = 0;   ///< mentions summed up in digest messages
  uint64_t dropped = 0;    ///< mentions given up after a destination refused them (4xx) 5 times; alerts over the 1000 held
  uint64_t alerts = 0;     ///< alerts delivered
  uint64_t lag = 0;        ///< mentions of the tenant's log not yet passed
};

class connector {
 public:
  connector(store& db, post_lookup posts, std::string tenant, connector_config config, mention_filter filter,
            history_lookup history = {});
  ~connector();
  void start();
  /// Stops the thread: an attempt in flight is cancelled, its mentions
  /// stay uncommitted (sent again after a restart).
  void stop();
  void wake();  ///< the tenant's log grew
  void push_alert(const stream_alert& a);
  const std::string& tenant() const { return tenant_; }
  const connector_config& config() const { return config_; }
  connector_counters counters() const;

 private:
  void run();
  /// Sends one request until the destination takes it, the message is
  /// given up (false, counted) or the connector stops (false).
  enum class outcome { sent, given_up, stopped };
  outcome send(const std::string& body, uint64_t mentions);
  bool wait_for(std::chrono::milliseconds d);  ///< false when stopping
  status commit(uint64_t next);
  void deliver_alerts();
  /// Appends the mentions from `cursor` on that pass the filter, up to
  /// `max` in `out`, moving `cursor` past what it looked at. False when
  /// the log could not be read (logged; the caller waits before trying again).
  bool read_more(std::vector<outgoing_mention>& out, size_t max, uint64_t& cursor);
  std::string target_url() const;
  std::vector<std::pair<std::string, std::string>> request_headers() const;
  void deliver_webhook();
  void deliver_messages();
  std::string message_of(const outgoing_mention& o) const;
  std::string digest_of(std::span<const outgoing_mention> held) const;

  store& db_;
  post_lookup posts_;
  history_lookup history_;
  const std::string tenant_;
  const connector_config config_;
  const mention_filter filter_;
  http_client client_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;   ///< under mutex_
  bool woken_ = false;      ///< under mutex_
  std::deque<stream_alert> alerts_;  ///< under mutex_
  // The loop's own (its thread only):
  uint64_t next_ = 0;                       ///< committed: the next mention offset to look at
  std::mt19937_64 rng_{std::random_device{}()};
  rate_limiter rate_;
  std::atomic<uint64_t> delivered_{0}, failed_{0}, digested_{0}, dropped_{0}, alerts_sent_{0};
  std::atomic<uint64_t> next_seen_{0};  ///< next_, for the lag gauge
};

/// Every tenant's connectors.
class connector_hub {
 public:
  connector_hub(store& db, post_lookup posts, history_lookup history = {})
      : db_(db), posts_(std::move(posts)), history_(std::move(history)) {}
  ~connector_hub() { stop(); }
  /// Starts the connectors `tenants` list and stops those they no longer
  /// list; one whose config changed is restarted (it resumes from its
  /// stored offset). Filters were checked when the config was parsed.
  void configure(const std::vector<tenant_config>& tenants);
  void on_mentions(const std::set<std::string>& tenants);
  void on_alerts(const std::vector<stream_alert>& alerts);
  void stop();
  /// The sito_connector_* lines of /metrics.
  std::string metrics_text() const;

 private:
  store& db_;
  post_lookup posts_;
  history_lookup history_;
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<connector>> running_;  ///< (tenant, name)
};

}  // namespace sito::server
