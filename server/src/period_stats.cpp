// File: server/src/period_stats.cpp
//
// Period measures from the hourly rollups (sito/server/period_stats.hpp).
// Calendars come from date/tz.h over the system's zoneinfo (Debian's tzdata,
// kept current; ICU's built-in copy in bookworm is 2022e, which predates
// Kazakhstan's move to UTC+5 in 2024); the tests check them against the C
// library's localtime_r/mktime.
#include "sito/server/period_stats.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <map>
#include <memory>

namespace sito::server {
namespace {

constexpr int64_t hour_ms = 3'600'000;
constexpr size_t max_buckets = 100'000;

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/// A calendar in one zone, from the system's zoneinfo (date/tz.h).
class zone_calendar {
 public:
  static result<zone_calendar> make(const std::string& zone) {
    zone_calendar z;
    try {
      if (zone.empty()) throw std::runtime_error("empty");
      z.tz_ = date::locate_zone(zone);
    } catch (const std::exception&) {
      return invalid_argument("unknown time zone '" + zone + "' (expected an IANA name such as Europe/Moscow or UTC)");
    }
    return z;
  }

  /// The start of the bucket of unit `u` that holds `ms`.
  int64_t floor(int64_t ms, period_unit u) const {
    const auto local = tz_->to_local(sys_ms(ms));
    const date::local_days day = date::floor<date::days>(local);
    switch (u) {
      case period_unit::hour: {
        // The same instant less its local minutes: no ambiguity when clocks go back.
        const int64_t in_hour = local.time_since_epoch().count() % hour_ms;
        return ms - (in_hour < 0 ? in_hour + hour_ms : in_hour);
      }
      case period_unit::day: return to_ms(day);
      case period_unit::week: return to_ms(day - date::days{date::weekday(day).iso_encoding() - 1});
      case period_unit::month: {
        const date::year_month_day ymd(day);
        return to_ms(date::local_days(ymd.year() / ymd.month() / 1));
      }
      case period_unit::all: return ms;
    }
    return ms;
  }

  /// The start of the bucket after the one that starts at `start`.
  int64_t next(int64_t start, period_unit u) const {
    const auto local = tz_->to_local(sys_ms(start));
    const date::local_days day = date::floor<date::days>(local);
    int64_t out = start;
    switch (u) {
      case period_unit::hour: out = start + hour_ms; break;  // an hour later, whatever the clocks say
      case period_unit::day: out = to_ms(day + date::days{1}); break;
      case period_unit::week: out = to_ms(day + date::days{7}); break;
      case period_unit::month: {
        const date::year_month_day ymd(day);
        out = to_ms(date::local_days((ymd.year() / ymd.month() + date::months{1}) / 1));
        break;
      }
      case period_unit::all: return INT64_MAX;
    }
    return out > start ? out : start + hour_ms;  // never stuck (a zone's odd transition)
  }

  /// Local wall-clock fields to UTC milliseconds (strict: 2026-02-30 is an error).
  result<int64_t> from_local(int y, int mo, int d, int h, int mi, int s) const {
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)}, date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return invalid_argument("no such local time");
    return to_ms(date::local_days(ymd) + std::chrono::hours{h} + std::chrono::minutes{mi} + std::chrono::seconds{s});
  }

  /// ISO 8601 with the zone's offset at `ms`.
  std::string iso(int64_t ms) const {
    const auto t = sys_ms(ms);
    const auto info = tz_->get_info(t);
    const auto local = date::floor<std::chrono::seconds>(tz_->to_local(t));
    const date::local_days day = date::floor<date::days>(local);
    const date::year_month_day ymd(day);
    const date::hh_mm_ss<std::chrono::seconds> tod(local - day);
    const auto offset_min = static_cast<int>(info.offset.count() / 60);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                  static_cast<int>(tod.seconds().count()), offset_min < 0 ? '-' : '+', std::abs(offset_min) / 60,
                  std::abs(offset_min) % 60);
    return buf;
  }

 private:
  static date::sys_time<std::chrono::milliseconds> sys_ms(int64_t ms) {
    return date::sys_time<std::chrono::milliseconds>{std::chrono::milliseconds{ms}};
  }
  /// A local time to UTC; a local time that does not exist (clocks moved
  /// forward over it) maps to the moment the clocks moved, an ambiguous one
  /// to its first occurrence.
  template <class Duration>
  int64_t to_ms(date::local_time<Duration> local) const {
    const auto t = tz_->to_sys(date::floor<std::chrono::milliseconds>(local), date::choose::earliest);
    return t.time_since_epoch().count();
  }
  const date::time_zone* tz_ = nullptr;
};

