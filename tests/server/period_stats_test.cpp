// Period measures (sito/server/period_stats.hpp) against an independent
// recount from the mention log (tests/support/period_reference.hpp): random
// posts, mentions and tags committed with their rollups through the store,
// restarts between batches, backfills that must not count, then random
// periods, units and time zones.
#include "sito/server/period_stats.hpp"

#include <gtest/gtest.h>

#include <random>

#include "sito/server/store.hpp"
#include "sito/server/wire_convert.hpp"
#include "support/period_reference.hpp"
#include "support/temp_dir.hpp"

namespace sito::server {
namespace {

constexpr int64_t day_s = 86400;
constexpr int64_t t2025 = 1'735'689'600;  // 2025-01-01T00:00:00Z
constexpr int64_t t2026_12 = 1'796'083'200;  // 2026-12-01T00:00:00Z

test::ref_unit ref_of(period_unit u) {
  switch (u) {
    case period_unit::hour: return test::ref_unit::hour;
    case period_unit::day: return test::ref_unit::day;
    case period_unit::week: return test::ref_unit::week;
    case period_unit::month: return test::ref_unit::month;
    case period_unit::all: return test::ref_unit::all;
  }
  return test::ref_unit::all;
}

class PeriodStats : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    db_.reset();
    store_options o;
    o.path = dir_.str();
    o.sync_writes = false;
    o.rollup_retention_ms = 0;  // the test's posts are from 2025
    auto s = store::open(o);
    ASSERT_TRUE(s.ok()) << s.error().message();
    db_ = std::move(s).value();
  }

  /// Stores random posts and mentions of them in batches as the matcher
  /// does: rollups gathered across commits and written with some of them;
  /// a restart (reopening the store) between some batches drops what was
  /// gathered and not written, as a crash would. Returns how many live
  /// mentions were committed.
  size_t fill(std::mt19937_64& rng, size_t batches, size_t per_batch) {
    const std::vector<std::string> topics = {"brand", "rival", "promo"};
    const std::vector<std::string> tags = {"Тачпоинт/Доставка", "Тачпоинт/Доставка/Опоздание", "Тачпоинт/Оплата",
                                           "NPS/Промоутер", "NPS/Пассив", "NPS/Критик", "Риск"};
    size_t live = 0;
    rollup_batch pending, pictures_rb;
    for (size_t b = 0; b < batches; ++b) {
      std::vector<post> posts;
      for (size_t i = 0; i < per_batch; ++i) {
        post p;
        p.id = "p" + std::to_string(next_id_++);
        p.source = rng() % 2 ? "vk" : "telegram";
        const int who = static_cast<int>(rng() % 90);
        if (who < 80) {
          p.author.id = "a" + std::to_string(who);
        } else if (who < 86) {
          p.author.handle = "@h" + std::to_string(who);  // no id: the handle counts
        }
        if (rng() % 5) p.author.followers = static_cast<int64_t>(rng() % 200000);
        const int when = static_cast<int>(rng() % 20);
        p.published_at = when == 0 ? 0 : when == 1 ? t2026_12 + 400 * day_s  // none, or far ahead
                                                   : t2025 + static_cast<int64_t>(rng() % (700 * day_s));
        if (rng() % 3) p.reach = static_cast<int64_t>(rng() % 50000);
        p.engagement = static_cast<int64_t>(rng() % 300) - 5;  // a few negative: counted as 0
        p.text = "x";
        posts.push_back(std::move(p));
      }
      const int64_t ingested_ms = (t2025 + static_cast<int64_t>(rng() % (690 * day_s))) * 1000;
      auto ap = db_->append_posts(posts, ingested_ms, rng() % 4 ? "acme" : "other");
      EXPECT_TRUE(ap.ok());
      if (!ap.ok()) return live;
      std::vector<mention_record> ms, backfill, pictures;
      for (size_t i = 0; i < posts.size(); ++i)
        for (const auto& t : topics) {
          if (rng() % 10 >= 4) continue;
          mention_record m;
          m.tenant = rng() % 6 ? "acme" : "other";
          m.topic = t;
          m.post_offset = ap->first_offset + i;
          m.ingested_at_ms = ingested_ms;
          m.sentiment = static_cast<uint8_t>(rng() % 3);
          m.wom = rng() % 4 == 0;
          for (const auto& tag : tags)
            if (rng() % 5 == 0) m.tags.push_back(tag);
          if (rng() % 15 == 0) {
            m.backfill = true;  // backfills are not counted
            backfill.push_back(std::move(m));
            continue;
          }
          if (rng() % 15 == 0) {
            m.from_image = true;  // found by OCR: written with its own rollups
            pictures_rb.add(m, posts[i], ingested_ms);
            pictures.push_back(std::move(m));
            continue;
          }
          ms.push_back(std::move(m));
        }
      live += ms.size() + pictures.size();
      // As the matcher: some commits carry the cells of the mentions
      // committed before them; a commit's own mentions are counted after it.
      const bool flush = rng() % 2 == 0;
      EXPECT_TRUE(db_->commit_matches(ap->first_offset + posts.size(), ms, flush ? &pending : nullptr).ok());
      if (flush) pending.clear();
      for (const auto& m : ms) pending.add(m, posts[m.post_offset - ap->first_offset], ingested_ms);
      if (!backfill.empty()) {
        EXPECT_TRUE(db_->append_mentions(backfill).ok());
      }
      if (!pictures.empty()) {
        EXPECT_TRUE(db_->append_mentions(pictures, &pictures_rb).ok());
      }
      pictures_rb.clear();
      if (rng() % 3 == 0) {
        open();  // a restart: what was gathered and not written is lost
        pending.clear();
      }
    }
    return live;
  }

