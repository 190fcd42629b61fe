#include "connectors/connector.hpp"

#include <nlohmann/json.hpp>

#include <sstream>

#include "sito/server/json_log.hpp"
#include "text_escape.hpp"

namespace sito::server {

namespace {
constexpr size_t read_chunk = 256;            ///< mentions read from the log at a time
constexpr size_t max_digest_mentions = 10'000;  ///< one digest sums up at most this many
constexpr size_t max_alerts_held = 1000;
constexpr uint32_t max_refusals = 5;            ///< 4xx answers before a message is given up
constexpr std::chrono::milliseconds idle_poll{1000};
constexpr std::chrono::milliseconds max_retry_after{3'600'000};
}  // namespace

std::string connector_offset_key(const std::string& name) { return std::string(connector_offset_prefix) + name; }

connector::connector(store& db, post_lookup posts, std::string tenant, connector_config config, mention_filter filter,
                     history_lookup history)
    : db_(db),
      posts_(std::move(posts)),
      history_(std::move(history)),
      tenant_(std::move(tenant)),
      config_(std::move(config)),
      filter_(std::move(filter)),
      rate_(config_.rate_messages, std::chrono::milliseconds(int64_t{config_.rate_seconds} * 1000)) {}

connector::~connector() { stop(); }

void connector::start() {
  thread_ = std::thread([this] { run(); });
}

void connector::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  client_.cancel();
  if (thread_.joinable()) thread_.join();
}

void connector::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  cv_.notify_all();
}

void connector::push_alert(const stream_alert& a) {
  {
    std::lock_guard lock(mutex_);
    if (alerts_.size() >= max_alerts_held) {
      alerts_.pop_front();
      ++dropped_;
    }
    alerts_.push_back(a);
    woken_ = true;
  }
  cv_.notify_all();
}

connector_counters connector::counters() const {
  connector_counters c;
  c.delivered = delivered_;
  c.failed = failed_;
  c.digested = digested_;
  c.dropped = dropped_;
  c.alerts = alerts_sent_;
  const uint64_t end = db_.next_mention_offset(tenant_);
  const uint64_t at = next_seen_;
  c.lag = end > at ? end - at : 0;
  return c;
}

bool connector::wait_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, d, [&] { return stopping_; });
  return !stopping_;
}

status connector::commit(uint64_t next) {
  if (next == next_) return ok_status();
  status st = db_.commit_offset(tenant_, connector_offset_key(config_.name), next);
  if (!st.ok()) {
    // The mentions were delivered; only the position is not durable yet:
    // the next commit carries it (a restart before then sends them again).
    log_warning("connector offset not stored").with("tenant", tenant_).with("connector", config_.name).with("error", st.message());
    return st;
  }
  next_ = next;
  next_seen_ = next;
  return ok_status();
}

std::string connector::target_url() const {
  if (config_.kind == connector_kind::telegram) return config_.api_base + "/bot" + config_.bot_token + "/sendMessage";
  return config_.url;
}

std::vector<std::pair<std::string, std::string>> connector::request_headers() const {
  std::vector<std::pair<std::string, std::string>> h(config_.headers.begin(), config_.headers.end());
  h.insert(h.end(), config_.secret_headers.begin(), config_.secret_headers.end());
  return h;
}

