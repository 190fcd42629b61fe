// File: sito/server/period_stats.hpp
//
// The numbers analysts report (issue 17), over any period, from the hourly
// rollups (sito/server/rollups.hpp) — never by rescanning the mention log:
//
//   period_query q;
//   q.tenant = "acme"; q.topic = "brand"; q.by = period_unit::week;
//   q.time_zone = "Europe/Moscow";
//   q.from_ms = *parse_time("2026-01-01", q.time_zone, now);
//   q.to_ms = *parse_time("now", q.time_zone, now);
//   for (const period_row& r : *query_periods(*db, q)) print(to_json(r));
//
// Hours: the rollups are hourly, so a period counts every cell whose UTC
// hour overlaps [from, to): from and to are in effect widened to whole
// hours. Buckets: calendar hours, days, ISO weeks (Monday to Sunday) or months of
// the tenant's time zone (the system's zoneinfo, daylight saving included),
// clipped to [from, to); `all` is one bucket for the whole range. A mention
// belongs to the bucket that holds its cell's hour (rollups.hpp: the post's
// published_at). Cells are UTC hours, so in a zone whose offset is not a
// whole number of hours (Asia/Kolkata, +05:30) a bucket's edge is rounded
// down to the UTC hour that contains it: up to 59 minutes of mentions land
// in the neighbouring bucket. The reported `from`/`to` are the calendar's.
//
// Measures of a row (the JSON names of `sito stats`):
//   mentions, negative, neutral, positive
//   loyalty          (positive − negative) / (positive + negative); 0 without polar mentions
//   authors          distinct authors (exact up to author_set::exact_capacity per
//                    period, else HyperLogLog: ±1.6%)
//   audience         sum of followers over distinct authors, each once, latest count
//                    (exact likewise, else an unbiased priority-sampling estimate)
//   reach            sum of reach, the author's followers when a post has none
//   engagement, er   engagement sum, er = engagement / reach (0 without reach)
//   wom, wom_share   mentions with the WOM flag, and their share of mentions
//   nps              topic rows of a topic with NPS tags (below), else null:
//                    (promoters − detractors) / (promoters + passives + detractors),
//                    0 when none of the three occurred
//   share_of_voice   topic rows: the topic's mentions over the mentions of the
//                    tenant's topics (or of the topics in `among`), else null
// NPS convention: the topic's tags `NPS/Промоутер`, `NPS/Пассив` (or
// `NPS/Нейтрал`) and `NPS/Критик` (or `NPS/Promoter`, `NPS/Passive`,
// `NPS/Detractor`); a topic names others in its definition (topic_spec::nps,
// `nps: {promoters: PATH, passives: PATH, detractors: PATH}` in a topics file). Each mention counts
// once in each of the three it carries.
// Only live mentions count: backfills are not in the rollups, and mentions
// that rules dropped never exist.
//
// Thread-safety: pure functions over a thread-safe store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/server/rollups.hpp"
#include "sito/server/store.hpp"

namespace sito::server {

enum class period_unit : uint8_t {
  hour,   ///< calendar hours of the zone
  day,    ///< calendar days
  week,   ///< ISO weeks, Monday 00:00 to Monday 00:00
  month,  ///< calendar months
  all,    ///< one bucket: [from, to)
};
/// "hour", "day", "week", "month", "all"; nullopt for anything else.
std::optional<period_unit> parse_period_unit(std::string_view text);
const char* to_string(period_unit u);

/// The tag paths a topic's NPS counts (no promoter and no detractor path:
/// no NPS for the topic).
struct nps_tags {
  std::string promoters, passives, detractors;
  bool empty() const { return promoters.empty() && detractors.empty(); }
};
/// The convention's paths among `tag_paths` (a topic's tags and the tags its
/// rules add): see the top of the file.
nps_tags nps_tags_of(const std::vector<std::string>& tag_paths);

/// ok when `zone` is an IANA time zone the system's zoneinfo knows ("Europe/Moscow", "UTC");
/// the error names it.
status check_time_zone(const std::string& zone);

/// A point in time: "now", "-7d" / "-12h" / "-2w" (before now), Unix seconds
/// (digits), "YYYY-MM-DD" (midnight in `zone`), "YYYY-MM-DDTHH:MM[:SS]"
/// (in `zone`) with an optional "Z" or "+HH:MM"/"-HH:MM" (then absolute).
/// The error says what was expected.
result<int64_t> parse_time(std::string_view text, const std::string& zone, int64_t now_ms);

struct period_query {
  std::string tenant;
  std::string topic;  ///< empty: the tenant's total over its topics
  std::string tag;    ///< empty: the topic as a whole; else the tag's subtree
  int64_t from_ms = 0, to_ms = 0;
  period_unit by = period_unit::day;
  std::string time_zone = "UTC";
  /// Share of voice among these topics (empty: all the tenant's topics).
  std::vector<std::string> among;
  nps_tags nps;  ///< the topic's (nps_tags_of); empty: nps is null
};

struct period_row {
  int64_t from_ms = 0, to_ms = 0;
  std::string from, to;  ///< ISO 8601 in the zone: "2026-11-30T00:00:00+03:00"
  std::string topic, tag;
  uint64_t mentions = 0, negative = 0, neutral = 0, positive = 0;
  double loyalty = 0;
  uint64_t authors = 0, audience = 0;
  int64_t reach = 0, engagement = 0;
  double er = 0;
  uint64_t wom = 0;
  double wom_share = 0;
  std::optional<double> nps;
  std::optional<double> share_of_voice;
  bool estimated = false;  ///< authors/audience are estimates (not printed by `sito stats`)
};

/// The measures per bucket (see the top of the file). At most 100 000
/// buckets (a year of hours is 8 760): a longer series is an error.
result<std::vector<period_row>> query_periods(const store& db, const period_query& q);

/// The measures of a merged cell (mentions … wom_share; not nps, share of voice).
void fill_measures(const rollup_cell& c, period_row& r);

}  // namespace sito::server