  test::temp_dir dir_;
  std::unique_ptr<store> db_;
  uint64_t next_id_ = 0;
};

TEST_F(PeriodStats, EveryMeasureEqualsARecountOfTheMentionLogForRandomPeriodsZonesAndRestarts) {
  std::mt19937_64 rng(20261130);
  const size_t live = fill(rng, 24, 150);
  ASSERT_GT(live, 1000u);
  open();
  const std::vector<std::string> zones = {"UTC",           "Europe/Moscow",    "America/New_York", "Australia/Sydney",
                                          "Asia/Almaty",   "Asia/Kolkata",     "Europe/London",    "Asia/Kamchatka"};
  const std::vector<std::string> topics = {"", "brand", "rival", "promo", "nosuch"};
  const std::vector<std::string> tags = {"", "Тачпоинт", "Тачпоинт/Доставка", "NPS/Промоутер", "Риск"};
  const nps_tags nps = nps_tags_of({"Тачпоинт/Доставка", "NPS/Промоутер", "NPS/Пассив", "NPS/Критик"});
  ASSERT_EQ(nps.promoters, "NPS/Промоутер");
  ASSERT_EQ(nps.detractors, "NPS/Критик");
  const std::string nps_paths[3] = {nps.promoters, nps.passives, nps.detractors};
  size_t compared = 0, counted = 0;
  for (const std::string tenant : {"acme", "other"}) {
    const auto log = test::counted_mentions_of(*db_, tenant);
    for (int k = 0; k < 30; ++k) {
      period_query q;
      q.tenant = tenant;
      q.time_zone = zones[rng() % zones.size()];
      q.by = static_cast<period_unit>(rng() % 5);
      q.topic = topics[rng() % topics.size()];
      if (!q.topic.empty() && rng() % 2) q.tag = tags[rng() % tags.size()];
      if (!q.topic.empty() && q.tag.empty()) q.nps = nps;
      if (!q.topic.empty() && rng() % 3 == 0) q.among = {"brand", "rival"};
      const int64_t span_s = q.by == period_unit::hour ? static_cast<int64_t>(rng() % (6 * day_s)) + 3600
                                                       : static_cast<int64_t>(rng() % (720 * day_s)) + day_s;
      q.from_ms = (t2025 - 10 * day_s + static_cast<int64_t>(rng() % (720 * day_s))) * 1000 +
                  static_cast<int64_t>(rng() % 2) * static_cast<int64_t>(rng() % 3'600'000);  // sometimes mid-hour
      q.to_ms = q.from_ms + span_s * 1000;
      auto got = query_periods(*db_, q);
      ASSERT_TRUE(got.ok()) << got.error().message();
      test::period_reference ref(q.time_zone);
      const auto want = ref.rows(log, q.topic, q.tag, q.from_ms, q.to_ms, ref_of(q.by),
                                 q.topic.empty() || !q.tag.empty() ? nullptr : nps_paths, q.among);
      test::expect_same_rows(*got, want,
                  tenant + " " + q.topic + "/" + q.tag + " by " + to_string(q.by) + " in " + q.time_zone);
      ++compared;
      for (const auto& r : want) counted += r.mentions;
    }
  }
  EXPECT_EQ(compared, 60u);
  EXPECT_GT(counted, 1000u) << "the random periods saw too few mentions to prove anything";
}

