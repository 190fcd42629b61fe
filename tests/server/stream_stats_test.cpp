// Rolling aggregates and spike detection over a synthetic mention stream.
#include "sito/server/stream_stats.hpp"

#include <gtest/gtest.h>

namespace sito::server {
namespace {

using rules::sentiment;
constexpr int64_t minute = 60'000;
constexpr int64_t t0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z, a minute boundary

/// `n` mentions spread evenly over minute `m` (from t0) of `topic`.
std::vector<stream_alert> feed(stream_stats& s, int m, int n, const std::string& topic = "brand",
                              std::vector<std::string> tags = {}, sentiment mood = sentiment::neutral) {
  std::vector<stream_alert> all;
  for (int i = 0; i < n; ++i) {
    auto a = s.record("acme", topic, tags, mood, t0 + m * minute + i * (minute / (n + 1)));
    all.insert(all.end(), a.begin(), a.end());
  }
  return all;
}

TEST(SpikeDetection, ABurstAlertsWithinItsMinuteAndOnlyOnce) {
  stream_stats s;  // z 4, ratio 3, min 10, warm-up 3 minutes, cooldown 10 minutes
  for (int m = 0; m < 30; ++m) EXPECT_TRUE(feed(s, m, 5 + m % 3).empty()) << "steady traffic, minute " << m;
  // The "8 March" moment: 60 mentions in minute 30.
  std::vector<stream_alert> raised;
  int fired_at = -1;
  for (int i = 0; i < 60; ++i) {
    auto a = s.record("acme", "brand", {}, sentiment::negative, t0 + 30 * minute + i * 500);
    if (!a.empty() && fired_at < 0) fired_at = i;
    raised.insert(raised.end(), a.begin(), a.end());
  }
  ASSERT_EQ(raised.size(), 1u) << "one alert per key per cooldown";
  const stream_alert& a = raised[0];
  EXPECT_EQ(a.topic, "brand");
  EXPECT_TRUE(a.tag.empty());
  EXPECT_NEAR(a.baseline, 6, 1.0);
  EXPECT_GE(static_cast<double>(a.count), a.threshold);
  // It fires on the mention that crosses the threshold, seconds into the minute.
  EXPECT_EQ(fired_at + 1, static_cast<int>(a.count));
  EXPECT_LT(a.at_ms - (t0 + 30 * minute), 30'000);
  EXPECT_EQ(s.recent_alerts("acme").size(), 1u);
  // Within the cooldown another burst stays quiet; after it, it alerts again.
  EXPECT_TRUE(feed(s, 35, 60).empty());
  EXPECT_EQ(feed(s, 45, 200).size(), 1u);
}

TEST(SpikeDetection, NoAlertDuringWarmUpOrBelowTheMinimum) {
  stream_stats s;
  EXPECT_TRUE(feed(s, 0, 50).empty()) << "a new topic has no baseline yet";
  stream_stats quiet;
  for (int m = 0; m < 10; ++m) feed(quiet, m, 1);
  EXPECT_TRUE(feed(quiet, 10, 9).empty()) << "below min_count";
}

TEST(SpikeDetection, TagsAreTheirOwnKeys) {
  stream_stats s;
  for (int m = 0; m < 10; ++m) {
    feed(s, m, 20, "brand", {});                       // busy topic
    feed(s, m, 1, "brand", {"Тачпоинт/Доставка"});     // quiet tag (also counts for the topic)
  }
  auto a = feed(s, 10, 25, "brand", {"Тачпоинт/Доставка"});
  ASSERT_FALSE(a.empty());
  bool tag_alert = false;
  for (const auto& x : a) tag_alert = tag_alert || x.tag == "Тачпоинт/Доставка";
  EXPECT_TRUE(tag_alert);
}

TEST(RollingCounters, WindowsLoyaltyAndShareOfVoice) {
  stream_stats s;
  feed(s, 0, 3, "brand", {"NPS/Критик"}, sentiment::negative);
  feed(s, 0, 1, "brand", {}, sentiment::positive);
  feed(s, 31, 4, "brand", {}, sentiment::positive);
  feed(s, 30, 2, "rival", {}, sentiment::neutral);
  feed(s, 90, 1, "brand", {}, sentiment::neutral);  // the next hour
  auto rows = s.summary("acme", t0 + 90 * minute + 1000);
  ASSERT_EQ(rows.size(), 3u);  // brand, rival, then the tag row
  const auto& brand = rows[0];
  EXPECT_EQ(brand.topic, "brand");
  EXPECT_EQ(brand.minute.total(), 1u);
  EXPECT_EQ(brand.hour.positive, 4u);  // minutes 31..90
  EXPECT_EQ(brand.hour.total(), 5u);
  EXPECT_EQ(brand.day.total(), 9u);
  EXPECT_DOUBLE_EQ(brand.day.loyalty(), (5.0 - 3.0) / 8.0);
  EXPECT_DOUBLE_EQ(brand.share_of_voice_day, 9.0 / 11.0);
  EXPECT_DOUBLE_EQ(rows[1].share_of_voice_day, 2.0 / 11.0);
  EXPECT_EQ(rows[2].tag, "NPS/Критик");
  EXPECT_EQ(rows[2].day.negative, 3u);
  EXPECT_EQ(rows[2].hour.total(), 0u);
  // A day later everything has rolled out.
  auto later = s.summary("acme", t0 + 26 * 60 * minute);
  EXPECT_EQ(later[0].day.total(), 0u);
  EXPECT_TRUE(s.summary("other", t0).empty()) << "tenants are separate";
}

}  // namespace
}  // namespace sito::server