connector::outcome connector::send(const std::string& body, uint64_t mentions) {
  backoff retry(std::chrono::milliseconds(config_.backoff_initial_ms), std::chrono::milliseconds(config_.backoff_max_ms));
  uint32_t refusals = 0;
  const std::string url = target_url();
  const auto headers = request_headers();
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return outcome::stopped;
    }
    auto r = client_.post(url, headers, "application/json", body, std::chrono::milliseconds(config_.timeout_ms));
    if (r.ok() && r->status / 100 == 2) return outcome::sent;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return outcome::stopped;
    }
    ++failed_;
    std::chrono::milliseconds wait{0};
    // The log names the tenant, the connector and what went wrong — never
    // the URL (a Telegram URL holds the bot token) nor a header.
    log_line line = log_warning("connector delivery failed");
    line.with("tenant", tenant_).with("connector", config_.name).with("mentions", mentions);
    if (!r.ok()) {
      wait = retry.next(rng_);
      line.with("error", r.error().message());
    } else {
      const unsigned code = r->status;
      line.with("status", code);
      if (config_.kind == connector_kind::telegram) {
        const auto j = nlohmann::json::parse(r->body, nullptr, false);
        if (j.is_object() && j.contains("description") && j["description"].is_string())
          line.with("description", j["description"].get<std::string>().substr(0, 300));
      }
      std::optional<std::chrono::milliseconds> after;
      if (code == 429) {
        after = parse_retry_after(r->retry_after, std::chrono::system_clock::now());
        if (!after && config_.kind == connector_kind::telegram) after = telegram_retry_after(r->body);
      }
      if (after) {
        wait = std::min(*after, max_retry_after);
        line.with("retry_after_ms", static_cast<int64_t>(wait.count()));
      } else {
        wait = retry.next(rng_);
      }
      if (code / 100 == 4 && code != 429 && code != 408 && ++refusals >= max_refusals) {
        line.discard();
        log_error("connector gave up a message the destination refused")
            .with("tenant", tenant_)
            .with("connector", config_.name)
            .with("status", code)
            .with("attempts", refusals)
            .with("mentions", mentions);
        return outcome::given_up;
      }
    }
    line.with("attempt", retry.attempts()).with("retry_in_ms", static_cast<int64_t>(wait.count()));
    if (!wait_for(wait)) return outcome::stopped;
  }
}

bool connector::read_more(std::vector<outgoing_mention>& out, size_t max, uint64_t& cursor) {
  std::vector<mention_record> raw;
  if (status st = db_.read_mentions(tenant_, cursor, read_chunk, raw); !st.ok()) {
    log_warning("connector cannot read the mention log").with("tenant", tenant_).with("connector", config_.name).with("error", st.message());
    return false;
  }
  for (auto& m : raw) {
    if (out.size() >= max) return true;
    cursor = m.offset + 1;
    if (!config_.topics.empty() && std::find(config_.topics.begin(), config_.topics.end(), m.topic) == config_.topics.end())
      continue;
    auto p = posts_(m.post_offset);
    post body = p.ok() ? std::move(*p) : post{};
    if (!filter_.matches(m, body)) continue;
    body.images.clear();  // not sent; the OCR text stays
    std::vector<outgoing_mention> history;
    if (config_.history > 0 && history_) history = history_(tenant_, body, m.offset, config_.history);
    out.push_back({std::move(m), std::move(body), std::move(history)});
  }
  return true;
}

void connector::deliver_alerts() {
  for (;;) {
    stream_alert a;
    {
      std::lock_guard lock(mutex_);
      if (alerts_.empty() || stopping_) return;
      a = alerts_.front();
    }
    while (!rate_.try_take(rate_limiter::clock::now()))
      if (!wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(rate_.next_free(rate_limiter::clock::now()) -
                                                                          rate_limiter::clock::now()) +
                    std::chrono::milliseconds(1)))
        return;
    std::string body;
    switch (config_.kind) {
      case connector_kind::webhook: body = webhook_alert_body(a); break;
      case connector_kind::telegram: body = telegram_body(config_.chat_id, telegram_alert_text(a)); break;
      case connector_kind::slack: body = slack_body(slack_alert_text(a)); break;
    }
    const outcome o = send(body, 0);
    if (o == outcome::stopped) return;
    if (o == outcome::sent) ++alerts_sent_;
    std::lock_guard lock(mutex_);
    if (!alerts_.empty()) alerts_.pop_front();
  }
}

std::string connector::message_of(const outgoing_mention& o) const {
  if (config_.kind == connector_kind::telegram) return telegram_body(config_.chat_id, telegram_text(o.m, o.p));
  return slack_body(slack_text(o.m, o.p));
}

std::string connector::digest_of(std::span<const outgoing_mention> held) const {
  const digest_summary d = summarize(held);
  if (config_.kind == connector_kind::telegram) return telegram_body(config_.chat_id, telegram_digest_text(d, config_.link));
  return slack_body(slack_digest_text(d, config_.link));
}

