// Private: per-tenant ingest rate limits (limits.ingest_posts_per_second,
// tenants[].ingest_posts_per_second / ingest_burst_posts).
//
// One token bucket per limited tenant, shared by all its connections: it
// holds up to `burst` posts and refills at `rate` posts per second. A
// PublishBatch takes as many tokens as it has valid posts, all or none; a
// batch the bucket cannot cover yet is refused whole with Overloaded and the
// time after which it would pass (explicit backpressure: nothing of it is
// stored, the producer sends it again then; the C++ client does so by
// itself). A batch larger than the burst could never pass and is an
// InvalidArgument. Tenants without a limit are never looked up.
//
// Thread-safety: admit() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "sito/server/config.hpp"

namespace sito::server {

class ingest_limiter {
 public:
  using clock = std::chrono::steady_clock;

  struct limit {
    double posts_per_second = 0;  ///< 0: unlimited
    uint32_t burst_posts = 0;
  };
  /// The limit of each tenant of `config` (its own, else the limits default).
  static std::map<std::string, limit> limits_of(const server_config& config);

  ingest_limiter() = default;  ///< no tenant limited
  explicit ingest_limiter(const std::map<std::string, limit>& limits);
  /// Replaces the limits (a config reload): a tenant whose limit is the
  /// same keeps its bucket, the others start full.
  void set_limits(const std::map<std::string, limit>& limits);

  struct decision {
    bool admitted = true;
    bool never = false;           ///< posts > burst: no wait helps
    uint32_t retry_after_ms = 0;  ///< when refused: the wait until it would pass
    limit applied;
  };
  /// Takes `posts` tokens from `tenant`'s bucket at `now`, or says when it
  /// could.
  decision admit(const std::string& tenant, uint32_t posts, clock::time_point now = clock::now());

  struct tenant_counts {
    std::string tenant;
    uint64_t refused_batches = 0, refused_posts = 0;
  };
  /// The refusals so far, by limited tenant (for /metrics).
  std::vector<tenant_counts> counts() const;

 private:
  struct bucket {
    limit lim;
    double tokens = 0;
    clock::time_point last{};
    bool started = false;
    uint64_t refused_batches = 0, refused_posts = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, bucket> buckets_;  ///< limited tenants only
};

}  // namespace sito::server
