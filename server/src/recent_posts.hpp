// Private: the posts the matcher decoded lately, kept for delivery.
//
// A mention goes to its subscribers with its post (MentionBatch). The
// matcher has just read and decoded that post from the log, and a
// subscriber that keeps up asks for it moments later: without this, each
// mention cost a RocksDB read and a decode of its post, for each
// subscription (10% of all samples at e2e saturation with one subscriber,
// perf -a; bench/RESULTS.md has what it changed). The matcher adds each committed batch's posts here
// before it wakes the subscriptions; delivery looks a post up by offset and
// reads the log only for what is no longer (or never was) here: posts with
// images, which go on to the OCR lane, and posts older than the budget.
//
// Bounded by the posts' bytes, text and any images kept (oldest batches go
// first; the newest batch stays whatever its size). Posts never
// change once stored, so a post found here is the post in the log.
//
// Thread-safety: add() and view() may be called from any thread; a view is
// immutable and may be read without the lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "sito/model/post.hpp"

namespace sito::server {

class recent_posts {
 public:
  struct batch {
    std::vector<uint64_t> offsets;  ///< ascending
    std::vector<post> posts;        ///< by index into offsets
    std::vector<uint8_t> present;   ///< 0: not kept (moved on to the OCR lane)
  };
  using view_type = std::vector<std::shared_ptr<const batch>>;

  explicit recent_posts(size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Keeps `b` (its offsets above every batch added before), dropping the
  /// oldest batches beyond the budget.
  void add(std::shared_ptr<const batch> b);

  /// The batches kept now, oldest first.
  view_type view() const;

  /// The post stored at `offset` in `v`, or null.
  static const post* find(const view_type& v, uint64_t offset);

 private:
  static size_t bytes_of(const batch& b);
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::deque<std::pair<std::shared_ptr<const batch>, size_t>> batches_;  ///< with their bytes
  size_t bytes_ = 0;
};

}  // namespace sito::server