void connector::run() {
  const std::string key = connector_offset_key(config_.name);
  if (auto c = db_.committed_offset(tenant_, key)) {
    next_ = *c;
  } else {
    // A new connector starts at the end of the log, and says so durably at
    // once: a restart before its first delivery must not skip what came since.
    next_ = db_.next_mention_offset(tenant_);
    if (status st = db_.commit_offset(tenant_, key, next_); !st.ok())
      log_warning("connector offset not stored").with("tenant", tenant_).with("connector", config_.name).with("error", st.message());
  }
  next_seen_ = next_;
  log_info("connector started")
      .with("tenant", tenant_)
      .with("connector", config_.name)
      .with("kind", to_string(config_.kind))
      .with("from_offset", next_);
  if (config_.kind == connector_kind::webhook) deliver_webhook();
  else deliver_messages();
}

void connector::deliver_webhook() {
  std::vector<outgoing_mention> batch;
  uint64_t cursor = next_;
  auto batch_since = std::chrono::steady_clock::now();
  const auto flush = std::chrono::milliseconds(config_.flush_ms);
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    deliver_alerts();
    const size_t before = batch.size();
    if (!read_more(batch, config_.batch, cursor) && batch.empty()) {
      if (!wait_for(idle_poll)) return;
      continue;
    }
    if (before == 0 && !batch.empty()) batch_since = std::chrono::steady_clock::now();
    const auto now = std::chrono::steady_clock::now();
    const bool more_now = cursor < db_.next_mention_offset(tenant_);
    if (batch.size() >= config_.batch || (!batch.empty() && (now - batch_since >= flush || flush.count() == 0))) {
      while (!rate_.try_take(rate_limiter::clock::now()))
        if (!wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(rate_.next_free(rate_limiter::clock::now()) -
                                                                            rate_limiter::clock::now()) +
                      std::chrono::milliseconds(1)))
          return;
      const outcome o = send(webhook_body(batch), batch.size());
      if (o == outcome::stopped) return;
      if (o == outcome::sent) delivered_ += batch.size();
      else dropped_ += batch.size();
      // Everything before `cursor` is delivered or was filtered out: the
      // batch holds the matching mentions below it, in order.
      (void)commit(cursor);
      batch.clear();
      continue;
    }
    if (batch.empty() && cursor != next_) (void)commit(cursor);  // only filtered-out mentions passed
    if (more_now && batch.size() < config_.batch) continue;
    std::chrono::milliseconds wait = idle_poll;
    if (!batch.empty())
      wait = std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(batch_since + flush - now));
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, wait, [&] { return stopping_ || woken_; });
    woken_ = false;
  }
}

void connector::deliver_messages() {
  uint64_t cursor = next_;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    deliver_alerts();
    std::vector<outgoing_mention> items;
    uint64_t end = cursor;
    if (!read_more(items, read_chunk, end)) {
      if (!wait_for(idle_poll)) return;
      continue;
    }
    if (items.empty()) {
      (void)commit(end);
      cursor = end;
      if (end < db_.next_mention_offset(tenant_)) continue;
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, idle_poll, [&] { return stopping_ || woken_; });
      woken_ = false;
      continue;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (rate_.try_take(rate_limiter::clock::now())) {
        const outcome o = send(message_of(items[i]), 1);
        if (o == outcome::stopped) return;
        if (o == outcome::sent) ++delivered_;
        else ++dropped_;
        (void)commit(items[i].m.offset + 1);
        continue;
      }
      // Over the rate limit: what waits when the next token comes goes out
      // as one digest (or as itself, when it is one mention).
      const auto free_at = rate_.next_free(rate_limiter::clock::now());
      if (!wait_for(std::chrono::duration_cast<std::chrono::milliseconds>(free_at - rate_limiter::clock::now()) +
                    std::chrono::milliseconds(1)))
        return;
      std::vector<outgoing_mention> held(std::make_move_iterator(items.begin() + static_cast<std::ptrdiff_t>(i)),
                                         std::make_move_iterator(items.end()));
      while (held.size() < max_digest_mentions && end < db_.next_mention_offset(tenant_)) {
        const uint64_t was = end;
        if (!read_more(held, max_digest_mentions, end) || end == was) break;
      }
      while (!rate_.try_take(rate_limiter::clock::now()))
        if (!wait_for(std::chrono::milliseconds(50))) return;
      const bool one = held.size() == 1;
      const outcome o = send(one ? message_of(held[0]) : digest_of(held), held.size());
      if (o == outcome::stopped) return;
      if (o == outcome::given_up) dropped_ += held.size();
      else if (one) ++delivered_;
      else digested_ += held.size();
      break;
    }
    (void)commit(end);
    cursor = end;
  }
}

