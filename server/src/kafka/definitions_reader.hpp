// Private: every node's copy of the topic definitions (DESIGN §8).
//
// The topics topic is compacted and keyed ["tenant","id"] (records.hpp); a
// node reads it whole from the beginning, then follows it. Whenever records
// arrive it compiles every live definition (one bad topic is logged and left
// out, the others compile) and swaps the result in whole, RCU style: a reader
// keeps the ruleset it took, so each batch of posts is matched by one
// snapshot. start() returns once the topic has been read up to the end it
// had when start() began: a node never matches a post with less than the
// definitions written before it started.
//
// Thread-safety: current() and the counters from any thread; start/stop from
// the owner's thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kafka/rd_client.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/kafka_config.hpp"

namespace sito::server::kafka {

/// One compiled version of the definitions. Immutable once published.
struct kafka_ruleset {
  uint64_t version = 0;  ///< 1 after the first full read, +1 per swap
  std::shared_ptr<const ruleset_snapshot> snapshot;
  std::shared_ptr<const batch_scanner> scanner;
  std::map<std::pair<std::string, std::string>, topic_spec> topics;  ///< (tenant, id) → the definition in force
};

class definitions_reader {
 public:
  definitions_reader(const kafka_config& config, compile_options compile, scan_options scan);
  ~definitions_reader();
  definitions_reader(const definitions_reader&) = delete;
  definitions_reader& operator=(const definitions_reader&) = delete;

  /// Connects, reads the topics topic whole (up to its end as of now) and
  /// compiles it, then follows it on a thread. Fails when the topic cannot
  /// be read within `timeout_ms` (a missing topic, unreachable brokers).
  status start(int timeout_ms);
  /// Stops following (idempotent).
  void stop();
  /// The ruleset in force; never null after start() succeeded.
  std::shared_ptr<const kafka_ruleset> current() const;

  uint64_t records_read() const { return records_read_; }
  uint64_t records_rejected() const { return records_rejected_; }  ///< undecodable records, logged and skipped

 private:
  /// Applies one record to `pending_`; false when it was rejected.
  bool apply(const rd_kafka_message_t& m);
  void compile_and_swap();
  void follow();

  kafka_config config_;
  compile_options compile_;
  scan_options scan_;
  rd_kafka_ptr consumer_;
  std::map<std::pair<std::string, std::string>, topic_spec> pending_;  ///< the follow thread's (and start's) only
  mutable std::mutex mutex_;
  std::shared_ptr<const kafka_ruleset> current_;  ///< under mutex_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::atomic<uint64_t> records_read_{0};
  std::atomic<uint64_t> records_rejected_{0};
};

}  // namespace sito::server::kafka
