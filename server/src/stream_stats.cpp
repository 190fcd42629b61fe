#include "sito/server/stream_stats.hpp"

#include <algorithm>
#include <cmath>

namespace sito::server {

namespace {
constexpr int64_t minute_ms = 60'000;
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
}  // namespace

void stream_stats::add(sentiment_counts& c, rules::sentiment mood) {
  switch (mood) {
    case rules::sentiment::negative: ++c.negative; break;
    case rules::sentiment::neutral: ++c.neutral; break;
    case rules::sentiment::positive: ++c.positive; break;
  }
}

void stream_stats::advance(key_state& k, int64_t minute) const {
  if (k.current_minute < 0) {
    k.first_minute = k.current_minute = minute;
    return;
  }
  if (minute <= k.current_minute) return;
  // Close the running minute and every empty minute after it (a gap of more
  // than an hour has decayed the baseline to nothing anyway).
  const int64_t closed = std::min<int64_t>(minute - k.current_minute, 60);
  for (int64_t i = 0; i < closed; ++i) {
    const double x = i == 0 ? static_cast<double>(k.current_count) : 0.0;
    const double diff = x - k.mean;
    const double incr = params_.alpha * diff;
    k.mean += incr;
    k.var = (1 - params_.alpha) * (k.var + diff * incr);
  }
  k.current_minute = minute;
  k.current_count = 0;
}

std::vector<stream_alert> stream_stats::record(const std::string& tenant, const std::string& topic,
                                              std::span<const std::string> tags, rules::sentiment mood,
                                              int64_t now_ms, bool detect) {
  std::vector<stream_alert> raised;
  const int64_t minute = floor_div(now_ms, minute_ms);
  const int64_t hour = floor_div(minute, 60);
  std::lock_guard lock(mutex_);
  auto& tenant_keys = keys_[tenant];
  auto touch = [&](const std::string& tag) {
    key_buf_.assign(topic);
    key_buf_.push_back('\x1f');
    key_buf_.append(tag);
    auto it = tenant_keys.find(key_buf_);
    if (it == tenant_keys.end()) it = tenant_keys.try_emplace(key_buf_).first;
    key_state& k = it->second;
    advance(k, minute);
    const int64_t m = std::max(minute, k.current_minute);
    const size_t mi = static_cast<size_t>(((m % 60) + 60) % 60);
    if (k.minute_of[mi] != m + 1) {
      k.minutes[mi] = {};
      k.minute_of[mi] = m + 1;
    }
    add(k.minutes[mi], mood);
    const size_t hi = static_cast<size_t>(((hour % 24) + 24) % 24);
    if (k.hour_of[hi] != hour + 1) {
      k.hours[hi] = {};
      k.hour_of[hi] = hour + 1;
    }
    add(k.hours[hi], mood);
    ++k.current_count;
    const double threshold = std::max({static_cast<double>(params_.min_count),
                                       k.mean + params_.z * std::sqrt(std::max(0.0, k.var)),
                                       params_.min_ratio * k.mean});
    if (detect && k.current_minute - k.first_minute >= params_.warmup_minutes &&
        static_cast<double>(k.current_count) >= threshold && now_ms - k.last_alert_ms >= params_.cooldown_ms) {
      k.last_alert_ms = now_ms;
      stream_alert a;
      a.id = next_alert_id_++;
      a.tenant = tenant;
      a.topic = topic;
      a.tag = tag;
      a.at_ms = now_ms;
      a.count = k.current_count;
      a.baseline = k.mean;
      a.threshold = threshold;
      auto& ring = alerts_[tenant];
      ring.push_back(a);
      if (ring.size() > 100) ring.pop_front();
      raised.push_back(std::move(a));
    }
  };
  touch(std::string());
  for (const auto& tag : tags) touch(tag);
  return raised;
}

void stream_stats::windows(const key_state& k, int64_t now_ms, row& r) {
  const int64_t minute = floor_div(now_ms, minute_ms);
  const int64_t hour = floor_div(minute, 60);
  auto sum = [](sentiment_counts& dst, const sentiment_counts& src) {
    dst.negative += src.negative;
    dst.neutral += src.neutral;
    dst.positive += src.positive;
  };
  for (size_t i = 0; i < 60; ++i) {
    const int64_t m = k.minute_of[i] - 1;
    if (k.minute_of[i] == 0 || m > minute || m <= minute - 60) continue;
    sum(r.hour, k.minutes[i]);
    if (m == minute) sum(r.minute, k.minutes[i]);
  }
  for (size_t i = 0; i < 24; ++i) {
    const int64_t h = k.hour_of[i] - 1;
    if (k.hour_of[i] == 0 || h > hour || h <= hour - 24) continue;
    sum(r.day, k.hours[i]);
  }
}

std::vector<stream_stats::row> stream_stats::summary(const std::string& tenant, int64_t now_ms) const {
  std::vector<row> topics, tags;
  {
    std::lock_guard lock(mutex_);
    auto t = keys_.find(tenant);
    if (t == keys_.end()) return {};
    for (const auto& [key, state] : t->second) {
      row r;
      const size_t sep = key.find('\x1f');
      r.topic = key.substr(0, sep);
      r.tag = key.substr(sep + 1);
      windows(state, now_ms, r);
      (r.tag.empty() ? topics : tags).push_back(std::move(r));
    }
  }
  auto by_name = [](const row& a, const row& b) { return a.topic != b.topic ? a.topic < b.topic : a.tag < b.tag; };
  std::sort(topics.begin(), topics.end(), by_name);
  std::sort(tags.begin(), tags.end(), by_name);
  uint64_t hour_total = 0, day_total = 0;
  for (const auto& r : topics) {
    hour_total += r.hour.total();
    day_total += r.day.total();
  }
  for (auto& r : topics) {
    r.share_of_voice_hour = hour_total ? static_cast<double>(r.hour.total()) / static_cast<double>(hour_total) : 0;
    r.share_of_voice_day = day_total ? static_cast<double>(r.day.total()) / static_cast<double>(day_total) : 0;
  }
  topics.insert(topics.end(), std::make_move_iterator(tags.begin()), std::make_move_iterator(tags.end()));
  return topics;
}

const char* to_string(alert_kind k) { return k == alert_kind::campaign ? "campaign" : "spike"; }

void stream_stats::add_alert(stream_alert& a) {
  std::lock_guard lock(mutex_);
  a.id = next_alert_id_++;
  auto& ring = alerts_[a.tenant];
  ring.push_back(a);
  if (ring.size() > 100) ring.pop_front();
}

std::vector<stream_alert> stream_stats::recent_alerts(const std::string& tenant) const {
  std::lock_guard lock(mutex_);
  auto it = alerts_.find(tenant);
  if (it == alerts_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace sito::server