// --- hub -----------------------------------------------------------------

void connector_hub::configure(const std::vector<tenant_config>& tenants) {
  std::map<std::pair<std::string, std::string>, const connector_config*> wanted;
  for (const auto& t : tenants)
    for (const auto& c : t.connectors) wanted[{t.name, c.name}] = &c;
  std::vector<std::unique_ptr<connector>> retired;
  std::vector<connector*> started;
  {
    std::lock_guard lock(mutex_);
    for (auto it = running_.begin(); it != running_.end();) {
      auto w = wanted.find(it->first);
      if (w == wanted.end() || !(*w->second == it->second->config())) {
        retired.push_back(std::move(it->second));
        it = running_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : retired) c->stop();  // outside the lock: a stop waits for an attempt's cancel
  retired.clear();
  // Filters compile outside the lock too: the matcher's wake-ups take it.
  std::vector<std::pair<std::pair<std::string, std::string>, std::unique_ptr<connector>>> fresh;
  for (const auto& [key, cfg] : wanted) {
    {
      std::lock_guard lock(mutex_);
      if (running_.count(key)) continue;
    }
    auto filter = mention_filter::compile(cfg->filter);
    if (!filter.ok()) {  // parse_config checked it; never expected
      log_error("connector filter refused").with("tenant", key.first).with("connector", key.second).with("error", filter.error().message());
      continue;
    }
    fresh.emplace_back(key, std::make_unique<connector>(db_, posts_, key.first, *cfg, std::move(*filter), history_));
  }
  std::lock_guard lock(mutex_);
  for (auto& [key, c] : fresh) {
    c->start();
    running_[key] = std::move(c);
  }
}

void connector_hub::on_mentions(const std::set<std::string>& tenants) {
  std::lock_guard lock(mutex_);
  for (auto& [key, c] : running_)
    if (tenants.count(key.first)) c->wake();
}

void connector_hub::on_alerts(const std::vector<stream_alert>& alerts) {
  std::lock_guard lock(mutex_);
  for (auto& [key, c] : running_) {
    if (!c->config().alerts) continue;
    for (const auto& a : alerts) {
      if (a.tenant != key.first) continue;
      const auto& topics = c->config().topics;
      if (!topics.empty() && std::find(topics.begin(), topics.end(), a.topic) == topics.end()) continue;
      c->push_alert(a);
    }
  }
}

void connector_hub::stop() {
  std::map<std::pair<std::string, std::string>, std::unique_ptr<connector>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(running_);
  }
  for (auto& [key, c] : all) c->stop();
}

std::string connector_hub::metrics_text() const {
  std::vector<std::pair<std::string, connector_counters>> rows;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, c] : running_)
      rows.emplace_back("tenant=\"" + escape_quoted(key.first) + "\",connector=\"" + escape_quoted(key.second) + "\"",
                        c->counters());
  }
  std::ostringstream o;
  auto family = [&](const char* name, const char* help, const char* type, uint64_t connector_counters::*field) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    for (const auto& [labels, c] : rows) o << name << "{" << labels << "} " << c.*field << "\n";
  };
  family("sito_connector_delivered_total", "mentions a connector's destination accepted (digests not included)", "counter",
         &connector_counters::delivered);
  family("sito_connector_failed_total", "failed delivery attempts (each retry counts)", "counter", &connector_counters::failed);
  family("sito_connector_lag_mentions", "mentions of the tenant's log the connector has not passed yet", "gauge",
         &connector_counters::lag);
  family("sito_connector_digested_total", "mentions summed up in digest messages because of the rate limit", "counter",
         &connector_counters::digested);
  family("sito_connector_dropped_total",
         "mentions given up after the destination refused them (4xx) 5 times, and alerts beyond the 1000 held", "counter",
         &connector_counters::dropped);
  family("sito_connector_alerts_total", "alerts a connector delivered", "counter", &connector_counters::alerts);
  return o.str();
}

}  // namespace sito::server
