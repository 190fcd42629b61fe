#include "ingest_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace sito::server {

std::map<std::string, ingest_limiter::limit> ingest_limiter::limits_of(const server_config& config) {
  std::map<std::string, limit> out;
  for (const tenant_config& t : config.tenants) {
    const uint32_t rate = t.ingest_posts_per_second ? t.ingest_posts_per_second : config.ingest_posts_per_second;
    if (rate == 0) continue;
    // Default burst: one second of posts, and at least one full batch.
    const uint32_t burst = t.ingest_burst_posts ? t.ingest_burst_posts : std::max(rate, config.max_batch_posts);
    out[t.name] = {static_cast<double>(rate), burst};
  }
  return out;
}

ingest_limiter::ingest_limiter(const std::map<std::string, limit>& limits) {
  for (const auto& [tenant, lim] : limits) buckets_[tenant].lim = lim;
}

void ingest_limiter::set_limits(const std::map<std::string, limit>& limits) {
  std::lock_guard lock(mutex_);
  std::map<std::string, bucket> next;
  for (const auto& [tenant, lim] : limits) {
    auto it = buckets_.find(tenant);
    if (it != buckets_.end() && it->second.lim.posts_per_second == lim.posts_per_second &&
        it->second.lim.burst_posts == lim.burst_posts)
      next[tenant] = it->second;
    else
      next[tenant].lim = lim;
  }
  buckets_ = std::move(next);
}

ingest_limiter::decision ingest_limiter::admit(const std::string& tenant, uint32_t posts, clock::time_point now) {
  decision d;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(tenant);
  if (it == buckets_.end() || posts == 0) return d;
  bucket& b = it->second;
  d.applied = b.lim;
  if (!b.started) {  // a bucket starts full
    b.started = true;
    b.tokens = b.lim.burst_posts;
    b.last = now;
  }
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min<double>(b.lim.burst_posts, b.tokens + elapsed * b.lim.posts_per_second);
    b.last = now;
  }
  if (posts <= b.tokens) {
    b.tokens -= posts;
    return d;
  }
  d.admitted = false;
  ++b.refused_batches;
  b.refused_posts += posts;
  if (posts > b.lim.burst_posts) {
    d.never = true;
    return d;
  }
  const double wait_s = (posts - b.tokens) / b.lim.posts_per_second;
  d.retry_after_ms = static_cast<uint32_t>(std::max(1.0, std::ceil(wait_s * 1000.0)));
  return d;
}

std::vector<ingest_limiter::tenant_counts> ingest_limiter::counts() const {
  std::lock_guard lock(mutex_);
  std::vector<tenant_counts> out;
  for (const auto& [tenant, b] : buckets_) out.push_back({tenant, b.refused_batches, b.refused_posts});
  return out;
}

}  // namespace sito::server