/// Reads `digits` decimal digits at `s[pos]`.
bool digits_at(std::string_view s, size_t pos, size_t digits, int& out) {
  if (pos + digits > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + digits; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

/// Calls fn(bucket, cell) for each cell of row `prefix` over
/// [first_hour, end_hour): the bucket that holds the cell's hour.
template <class Fn>
status for_each_bucket_cell(const store& db, const std::string& prefix, int64_t first_hour, int64_t end_hour,
                            const std::vector<int64_t>& starts, int64_t from_ms, Fn&& fn) {
  return db.read_rollups(prefix, first_hour, end_hour, [&](int64_t hour, const rollup_cell& cell) {
    const int64_t at = std::max(hour * hour_ms, from_ms);
    const size_t i = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), at) - starts.begin());
    fn(i == 0 ? 0 : i - 1, cell);
  });
}

}  // namespace

std::optional<period_unit> parse_period_unit(std::string_view t) {
  if (t == "hour") return period_unit::hour;
  if (t == "day") return period_unit::day;
  if (t == "week") return period_unit::week;
  if (t == "month") return period_unit::month;
  if (t == "all") return period_unit::all;
  return std::nullopt;
}

const char* to_string(period_unit u) {
  switch (u) {
    case period_unit::hour: return "hour";
    case period_unit::day: return "day";
    case period_unit::week: return "week";
    case period_unit::month: return "month";
    case period_unit::all: return "all";
  }
  return "?";
}

nps_tags nps_tags_of(const std::vector<std::string>& tag_paths) {
  nps_tags n;
  auto pick = [&](std::string& slot, std::initializer_list<const char*> names) {
    for (const char* name : names)
      for (const auto& p : tag_paths)
        if (slot.empty() && p == name) slot = p;
  };
  pick(n.promoters, {"NPS/Промоутер", "NPS/Promoter"});
  pick(n.passives, {"NPS/Пассив", "NPS/Нейтрал", "NPS/Passive"});
  pick(n.detractors, {"NPS/Критик", "NPS/Detractor"});
  return n;
}

status check_time_zone(const std::string& zone) {
  auto z = zone_calendar::make(zone);
  return z.ok() ? ok_status() : z.error();
}

result<int64_t> parse_time(std::string_view text, const std::string& zone, int64_t now_ms) {
  const std::string expected =
      "expected now, -7d/-12h/-2w, Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]";
  auto bad = [&](const std::string& why) {
    return invalid_argument("bad time '" + std::string(text) + "': " + why + " (" + expected + ")");
  };
  if (text == "now") return now_ms;
  if (text.size() >= 3 && text[0] == '-') {
    int64_t n = 0;
    const auto [p, ec] = std::from_chars(text.data() + 1, text.data() + text.size() - 1, n);
    const char unit = text.back();
    const int64_t unit_ms = unit == 'h' ? hour_ms : unit == 'd' ? 24 * hour_ms : unit == 'w' ? 7 * 24 * hour_ms : 0;
    if (ec != std::errc() || p != text.data() + text.size() - 1 || unit_ms == 0 || n < 0 || n > 100'000)
      return bad("a relative time is a minus, a number and h, d or w");
    return now_ms - n * unit_ms;
  }
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t s = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
    if (ec != std::errc() || s > 253'402'300'799) return bad("Unix seconds out of range");
    (void)p;
    return s * 1000;
  }
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!digits_at(text, 0, 4, y) || text.size() < 10 || text[4] != '-' || !digits_at(text, 5, 2, mo) ||
      text[7] != '-' || !digits_at(text, 8, 2, d))
    return bad("not a date");
  size_t pos = 10;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return bad("a date is followed by T and a time");
    if (!digits_at(text, pos + 1, 2, h) || text.size() < pos + 6 || text[pos + 3] != ':' ||
        !digits_at(text, pos + 4, 2, mi))
      return bad("the time is HH:MM or HH:MM:SS");
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!digits_at(text, pos + 1, 2, sec)) return bad("the seconds are two digits");
      pos += 3;
    }
  }
  std::optional<int> offset_min;
  if (pos < text.size()) {
    if (text[pos] == 'Z' && pos + 1 == text.size()) {
      offset_min = 0;
    } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
      int oh, om;
      if (!digits_at(text, pos + 1, 2, oh) || !digits_at(text, pos + 4, 2, om) || oh > 14 || om > 59)
        return bad("the offset is +HH:MM or -HH:MM");
      offset_min = (text[pos] == '-' ? -1 : 1) * (oh * 60 + om);
    } else {
      return bad("unexpected text after the time");
    }
  }
  auto cal = zone_calendar::make(offset_min ? std::string("UTC") : zone);
  if (!cal.ok()) return cal.error();
  auto t = cal->from_local(y, mo, d, h, mi, sec);
  if (!t.ok()) return bad("no such date or time" + std::string(offset_min ? "" : " in " + zone));
  return *t - int64_t{offset_min.value_or(0)} * 60'000;
}

