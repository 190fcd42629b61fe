// Private: when a connector tries again, and how many messages it may send.
//
//   backoff b{500ms, 60s};
//   auto wait = b.next(rng);            // 250..500 ms, then 500..1000 ms, ... capped at 60 s
//   if (auto ra = retry_after(response)) wait = *ra;   // 429: the destination says how long
//
//   rate_limiter r(20, 60s);            // 20 messages a minute (a Telegram group)
//   if (r.try_take(now)) send(); else wait_until(r.next_free(now));
//
// Thread-safety: plain values; one connector's thread each.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace sito::server {

/// Exponential backoff with "equal jitter": the n-th wait (from 0) is drawn
/// from [d/2, d] where d = min(max, initial * 2^n), so retries of many
/// connectors spread out and none waits longer than `max`.
class backoff {
 public:
  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max) : initial_(initial), max_(max) {}
  std::chrono::milliseconds next(std::mt19937_64& rng);
  void reset() { attempt_ = 0; }
  uint32_t attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_, max_;
  uint32_t attempt_ = 0;
};

/// The delay of a `Retry-After` header: delta-seconds ("120") or an
/// HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to `now`); nullopt
/// when it is neither. A date in the past is 0.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now);

/// Telegram's `{"ok":false,"error_code":429,"parameters":{"retry_after":N}}`:
/// N seconds; nullopt when the body says nothing of it.
std::optional<std::chrono::milliseconds> telegram_retry_after(std::string_view body);

/// A token bucket: at most `messages` in any `per` window on average, and
/// bursts of `messages`. messages == 0: no limit.
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;
  rate_limiter(uint32_t messages, std::chrono::milliseconds per);
  /// Takes a token when one is free at `now`.
  bool try_take(clock::time_point now);
  /// When the next token is free (now when one is).
  clock::time_point next_free(clock::time_point now);

 private:
  void refill(clock::time_point now);
  double capacity_ = 0;
  double tokens_ = 0;
  double per_token_ms_ = 0;
  clock::time_point last_{};
  bool started_ = false;
};

}  // namespace sito::server