TEST_F(PeriodStats, BucketsFollowTheZonesCalendarAndSayItsOffset) {
  period_query q;
  q.tenant = "acme";
  q.time_zone = "America/New_York";
  q.by = period_unit::day;
  // 2026-03-07 .. 2026-03-10 local: the clocks go forward on 2026-03-08.
  q.from_ms = *parse_time("2026-03-07", q.time_zone, 0);
  q.to_ms = *parse_time("2026-03-10", q.time_zone, 0);
  auto rows = query_periods(*db_, q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].from, "2026-03-07T00:00:00-05:00");
  EXPECT_EQ((*rows)[1].from, "2026-03-08T00:00:00-05:00");
  EXPECT_EQ((*rows)[2].from, "2026-03-09T00:00:00-04:00");
  EXPECT_EQ((*rows)[1].to_ms - (*rows)[1].from_ms, 23 * 3'600'000);
  q.time_zone = "Europe/Moscow";
  q.by = period_unit::week;
  q.from_ms = *parse_time("2026-11-01", q.time_zone, 0);  // a Sunday
  q.to_ms = *parse_time("2026-11-17T12:00", q.time_zone, 0);
  rows = query_periods(*db_, q);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].from, "2026-11-01T00:00:00+03:00");  // clipped to from
  EXPECT_EQ((*rows)[1].from, "2026-11-02T00:00:00+03:00");  // ISO weeks start on Monday
  EXPECT_EQ((*rows)[3].to, "2026-11-17T12:00:00+03:00");
  EXPECT_EQ((*rows)[0].to, "2026-11-02T00:00:00+03:00");
  // Kazakhstan moved to UTC+5 in 2024 (the system's zoneinfo knows).
  EXPECT_EQ(*parse_time("2026-11-30", "Asia/Almaty", 0), 1'795'978'800'000);
}

TEST(ParseTime, AcceptsTheDocumentedFormsAndNamesWhatIsWrong) {
  const int64_t now = 1'795'996'800'000;  // 2026-11-30T00:00:00Z
  EXPECT_EQ(*parse_time("now", "UTC", now), now);
  EXPECT_EQ(*parse_time("-7d", "UTC", now), now - 7 * 86'400'000);
  EXPECT_EQ(*parse_time("-12h", "UTC", now), now - 12 * 3'600'000);
  EXPECT_EQ(*parse_time("-2w", "UTC", now), now - 14 * 86'400'000);
  EXPECT_EQ(*parse_time("1795996800", "UTC", now), now);
  EXPECT_EQ(*parse_time("2026-11-30", "Europe/Moscow", now), now - 3 * 3'600'000);
  EXPECT_EQ(*parse_time("2026-11-30T03:00", "Europe/Moscow", now), now);
  EXPECT_EQ(*parse_time("2026-11-30T03:00:00+03:00", "UTC", now), now);
  EXPECT_EQ(*parse_time("2026-11-30T00:00:00Z", "Asia/Tokyo", now), now);
  for (const char* bad : {"", "yesterday", "-7x", "2026-13-01", "2026-02-30", "2026-11-30T25:00", "2026-11-30T10:00+3",
                          "2026-11-30Z", "2026/11/30", "-", "99999999999999999999"}) {
    auto t = parse_time(bad, "UTC", now);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_NE(t.error().message().find("expected"), std::string::npos) << t.error().message();
  }
  EXPECT_FALSE(parse_time("2026-11-30", "Mars/Olympus", now).ok());
  EXPECT_TRUE(check_time_zone("Asia/Almaty").ok());
  EXPECT_FALSE(check_time_zone("Europe/Atlantis").ok());
}

TEST_F(PeriodStats, ABadQueryIsAnErrorThatSaysWhy) {
  period_query q;
  q.tenant = "acme";
  q.from_ms = 10;
  q.to_ms = 10;
  EXPECT_NE(query_periods(*db_, q).error().message().find("empty"), std::string::npos);
  q.to_ms = 20;
  q.tag = "Риск";
  EXPECT_NE(query_periods(*db_, q).error().message().find("topic"), std::string::npos);
  q.tag.clear();
  q.by = period_unit::hour;
  q.from_ms = 0;
  q.to_ms = int64_t{20} * 365 * 86'400'000;
  EXPECT_NE(query_periods(*db_, q).error().message().find("buckets"), std::string::npos);
}

}  // namespace
}  // namespace sito::server
