// Private: sitod's OCR lane (DESIGN §4 "Enrichment never stalls text
// matching"). The matcher offers posts with images after their text pass
// (offer() never blocks); worker threads read the images through an
// enrich::ocr_backend and hand each post's OCR text to a callback, which
// re-matches the post and appends the mentions found only through OCR.
//
// Bounded: at most ocr_config::queue_posts posts and queue_bytes image
// bytes wait. Shed policy (config.hpp, README "OCR"): an offer that does
// not fit evicts the oldest queued posts until it fits; a post that waited
// over max_age_ms is dropped when a worker reaches it; images past
// max_images_per_post are skipped. Everything shed is counted.
//
// Restart semantics: the queue lives in memory. Posts queued or in flight
// when sitod stops (after drain_ms) or crashes are not read later; their
// text mentions were already committed. Counted as shed{reason="shutdown"}
// on a graceful stop; lost silently on a crash.
//
// Thread-safety: offer(), depth() and the metrics are safe from any
// thread; start() and stop() are called once each, from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sito/dedup/near_duplicates.hpp"
#include "sito/enrich/ocr_backend.hpp"
#include "sito/model/post.hpp"
#include "sito/server/config.hpp"

namespace sito::server {

/// A post waiting for OCR.
struct ocr_job {
  uint64_t post_offset = 0;
  int64_t ingested_at_ms = 0;
  post p;                              ///< with its image bytes
  std::set<std::string> text_topics;   ///< ruleset_state::key(tenant, topic) of the text pass's mentions
  /// The near-duplicate check of the text pass; unset when the text matched
  /// no topic (the post is checked if its pictures' text matches one).
  std::optional<dedup::near_duplicate_match> near_duplicate;
  std::chrono::steady_clock::time_point queued_at{};
  uint64_t bytes = 0;                  ///< image bytes, for the queue bound
};

/// The lane's counters (/metrics). Relaxed atomics.
struct ocr_metrics {
  std::atomic<uint64_t> posts_queued{0};
  std::atomic<uint64_t> posts_done{0};
  std::atomic<uint64_t> shed_queue_full{0};
  std::atomic<uint64_t> shed_stale{0};
  std::atomic<uint64_t> shed_shutdown{0};
  std::atomic<uint64_t> images_read{0};
  std::atomic<uint64_t> images_failed{0};   ///< decode or recognition errors (bad images)
  std::atomic<uint64_t> images_skipped{0};  ///< past max_images_per_post
  std::atomic<uint64_t> mentions{0};        ///< mentions found only through OCR
  std::atomic<uint64_t> queue_posts{0};     ///< gauge
  std::atomic<uint64_t> queue_bytes{0};     ///< gauge
  std::atomic<uint64_t> latency_ms_sum{0};  ///< ingest → OCR mentions committed, per done post
  std::atomic<uint64_t> latency_ms_max{0};
  std::atomic<uint64_t> decode_us{0}, preprocess_us{0}, recognize_us{0};  ///< summed stage times
  std::atomic<uint64_t> backend_unavailable{0};  ///< posts dropped because no backend could be created
};

class ocr_lane {
 public:
  /// Called on a worker thread with the post's OCR text (images joined by
  /// '\n'; empty when nothing was read). The job's image bytes are gone.
  using done_fn = std::function<void(ocr_job& job, std::string image_text)>;

  ocr_lane(ocr_config config, ocr_metrics& metrics, done_fn on_done);
  ~ocr_lane();

  /// Starts the workers. The backend is created on the first worker's first
  /// job (models load off the start-up path); a creation failure is logged
  /// once and every post is then counted as backend_unavailable.
  void start();
  /// Stops taking offers, lets the workers drain the queue for up to
  /// drain_ms, drops (and counts) the rest, joins.
  void stop();
  /// Queues a post, evicting the oldest when full. False when the post
  /// itself was shed (larger than the whole byte budget) or the lane stopped.
  bool offer(ocr_job job);
  size_t depth() const;
  /// The backend's name once created ("" before).
  std::string backend_name() const;

 private:
  void worker_loop();
  std::shared_ptr<enrich::ocr_backend> backend();

  ocr_config config_;
  ocr_metrics& metrics_;
  done_fn on_done_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ocr_job> queue_;  ///< under mutex_
  uint64_t queued_bytes_ = 0;  ///< under mutex_
  bool stopping_ = false;      ///< under mutex_
  std::chrono::steady_clock::time_point drain_deadline_{};
  std::vector<std::thread> workers_;

  mutable std::mutex backend_mutex_;
  std::shared_ptr<enrich::ocr_backend> backend_;  ///< under backend_mutex_
  bool backend_failed_ = false;                   ///< under backend_mutex_
  std::string backend_name_;                      ///< under backend_mutex_
};

}  // namespace sito::server
