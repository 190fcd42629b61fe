// An independent recount of the period measures of
// sito/server/period_stats.hpp, from a plain list of mentions and their
// posts: buckets from the C library's localtime_r/mktime over the system
// zoneinfo (TZ set per query; sitod uses date/tz.h), every measure counted
// the obvious way, authors exactly. For the differential tests only.
#pragma once

#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sito/model/post.hpp"

namespace sito::test {

struct counted_mention {
  std::string topic;
  std::vector<std::string> tags;
  uint8_t sentiment = 0;  ///< as the wire's Sentiment: 0 neutral, 1 negative, 2 positive
  bool wom = false;
  post p;
  int64_t ingested_at_ms = 0;
};

struct reference_row {
  int64_t from_ms = 0, to_ms = 0;
  uint64_t mentions = 0, negative = 0, neutral = 0, positive = 0;
  double loyalty = 0;
  uint64_t authors = 0, audience = 0;
  int64_t reach = 0, engagement = 0;
  double er = 0;
  uint64_t wom = 0;
  double wom_share = 0;
  std::optional<double> nps;
  std::optional<double> share_of_voice;
};

/// hour, day, week, month, all
enum class ref_unit { hour, day, week, month, all };

class period_reference {
 public:
  /// Sets TZ for the object's life (not thread-safe: tests only).
  explicit period_reference(const std::string& zone) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", zone.c_str(), 1);
    tzset();
  }
  ~period_reference() {
    if (old_) setenv("TZ", old_->c_str(), 1);
    else unsetenv("TZ");
    tzset();
  }

  /// Bucket starts: `from`, then every calendar boundary before `to`.
  std::vector<int64_t> starts(int64_t from_ms, int64_t to_ms, ref_unit u) const {
    std::vector<int64_t> out{from_ms};
    if (u == ref_unit::all) return out;
    int64_t b = floor_local(from_ms, u);
    for (;;) {
      b = next_local(b, u);
      if (b >= to_ms) break;
      if (b > out.back()) out.push_back(b);
    }
    return out;
  }

  /// The rows of (topic, tag) over [from, to) by `u`; topic "" is the total
  /// over all topics. `nps_paths`: promoter, passive, detractor tag paths
  /// (empty strings: no NPS). `among`: share of voice among these topics.
  std::vector<reference_row> rows(const std::vector<counted_mention>& ms, const std::string& topic,
                                  const std::string& tag, int64_t from_ms, int64_t to_ms, ref_unit u,
                                  const std::string* nps_paths, const std::vector<std::string>& among) const {
    const std::vector<int64_t> s = starts(from_ms, to_ms, u);
    struct acc {
      uint64_t n = 0, neg = 0, neu = 0, pos = 0, wom = 0, voice = 0, nps[3] = {0, 0, 0};
      int64_t reach = 0, engagement = 0;
      std::map<std::string, std::pair<int64_t, int64_t>> authors;  // key → (seen, followers)
    };
    std::vector<acc> a(s.size());
    for (const auto& m : ms) {
      const int64_t ingested_s = m.ingested_at_ms / 1000;
      const int64_t at_s =
          (m.p.published_at > 0 && m.p.published_at <= ingested_s + 86400) ? m.p.published_at : ingested_s;
      const int64_t cell_ms = (at_s / 3600) * 3'600'000;  // posts in these tests are after 1970
      if (cell_ms + 3'600'000 <= from_ms || cell_ms >= to_ms) continue;
      const int64_t at = std::max(cell_ms, from_ms);
      size_t i = 0;
      while (i + 1 < s.size() && s[i + 1] <= at) ++i;
      acc& x = a[i];
      const bool in_group = among.empty() || std::find(among.begin(), among.end(), m.topic) != among.end();
      if (in_group) ++x.voice;
      if (!topic.empty() && m.topic != topic) continue;
      if (!tag.empty() && !has_tag(m, tag)) continue;
      if (nps_paths)
        for (int k = 0; k < 3; ++k)
          if (!nps_paths[k].empty() && has_tag(m, nps_paths[k])) ++x.nps[k];
      ++x.n;
      (m.sentiment == 1 ? x.neg : m.sentiment == 2 ? x.pos : x.neu)++;  // the wire's Neutral = 0, Negative = 1
      x.wom += m.wom;
      const int64_t followers = m.p.author.followers.value_or(0);
      x.reach += m.p.reach > 0 ? m.p.reach : std::max<int64_t>(0, followers);
      x.engagement += std::max<int64_t>(0, m.p.engagement);
      const std::string who = !m.p.author.id.empty() ? m.p.author.id : m.p.author.handle;
      if (!who.empty()) {
        auto [it, fresh] = x.authors.try_emplace(m.p.source + "\x1f" + who, m.p.published_at, followers);
        if (!fresh && (m.p.published_at > it->second.first ||
                       (m.p.published_at == it->second.first && followers > it->second.second)))
          it->second = {m.p.published_at, followers};
      }
    }
    std::vector<reference_row> out(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      const acc& x = a[i];
      reference_row& r = out[i];
      r.from_ms = s[i];
      r.to_ms = i + 1 < s.size() ? s[i + 1] : to_ms;
      r.mentions = x.n;
      r.negative = x.neg;
      r.neutral = x.neu;
      r.positive = x.pos;
      r.loyalty = x.pos + x.neg == 0 ? 0 : (double(x.pos) - double(x.neg)) / double(x.pos + x.neg);
      r.authors = x.authors.size();
      for (const auto& [k, v] : x.authors) r.audience += static_cast<uint64_t>(std::max<int64_t>(0, v.second));
      r.reach = x.reach;
      r.engagement = x.engagement;
      r.er = x.reach == 0 ? 0 : double(x.engagement) / double(x.reach);
      r.wom = x.wom;
      r.wom_share = x.n == 0 ? 0 : double(x.wom) / double(x.n);
      if (nps_paths && !(nps_paths[0].empty() && nps_paths[2].empty())) {
        const double p = double(x.nps[0]), pa = double(x.nps[1]), d = double(x.nps[2]);
        r.nps = p + pa + d == 0 ? 0 : (p - d) / (p + pa + d);
      }
      if (!topic.empty() && tag.empty()) r.share_of_voice = x.voice == 0 ? 0 : double(x.n) / double(x.voice);
    }
    return out;
  }