void fill_measures(const rollup_cell& c, period_row& r) {
  r.mentions = c.mentions;
  r.negative = c.negative;
  r.neutral = c.neutral;
  r.positive = c.positive;
  const double polar = static_cast<double>(c.positive + c.negative);
  r.loyalty = polar == 0 ? 0 : (static_cast<double>(c.positive) - static_cast<double>(c.negative)) / polar;
  r.authors = static_cast<uint64_t>(std::llround(c.authors.authors()));
  r.audience = static_cast<uint64_t>(std::llround(c.authors.audience()));
  r.estimated = !c.authors.exact();
  r.reach = c.reach;
  r.engagement = c.engagement;
  r.er = c.reach == 0 ? 0 : static_cast<double>(c.engagement) / static_cast<double>(c.reach);
  r.wom = c.wom;
  r.wom_share = c.mentions == 0 ? 0 : static_cast<double>(c.wom) / static_cast<double>(c.mentions);
}

result<std::vector<period_row>> query_periods(const store& db, const period_query& q) {
  if (q.to_ms <= q.from_ms) return invalid_argument("the period is empty: 'to' must be after 'from'");
  if (q.topic.empty() && !q.tag.empty()) return invalid_argument("a tag needs its topic");
  auto cal = zone_calendar::make(q.time_zone);
  if (!cal.ok()) return cal.error();
  // Bucket starts (the first clipped to from), then the end.
  std::vector<int64_t> starts{q.from_ms};
  if (q.by != period_unit::all)
    for (int64_t b = cal->next(cal->floor(q.from_ms, q.by), q.by); b < q.to_ms; b = cal->next(b, q.by)) {
      if (b <= starts.back()) continue;
      starts.push_back(b);
      if (starts.size() > max_buckets)
        return invalid_argument("more than " + std::to_string(max_buckets) + " buckets: use a longer unit or a shorter period");
    }
  const int64_t first_hour = floor_div(q.from_ms, hour_ms), end_hour = floor_div(q.to_ms - 1, hour_ms) + 1;
  auto bucket_cells = [&](const std::string& topic, const std::string& tag, auto&& fn) {
    return for_each_bucket_cell(db, rollup_row_prefix(q.tenant, topic, tag), first_hour, end_hour, starts, q.from_ms,
                                fn);
  };
  std::vector<rollup_cell> main(starts.size());
  SITO_RETURN_IF_ERROR(bucket_cells(q.topic, q.tag, [&](size_t i, const rollup_cell& c) { main[i].merge(c); }));
  // The other rows only add mention counts: their author sets are not needed.
  auto count_into = [](std::vector<uint64_t>& counts) {
    return [&counts](size_t i, const rollup_cell& c) { counts[i] += c.mentions; };
  };
  const bool topic_row = !q.topic.empty() && q.tag.empty();
  // Per bucket: promoters, passives, detractors.
  std::vector<uint64_t> nps[3];
  if (topic_row && !q.nps.empty()) {
    const std::string* paths[3] = {&q.nps.promoters, &q.nps.passives, &q.nps.detractors};
    for (int k = 0; k < 3; ++k) {
      nps[k].assign(starts.size(), 0);
      if (!paths[k]->empty()) SITO_RETURN_IF_ERROR(bucket_cells(q.topic, *paths[k], count_into(nps[k])));
    }
  }
  std::vector<uint64_t> voice;
  if (topic_row) {
    voice.assign(starts.size(), 0);
    if (q.among.empty()) SITO_RETURN_IF_ERROR(bucket_cells("", "", count_into(voice)));
    for (const auto& t : q.among) SITO_RETURN_IF_ERROR(bucket_cells(t, "", count_into(voice)));
  }
  std::vector<period_row> rows(starts.size());
  for (size_t i = 0; i < starts.size(); ++i) {
    period_row& r = rows[i];
    r.from_ms = starts[i];
    r.to_ms = i + 1 < starts.size() ? starts[i + 1] : q.to_ms;
    r.from = cal->iso(r.from_ms);
    r.to = cal->iso(r.to_ms);
    r.topic = q.topic;
    r.tag = q.tag;
    fill_measures(main[i], r);
    if (!nps[0].empty()) {
      const double p = static_cast<double>(nps[0][i]), pa = static_cast<double>(nps[1][i]),
                   d = static_cast<double>(nps[2][i]);
      r.nps = p + pa + d == 0 ? 0 : (p - d) / (p + pa + d);
    }
    if (topic_row)
      r.share_of_voice =
          voice[i] == 0 ? 0 : static_cast<double>(main[i].mentions) / static_cast<double>(voice[i]);
  }
  return rows;
}

}  // namespace sito::server
