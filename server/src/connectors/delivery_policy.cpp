#include "connectors/delivery_policy.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

namespace sito::server {

std::chrono::milliseconds backoff::next(std::mt19937_64& rng) {
  const int64_t base = std::max<int64_t>(1, initial_.count());
  int64_t d = max_.count();
  if (attempt_ < 40) d = std::min<int64_t>(max_.count(), base << attempt_);
  ++attempt_;
  d = std::max<int64_t>(d, 1);
  std::uniform_int_distribution<int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::milliseconds(int64_t{999'999'999} * 1000);
    return std::chrono::milliseconds(std::stoll(std::string(value)) * 1000);
  }
  // IMF-fixdate (RFC 9110 §5.6.7), the form servers send.
  std::tm tm{};
  const std::string s(value);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  const std::time_t at = timegm(&tm);
  const auto when = std::chrono::system_clock::from_time_t(at);
  if (when <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
}

std::optional<std::chrono::milliseconds> telegram_retry_after(std::string_view body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  const auto p = j.find("parameters");
  if (p == j.end() || !p->is_object()) return std::nullopt;
  const auto r = p->find("retry_after");
  if (r == p->end() || !r->is_number()) return std::nullopt;
  const double s = r->get<double>();
  if (!(s >= 0) || s > 1e9) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(s * 1000));
}

rate_limiter::rate_limiter(uint32_t messages, std::chrono::milliseconds per) {
  capacity_ = messages;
  tokens_ = messages;
  per_token_ms_ = messages ? static_cast<double>(per.count()) / messages : 0;
}

void rate_limiter::refill(clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  const double ms = std::chrono::duration<double, std::milli>(now - last_).count();
  tokens_ = std::min(capacity_, tokens_ + ms / per_token_ms_);
  last_ = now;
}

bool rate_limiter::try_take(clock::time_point now) {
  if (capacity_ == 0) return true;
  refill(now);
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

rate_limiter::clock::time_point rate_limiter::next_free(clock::time_point now) {
  if (capacity_ == 0) return now;
  refill(now);
  if (tokens_ >= 1) return now;
  const double wait_ms = (1 - tokens_) * per_token_ms_;
  return now + std::chrono::microseconds(static_cast<int64_t>(wait_ms * 1000) + 1);
}

}  // namespace sito::server