 private:
  static bool has_tag(const counted_mention& m, const std::string& tag) {
    for (const auto& t : m.tags)
      if (t == tag || (t.size() > tag.size() && t.compare(0, tag.size(), tag) == 0 && t[tag.size()] == '/'))
        return true;
    return false;
  }

  static int64_t floor_local(int64_t ms, ref_unit u) {
    const time_t t = static_cast<time_t>(ms / 1000);
    struct tm lt {};
    localtime_r(&t, &lt);
    if (u == ref_unit::hour) {
      const int64_t local_s = static_cast<int64_t>(t) + lt.tm_gmtoff;
      return (static_cast<int64_t>(t) - (((local_s % 3600) + 3600) % 3600)) * 1000;
    }
    lt.tm_sec = lt.tm_min = lt.tm_hour = 0;
    if (u == ref_unit::week) lt.tm_mday -= (lt.tm_wday + 6) % 7;  // back to Monday
    if (u == ref_unit::month) lt.tm_mday = 1;
    lt.tm_isdst = -1;
    return static_cast<int64_t>(mktime(&lt)) * 1000;
  }

  static int64_t next_local(int64_t start_ms, ref_unit u) {
    if (u == ref_unit::hour) return start_ms + 3'600'000;
    const time_t t = static_cast<time_t>(start_ms / 1000);
    struct tm lt {};
    localtime_r(&t, &lt);
    lt.tm_sec = lt.tm_min = lt.tm_hour = 0;
    if (u == ref_unit::day) lt.tm_mday += 1;
    if (u == ref_unit::week) lt.tm_mday += 7;
    if (u == ref_unit::month) {
      lt.tm_mday = 1;
      lt.tm_mon += 1;
    }
    lt.tm_isdst = -1;
    return static_cast<int64_t>(mktime(&lt)) * 1000;
  }

  std::optional<std::string> old_;
};

}  // namespace sito::test

#include <gtest/gtest.h>

#include "sito/server/period_stats.hpp"
#include "sito/server/store.hpp"

namespace sito::test {

/// The live mentions of `tenant` in the store's mention log, with their posts.
inline std::vector<counted_mention> counted_mentions_of(const server::store& db, const std::string& tenant) {
  std::vector<server::mention_record> ms;
  EXPECT_TRUE(db.read_mentions(tenant, 0, SIZE_MAX, ms).ok());
  std::vector<counted_mention> out;
  for (const auto& m : ms) {
    if (m.backfill) continue;
    auto sp = db.read_post(m.post_offset);
    EXPECT_TRUE(sp.ok()) << "post " << m.post_offset;
    if (sp.ok()) out.push_back({m.topic, m.tags, m.sentiment, m.wom, sp->p, sp->ingested_at_ms});
  }
  return out;
}

/// Each measure of `got` equals the recount `want` (authors exactly). `Row`:
/// server::period_row (query_periods) or client::period_row (over the wire).
template <typename Row>
void expect_same_rows(const std::vector<Row>& got, const std::vector<reference_row>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& g = got[i];
    const auto& w = want[i];
    const std::string where = what + " bucket " + std::to_string(i) + " " + g.from;
    EXPECT_EQ(g.from_ms, w.from_ms) << where;
    EXPECT_EQ(g.to_ms, w.to_ms) << where;
    EXPECT_EQ(g.mentions, w.mentions) << where;
    EXPECT_EQ(g.negative, w.negative) << where;
    EXPECT_EQ(g.neutral, w.neutral) << where;
    EXPECT_EQ(g.positive, w.positive) << where;
    EXPECT_NEAR(g.loyalty, w.loyalty, 1e-12) << where;
    EXPECT_FALSE(g.estimated) << where;
    EXPECT_EQ(g.authors, w.authors) << where;
    EXPECT_EQ(g.audience, w.audience) << where;
    EXPECT_EQ(g.reach, w.reach) << where;
    EXPECT_EQ(g.engagement, w.engagement) << where;
    EXPECT_NEAR(g.er, w.er, 1e-12) << where;
    EXPECT_EQ(g.wom, w.wom) << where;
    EXPECT_NEAR(g.wom_share, w.wom_share, 1e-12) << where;
    ASSERT_EQ(g.nps.has_value(), w.nps.has_value()) << where;
    if (g.nps) {
      EXPECT_NEAR(*g.nps, *w.nps, 1e-12) << where;
    }
    ASSERT_EQ(g.share_of_voice.has_value(), w.share_of_voice.has_value()) << where;
    if (g.share_of_voice) {
      EXPECT_NEAR(*g.share_of_voice, *w.share_of_voice, 1e-12) << where;
    }
  }
}

}  // namespace sito::test
