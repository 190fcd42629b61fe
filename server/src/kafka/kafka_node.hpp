// File: kafka/kafka_node.hpp
//
// sitod's Kafka mode (DESIGN §8, README "Scale-out"): one node of a
// consumer group over the posts topic. Each cycle reads a batch of posts
// from the partitions this node owns, matches it with one ruleset
// (match_stage.hpp: the steps of `sito match`), and writes the mentions
// (keyed ["tenant","topic"]) and the spike alerts to their topics, then
// moves the batch's input offsets, as kafka.delivery says:
//
//   exactly_once   begin_transaction; produce; send_offsets_to_transaction;
//                  commit_transaction. An abortable error aborts the
//                  transaction and rewinds to the batch's first offsets.
//   at_least_once  produce; flush (every mention acknowledged); commit the
//                  offsets. A crash between the two repeats the batch's
//                  mentions; readers drop them by (tenant, topic, post id)
//                  (mention_dedup.hpp).
//
// A bad posts record is skipped with a counted, logged reason and its offset
// committed with the batch: a partition never sticks on it. Topic
// definitions come from the compacted topics topic, read whole before the
// node joins the group (definitions_reader.hpp); publish_topics writes there.
//
//   auto node = kafka_node::start({.config = cfg.kafka.value()});
//   if (!node.ok()) die(node.error().message());
//   ... (*node)->metrics_text() for /metrics, (*node)->healthy() for /health
//   (*node)->stop();
//
// Thread-safety: every public method may be called from any thread; the
// node runs its own loop thread (and the definitions reader's).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kafka/definitions_reader.hpp"
#include "kafka/match_stage.hpp"
#include "kafka/rd_client.hpp"
#include "kafka/records.hpp"
#include "sito/server/kafka_config.hpp"
#include "sito/server/stream_stats.hpp"

namespace sito::server::kafka {

struct kafka_node_options {
  kafka_config config;
  compile_options compile;                 ///< sitod's: the tenants' lexicons
  post_limits limits;                      ///< a post over them is skipped (reason "invalid")
  bool near_duplicates = true;             ///< sitod's near_duplicates.enabled
  dedup::near_duplicate_options near_duplicate_options;
  spike_params spikes;                     ///< sitod's alerts: spikes among this node's mentions
  int start_timeout_ms = 30000;            ///< reading the topics topic whole at start
};

/// Where the node stands in its group (/health, sito_kafka_group_state).
enum class group_state {
  starting,     ///< reading the topic definitions
  joining,      ///< subscribed, no assignment yet
  active,       ///< member with an assignment (possibly empty: more nodes than partitions)
  rebalancing,  ///< its partitions were revoked, waiting for the new assignment
  stopped,      ///< stop() or a crash drill
  failed,       ///< a fatal Kafka error (a fenced transactional producer, ...)
};
const char* to_string(group_state s);

/// Counters (relaxed atomics: values, not ordering).
struct kafka_node_metrics {
  std::atomic<uint64_t> posts{0};               ///< posts matched
  std::atomic<uint64_t> batches{0};             ///< cycles that moved offsets
  std::atomic<uint64_t> mentions{0};            ///< mentions produced (and committed)
  std::atomic<uint64_t> alerts{0};
  std::atomic<uint64_t> skipped[static_cast<size_t>(skip_reason::count_)] = {};
  std::atomic<uint64_t> transactions{0};        ///< committed
  std::atomic<uint64_t> transaction_aborts{0};
  std::atomic<uint64_t> produce_errors{0};      ///< delivery failures (the batch was retried)
  std::atomic<uint64_t> commit_failures{0};     ///< at_least_once: offset commits that failed (the batch repeats)
  std::atomic<uint64_t> rebalances{0};          ///< assignments received
  std::atomic<uint64_t> partitions_owned{0};
  std::atomic<int64_t> consumer_lag{0};         ///< records behind the partitions' ends, summed
  std::atomic<uint64_t> cycle_us{0};            ///< time in batches that moved offsets (read to commit)
  std::atomic<uint64_t> commit_us{0};           ///< of which producing and committing
};

class kafka_node {
 public:
  /// Connects, reads the definitions whole, subscribes to the posts topic
  /// and starts the loop. Errors: bad properties, a topics topic that
  /// cannot be read, a transactional producer that cannot initialize.
  static result<std::unique_ptr<kafka_node>> start(kafka_node_options options);
  ~kafka_node();
  kafka_node(const kafka_node&) = delete;
  kafka_node& operator=(const kafka_node&) = delete;

  /// Finishes the batch in hand (it commits), leaves the group, closes the
  /// clients. Idempotent.
  void stop();
  /// A crash drill (tests, ops drills): the loop produces its next batch's
  /// mentions, then drops its clients without committing, aborting or
  /// leaving the group, as a killed process would. Returns at once.
  void crash_before_next_commit();
  /// True once a crash drill has taken effect.
  bool crashed() const { return crashed_; }

  /// Writes upserts and deletions (tombstones) of `tenant`'s topics to the
  /// topics topic and waits for them to be acknowledged. Topics that do not
  /// compile are refused first (`report` gets their diagnostics) and nothing
  /// is written.
  status publish_topics(const std::string& tenant, const std::vector<topic_spec>& upserted,
                        const std::vector<std::string>& deleted, compile_report* report = nullptr);

  std::shared_ptr<const kafka_ruleset> ruleset() const { return definitions_.current(); }
  group_state state() const { return state_; }
  /// Member of the group with its assignment, definitions read: /health says ok.
  bool healthy() const { return state_ == group_state::active; }
  const kafka_node_metrics& metrics() const { return metrics_; }
  /// The node's Prometheus lines (sito_kafka_*), appended to sitod's /metrics.
  std::string metrics_text() const;
  /// {"mode":"kafka","node":…,"group":…,"state":…,"partitions":N,"lag":N,"ruleset_version":N}
  std::string health_json() const;
  const kafka_config& config() const { return options_.config; }

 private:
  explicit kafka_node(kafka_node_options options);
  status connect();
  void loop();
  /// Matches `batch`, produces and commits; false when the node must stop.
  struct input {
    post p;
    int32_t partition = 0;
    int64_t offset = 0;
  };
  bool process(std::vector<input>& batch, const std::map<int32_t, int64_t>& first,
               const std::map<int32_t, int64_t>& next);
  status produce(const std::string& topic, const std::string& key, const std::string& value);
  void rewind(const std::map<int32_t, int64_t>& first);
  void update_lag();
  void crash_now();
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);

  kafka_node_options options_;
  definitions_reader definitions_;
  match_stage match_;
  stream_stats spikes_;
  rd_kafka_ptr consumer_;
  rd_kafka_ptr producer_;        ///< mentions and alerts; transactional in exactly_once
  rd_kafka_ptr admin_producer_;  ///< topic definitions (never transactional); made on first publish
  std::mutex admin_mutex_;
  std::atomic<uint64_t> admin_errors_{0};
  std::atomic<uint64_t> batch_delivery_errors_{0};
  kafka_node_metrics metrics_;
  std::atomic<group_state> state_{group_state::starting};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> crash_requested_{false};
  std::atomic<bool> crashed_{false};
  bool revoked_ = false;          ///< loop thread only (the rebalance callback runs inside its poll)
  std::set<int32_t> owned_;       ///< loop thread only
  mutable std::mutex lag_mutex_;
  std::map<int32_t, int64_t> lag_;  ///< partition → records behind; under lag_mutex_
  std::thread thread_;
};

}  // namespace sito::server::kafka
