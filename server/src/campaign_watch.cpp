#include "campaign_watch.hpp"

#include <algorithm>

namespace sito::server {

void campaign_watch::set_tenants(const std::vector<tenant_config>& tenants) {
  std::lock_guard lock(mutex_);
  tenants_.clear();
  for (const auto& t : tenants) tenants_[t.name] = t.campaign;
}

size_t campaign_watch::entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void campaign_watch::sweep(int64_t now_ms) {
  while (!expiry_.empty() && (expiry_.top().first <= now_ms || entries_.size() > max_entries_)) {
    const auto [at, key] = expiry_.top();
    expiry_.pop();
    auto it = entries_.find(key);
    if (it != entries_.end() && (it->second.expires_at == at || entries_.size() > max_entries_)) entries_.erase(it);
  }
}

std::optional<stream_alert> campaign_watch::observe(const std::string& tenant, const std::string& topic,
                                                    uint64_t cluster, const std::string& first_post,
                                                    const std::string& author, int64_t at_ms, bool detect) {
  std::lock_guard lock(mutex_);
  campaign_config c;
  if (auto it = tenants_.find(tenant); it != tenants_.end()) c = it->second;
  if (!c.enabled || cluster == 0) return std::nullopt;
  sweep(at_ms);
  const int64_t span_ms = int64_t{c.minutes} * 60'000;
  std::string key = tenant + '\x1f' + topic + '\x1f' + std::to_string(cluster);
  entry& e = entries_[key];
  // Authors and mentions older than the minutes no longer count.
  std::erase_if(e.authors, [&](const auto& a) { return a.second < at_ms - span_ms; });
  std::erase_if(e.mention_times, [&](int64_t t) { return t < at_ms - span_ms; });
  auto a = std::find_if(e.authors.begin(), e.authors.end(), [&](const auto& x) { return x.first == author; });
  if (a == e.authors.end()) e.authors.emplace_back(author, at_ms);
  else a->second = std::max(a->second, at_ms);
  e.mention_times.push_back(at_ms);
  std::optional<stream_alert> raised;
  if (!e.alerted && e.authors.size() >= c.min_authors) {
    e.alerted = true;
    if (detect) {
      stream_alert al;
      al.kind = alert_kind::campaign;
      al.tenant = tenant;
      al.topic = topic;
      al.at_ms = at_ms;
      al.count = e.mention_times.size();
      al.threshold = c.min_authors;
      al.first_post = first_post;
      al.authors = e.authors.size();
      raised = std::move(al);
    }
  }
  e.expires_at = e.alerted ? at_ms + std::max(keep_alerted_ms_, span_ms) : at_ms + span_ms;
  expiry_.emplace(e.expires_at, std::move(key));
  if (expiry_.size() > 4 * entries_.size() + 1024) {  // mostly stale pairs: one per entry again
    decltype(expiry_) fresh;
    for (const auto& [k, v] : entries_) fresh.emplace(v.expires_at, k);
    expiry_.swap(fresh);
  }
  return raised;
}

}  // namespace sito::server
