// ingest_limiter (server/src/ingest_limiter.hpp): token buckets per tenant,
// driven with explicit time points.
#include "ingest_limiter.hpp"

#include <gtest/gtest.h>

namespace sito::server {
namespace {

using namespace std::chrono_literals;
using clock = ingest_limiter::clock;

TEST(IngestLimiter, StartsFullRefusesWithTheWaitAndRefills) {
  ingest_limiter lim({{"acme", {100.0, 50}}});
  const clock::time_point t0{};
  EXPECT_TRUE(lim.admit("acme", 50, t0).admitted) << "a bucket starts full";
  auto d = lim.admit("acme", 20, t0);
  EXPECT_FALSE(d.admitted);
  EXPECT_FALSE(d.never);
  EXPECT_EQ(d.retry_after_ms, 200u) << "20 posts at 100 posts/s";
  EXPECT_FALSE(lim.admit("acme", 20, t0 + 199ms).admitted);
  EXPECT_TRUE(lim.admit("acme", 20, t0 + 200ms).admitted);
  // Refills up to the burst, not beyond.
  EXPECT_TRUE(lim.admit("acme", 50, t0 + 10s).admitted);
  EXPECT_FALSE(lim.admit("acme", 1, t0 + 10s).admitted);
  // Larger than the burst: no wait helps.
  auto never = lim.admit("acme", 51, t0 + 20s);
  EXPECT_FALSE(never.admitted);
  EXPECT_TRUE(never.never);
  const auto counts = lim.counts();
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0].refused_batches, 4u);
  EXPECT_EQ(counts[0].refused_posts, 20u + 20u + 1u + 51u);
}

TEST(IngestLimiter, TenantsWithoutALimitAreNeverRefused) {
  ingest_limiter lim({{"acme", {1.0, 1}}});
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(lim.admit("other", 10'000).admitted);
}

TEST(IngestLimiter, LimitsFromTheConfig) {
  server_config c;
  c.max_batch_posts = 500;
  c.ingest_posts_per_second = 200;  // the default for every tenant
  c.tenants.push_back({.name = "a"});
  c.tenants.push_back({.name = "b", .ingest_posts_per_second = 10, .ingest_burst_posts = 40});
  auto limits = ingest_limiter::limits_of(c);
  ASSERT_EQ(limits.size(), 2u);
  EXPECT_EQ(limits["a"].posts_per_second, 200);
  EXPECT_EQ(limits["a"].burst_posts, 500u) << "at least one full batch";
  EXPECT_EQ(limits["b"].posts_per_second, 10);
  EXPECT_EQ(limits["b"].burst_posts, 40u);
  c.ingest_posts_per_second = 0;
  EXPECT_EQ(ingest_limiter::limits_of(c).size(), 1u) << "only b sets its own";
}

}  // namespace
}  // namespace sito::server
