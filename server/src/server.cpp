// sitod's wiring: create (config, store, rulesets, OCR lane), start and stop,
// reloads, the store check and retention.
// The roles live beside it: ruleset_registry.cpp (rulesets swapped on topic
// changes, what each version covers for backfills), listener.cpp (TLS set-up
// and accepting protocol connections), matcher.cpp (the text
// pass, the OCR re-match, the mention sink and the rollups), session.cpp (one
// client connection: I/O, timers, dispatch) with ingest_handler.cpp,
// subscription.cpp, admin_handlers.cpp and stats_handler.cpp (what its
// messages do), near_duplicate_stage.cpp (the near-duplicate detector over
// the matched posts), campaign_watch.cpp (campaign alerts over its
// clusters), log_replay.cpp (what memory holds, rebuilt from the logs
// at start-up), http_listener.cpp (the HTTP port on Beast: parsing within
// limits, keep-alive, timeouts), http_routes.cpp (/health, and /metrics with
// metrics.cpp's text) and playground.cpp (the query playground and its API).

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server_impl.hpp"
#include "sito/enrich/fasttext_embedder.hpp"
#include "sito/model/topic.hpp"
#include "sito/server/json_log.hpp"

namespace sito::server {

sitod::sitod() : impl_(std::make_unique<impl>()) {}
sitod::~sitod() { stop(); }

result<std::unique_ptr<sitod>> sitod::create(const server_config& config) {
  std::unique_ptr<sitod> s(new sitod());
  impl& d = *s->impl_;
  d.config = config;
  if (config.tls) {
    SITO_RETURN_IF_ERROR(configure_listener_tls(d.ssl_context, *config.tls));
    d.tls = true;
  }
  store_options so;
  so.path = config.data_dir;
  so.retention_bytes = config.retention_bytes;
  so.retention_ms = config.retention_hours * 3600 * 1000;
  so.sync_writes = config.sync_writes;
  so.dedup_window_ms = config.dedup_hours.value_or(config.retention_hours) * 3600 * 1000;
  so.faults = config.faults;
  so.rollup_retention_ms = config.stats.retention_days * 24 * 3600 * 1000;
  so.rollups = config.stats.rollups;
  SITO_ASSIGN_OR_RETURN(d.db, store::open(so));
  d.persons = std::make_unique<person_directory>(*d.db);
  SITO_RETURN_IF_ERROR(d.persons->load());
  spike_params sp;
  sp.z = config.alerts.z;
  sp.min_ratio = config.alerts.min_ratio;
  sp.min_count = config.alerts.min_count;
  sp.warmup_minutes = config.alerts.warmup_minutes;
  sp.cooldown_ms = int64_t{config.alerts.cooldown_minutes} * 60'000;
  d.stats.set_params(sp);
  if (config.kafka) {
    // Kafka mode: the same engine settings as the standalone matcher.
    kafka::kafka_node_options& ko = d.kafka_options.emplace();
    ko.config = *config.kafka;
    ko.spikes = sp;
    ko.limits.max_field_bytes = config.max_field_bytes;
    ko.limits.max_images = config.max_images_per_post;
    ko.limits.max_image_bytes = config.max_image_bytes;
    ko.near_duplicates = config.near_duplicates.enabled;
    ko.near_duplicate_options.threshold = config.near_duplicates.threshold;
    ko.near_duplicate_options.window_ms = config.near_duplicates.window_ms;
    ko.near_duplicate_options.max_posts = static_cast<size_t>(config.near_duplicates.max_posts);
  }
  for (const auto& t : config.tenants) {
    for (const auto& tok : t.tokens) d.tokens[tok.sha256_hex] = {t.name, tok.granted};
    std::string lexicon;
    if (!t.topics_file.empty()) {
      auto file = load_tenant_file(t.topics_file);
      if (!file.ok()) return file.error();
      lexicon = file->sentiment_lexicon;
      // Seed a tenant's topics from its file the first time it is seen.
      SITO_ASSIGN_OR_RETURN(auto existing, d.db->topics(t.name));
      if (existing.empty()) {
        for (auto& topic : file->topics) topic.tenant = t.name;
        SITO_RETURN_IF_ERROR(d.db->put_topics(file->topics));
      }
    }
    if (!t.sentiment_lexicon_file.empty()) {
      std::ifstream in(t.sentiment_lexicon_file, std::ios::binary);
      if (!in) return not_found("tenant '" + t.name + "': cannot open sentiment_lexicon_file '" + t.sentiment_lexicon_file + "'");
      std::ostringstream ss;
      ss << in.rdbuf();
      lexicon += "\n" + ss.str();
    }
    if (lexicon.find_first_not_of(" \t\r\n") != std::string::npos) {
      SITO_ASSIGN_OR_RETURN(auto lex, rules::parse_lexicon(lexicon, "tenant '" + t.name + "' sentiment lexicon"));
      d.compile_opts.tenant_lexicons[t.name] = std::move(lex);
    }
  }
  // Aggregates and the near-duplicate window live in memory: rebuilt from
  // the retained logs, so a restart does not zero them (log_replay.cpp).
  d.near_dups = std::make_unique<near_duplicate_stage>(config.near_duplicates);
  SITO_ASSIGN_OR_RETURN(d.semantic, semantic_stage::create(config.embeddings));
  if (!config.embeddings.model.empty()) {
    auto model = enrich::fasttext_embedder::load(config.embeddings.model);
    if (!model.ok()) return invalid_argument("embeddings: model: " + model.error().message());
    d.compile_opts.embedding_model = std::make_shared<enrich::fasttext_embedder>(std::move(*model));
  }
  d.compile_opts.default_min_similarity = config.embeddings.min_similarity;
  {
    log_line ready = log_info("embedding backend ready (semantic tags)");
    ready.with("backend", d.semantic->backend_name());
    if (!d.semantic->fallback_reason().empty()) ready.with("fallback_reason", d.semantic->fallback_reason());
  }
  d.connectors = std::make_unique<connector_hub>(*d.db, [dp = &d](uint64_t offset) -> result<post> {
    const auto recent = dp->recent.view();
    if (const post* p = recent_posts::find(recent, offset)) return *p;
    SITO_ASSIGN_OR_RETURN(stored_post stored, dp->db->read_post(offset));
    return std::move(stored.p);
  }, [dp = &d](const std::string& tenant, const post& p, uint64_t before, uint32_t n) {
    // A webhook's history pane; one that cannot be read is left empty.
    std::vector<outgoing_mention> out;
    auto h = dp->person_history(tenant, person_directory::author_key(p), 0, n, before);
    if (h.ok())
      for (auto& e : *h) out.push_back({std::move(e.m), std::move(e.p), {}});
    return out;
  });
  d.campaigns = std::make_unique<campaign_watch>(config.near_duplicates.window_ms);
  d.campaigns->set_tenants(config.tenants);
  d.replay_logs();
  bool any_ocr_tenant = config.tenants.empty();
  for (const auto& t : config.tenants) {
    if (t.ocr) any_ocr_tenant = true;
    else d.ocr_off_tenants.insert(t.name);
  }
  d.ingest_limits.set_limits(ingest_limiter::limits_of(config));
  if (config.ocr.enabled && any_ocr_tenant) {
    impl* dp = &d;
    d.ocr = std::make_unique<ocr_lane>(config.ocr, d.ocr_stats,
                                       [dp](ocr_job& job, std::string text) { dp->on_ocr_done(job, std::move(text)); });
  }
  std::vector<topic_diagnostic> diagnostics;
  auto version = d.recompile("", &diagnostics);
  if (!version.ok()) return version.error();
  // A stored topic that no longer compiles is left out, and said so.
  for (const auto& e : diagnostics) {
    if (e.diagnostic.level != query::severity::error) continue;
    log_warning("stored topic left out")
        .with("tenant", e.tenant)
        .with("topic", e.topic)
        .with("error", query::format_one_line(e.diagnostic));
  }
  return s;
}

status sitod::start() {
  impl& d = *impl_;
  if (d.started.exchange(true)) return ok_status();
  boost::system::error_code ec;
  auto endpoint = [&](const std::string& host, uint16_t port) {
    return tcp::endpoint(net::ip::make_address(host, ec), port);
  };
  d.work = std::make_unique<net::executor_work_guard<net::io_context::executor_type>>(d.io.get_executor());
  const tcp::endpoint ep = endpoint(d.config.listen_host, d.config.listen_port);
  if (ec) return invalid_argument("listen: bad address '" + d.config.listen_host + "'");
  d.acceptor = std::make_unique<tcp::acceptor>(d.listen_strand);
  d.acceptor->open(ep.protocol(), ec);
  if (!ec) d.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(ep, ec);
  if (!ec) d.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return unavailable("cannot listen on " + d.config.listen_host + ":" + std::to_string(d.config.listen_port) + ": " + ec.message());
  if (d.config.http_enabled) {
    const tcp::endpoint hep = endpoint(d.config.http_host, d.config.http_port);
    d.http_acceptor = std::make_unique<tcp::acceptor>(d.listen_strand);
    d.http_acceptor->open(hep.protocol(), ec);
    if (!ec) d.http_acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) d.http_acceptor->bind(hep, ec);
    if (!ec) d.http_acceptor->listen(16, ec);
    if (ec) return unavailable("cannot listen for HTTP on port " + std::to_string(d.config.http_port) + ": " + ec.message());
    d.accept_http();
  }
  d.accept();
  d.schedule_retention();
  d.schedule_store_check();
  if (d.ocr) d.ocr->start();
  {
    std::lock_guard lock(d.scan_mutex);
    d.scan_cursor = d.db->matched_watermark();
  }
  {
    std::lock_guard lock(d.match_mutex);
    d.sunk_watermark = d.db->matched_watermark();
  }
  if (d.kafka_options) {
    d.kafka_options->compile = d.compile_opts;  // complete after create(): the tenants' lexicons, the embedding model
    auto node = kafka::kafka_node::start(*d.kafka_options);
    if (!node.ok()) return node.error();
    d.kafka = std::move(*node);
  }
  d.matcher_thread = std::thread([&d] { d.matcher_loop(); });
  d.connectors->configure(d.config.tenants);
  for (int i = 0; i < 2; ++i) d.io_threads.emplace_back([&d] { d.io.run(); });
  return ok_status();
}

void sitod::stop() {
  impl& d = *impl_;
  if (!d.started || d.stopped.exchange(true)) return;
  // Kafka mode: the node commits its batch in hand and leaves its group.
  if (d.kafka) d.kafka->stop();
  // 1. No new connections; 2. finish matching what was acknowledged;
  // 3. close sessions; 4. join.
  net::post(d.listen_strand, [&d] {
    boost::system::error_code ignored;
    if (d.retention_timer) d.retention_timer->cancel();
    if (d.store_timer) d.store_timer->cancel();
    if (d.acceptor) d.acceptor->close(ignored);
    if (d.http_acceptor) d.http_acceptor->close(ignored);
  });
  wait_until_matched();
  {
    std::lock_guard lock(d.match_mutex);
    d.stopping = true;
  }
  d.match_cv.notify_all();
  if (d.matcher_thread.joinable()) d.matcher_thread.join();
  // Connectors stop where they are: what was not acknowledged by its
  // destination is sent again after a restart (their offsets are durable).
  d.connectors->stop();
  // No more offers now; OCR work gets drain_ms, then is dropped (counted).
  if (d.ocr) d.ocr->stop();
  {
    std::lock_guard lock(d.sessions_mutex);
    for (auto& s : d.sessions) s->close();
  }
  d.workers.join();
  d.background.join();
  d.queries.join();
  d.rollup_thread.join();
  d.work.reset();
  d.io.stop();
  for (auto& t : d.io_threads) t.join();
  d.io_threads.clear();
}

std::optional<sitod::impl::principal> sitod::impl::principal_of(const std::string& sha256_hex) const {
  std::lock_guard lock(tokens_mutex);
  auto it = tokens.find(sha256_hex);
  if (it == tokens.end() || std::chrono::steady_clock::now() >= it->second.valid_until) return std::nullopt;
  return it->second;
}

std::vector<std::string> sitod::reload(const server_config& next) {
  impl& d = *impl_;
  const server_config& c = d.config;  // only a reload writes, and none of the fields compared here
  std::vector<std::string> need_restart;
  auto differs = [&](bool changed, const char* key) {
    if (changed) need_restart.emplace_back(key);
  };
  differs(next.listen_host != c.listen_host || next.listen_port != c.listen_port, "listen");
  differs(next.http_enabled != c.http_enabled || next.http_host != c.http_host || next.http_port != c.http_port ||
              next.http != c.http,
          "http");
  differs(next.data_dir != c.data_dir, "data_dir");
  differs(next.tls.has_value() != c.tls.has_value() ||
              (next.tls && (next.tls->cert_file != c.tls->cert_file || next.tls->key_file != c.tls->key_file)),
          "tls");
  differs(next.sync_writes != c.sync_writes, "sync_writes");
  differs(next.max_frame_bytes != c.max_frame_bytes || next.max_batch_posts != c.max_batch_posts ||
              next.producer_window != c.producer_window || next.max_field_bytes != c.max_field_bytes ||
              next.subscriber_buffer_mentions != c.subscriber_buffer_mentions ||
              next.max_images_per_post != c.max_images_per_post || next.max_image_bytes != c.max_image_bytes,
          "limits (frames, batches, fields, images, subscriber buffers)");
  differs(next.retention_bytes != c.retention_bytes || next.retention_hours != c.retention_hours, "retention");
  differs(next.dedup_hours != c.dedup_hours, "dedup");
  differs(next.stats.rollups != c.stats.rollups || next.stats.retention_days != c.stats.retention_days, "stats");
  differs(next.ocr.enabled != c.ocr.enabled || next.ocr.backend != c.ocr.backend || next.ocr.workers != c.ocr.workers,
          "ocr");
  differs(next.embeddings != c.embeddings, "embeddings");
  differs(next.near_duplicates != c.near_duplicates, "near_duplicates");
  std::set<std::string> ocr_off;
  for (const auto& t : next.tenants)
    if (!t.ocr) ocr_off.insert(t.name);
  differs(ocr_off != d.ocr_off_tenants, "tenants[].ocr");

  // Tokens: a token the new config drops stays valid for the grace period
  // (or what was left of an earlier one); one it keeps or grants anew is
  // valid without end.
  const auto now = std::chrono::steady_clock::now();
  size_t token_count = 0;
  {
    std::lock_guard lock(d.tokens_mutex);
    std::map<std::string, impl::principal> fresh;
    for (const auto& t : next.tenants)
      for (const auto& tok : t.tokens) fresh[tok.sha256_hex] = {t.name, tok.granted};
    token_count = fresh.size();
    const auto grace_end = now + std::chrono::seconds(next.token_grace_seconds);
    if (next.token_grace_seconds > 0)
      for (const auto& [hex, p] : d.tokens)
        if (!fresh.count(hex) && now < p.valid_until) {
          impl::principal kept = p;
          kept.valid_until = std::min(p.valid_until, grace_end);
          fresh.emplace(hex, kept);
        }
    d.tokens = std::move(fresh);
  }
  // Limits and tenants, read under sessions_mutex (accept, Hello, /metrics).
  {
    std::lock_guard lock(d.sessions_mutex);
    d.config.max_connections = next.max_connections;
    d.config.max_connections_per_tenant = next.max_connections_per_tenant;
    d.config.hello_timeout_seconds = next.hello_timeout_seconds;
    d.config.frame_timeout_seconds = next.frame_timeout_seconds;
    d.config.idle_timeout_seconds = next.idle_timeout_seconds;
    d.config.ingest_posts_per_second = next.ingest_posts_per_second;
    d.config.token_grace_seconds = next.token_grace_seconds;
    d.config.tenants = next.tenants;
  }
  d.ingest_limits.set_limits(ingest_limiter::limits_of(next));
  d.campaigns->set_tenants(next.tenants);
  d.connectors->configure(next.tenants);

  auto line = log_info("config reloaded");
  line.with("tenants", next.tenants.size()).with("tokens", token_count);
  if (!need_restart.empty()) {
    std::string keys;
    for (const auto& k : need_restart) keys += (keys.empty() ? "" : ", ") + k;
    line.with("needs_restart", keys);
  }
  ++d.metrics.config_reloads;
  return need_restart;
}

std::string sitod::impl::time_zone_of(const std::string& tenant) {
  std::lock_guard lock(sessions_mutex);
  for (const auto& t : config.tenants)
    if (t.name == tenant) return t.time_zone;
  return "UTC";
}

std::vector<std::string> sitod::impl::topic_group(const std::string& tenant, const std::string& name) {
  std::lock_guard lock(sessions_mutex);
  for (const auto& t : config.tenants)
    if (t.name == tenant)
      if (auto it = t.topic_groups.find(name); it != t.topic_groups.end()) return it->second;
  return {};
}

uint16_t sitod::port() const { return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0; }
uint16_t sitod::http_port() const {
  return impl_->http_acceptor ? impl_->http_acceptor->local_endpoint().port() : 0;
}

std::optional<uint64_t> sitod::committed_offset(const std::string& tenant, const std::string& subscription) const {
  return impl_->db->committed_offset(tenant, subscription);
}

bool sitod::wait_until_matched() {
  impl& d = *impl_;
  std::unique_lock lock(d.match_mutex);
  auto matched = [&] { return d.sunk_watermark >= d.db->next_post_offset(); };
  // The matcher commits nothing while the store cannot write: checked
  // every 100 ms, as no notification comes then.
  while (!d.stopping && !matched()) {
    if (!d.db->health().ok) return false;
    d.matched_cv.wait_for(lock, std::chrono::milliseconds(100));
  }
  return matched();
}

void sitod::impl::schedule_retention() {
  // Retention runs once a minute on the worker pool, never on the I/O threads.
  if (!retention_timer) retention_timer = std::make_unique<net::steady_timer>(listen_strand);
  retention_timer->expires_after(std::chrono::minutes(1));
  retention_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped) return;
    bool merge = false;
    {
      std::lock_guard lock(compile_mutex);
      merge = !pending.empty();
    }
    if (merge) merge_in_background();  // fold the delta into a full compile
    net::post(background, [this] {
      auto deleted = db->apply_retention(now_ms());
      if (deleted.ok()) metrics.retention_deleted += *deleted;
      else log_error("retention failed").with("error", deleted.error().message());
    });
    schedule_retention();
  });
}

void sitod::impl::schedule_store_check() {
  // Once a second: a store that cannot write is reopened (on the worker
  // pool) without waiting for a producer or the matcher, and the log says
  // when writing stopped and when it came back.
  if (!store_timer) store_timer = std::make_unique<net::steady_timer>(listen_strand);
  store_timer->expires_after(std::chrono::seconds(1));
  store_timer->async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped) return;
    const store_health h = db->health();
    if (h.ok != store_was_ok) {
      if (h.ok) log_info("store writes again");
      else log_error("store cannot write: ingest refused, matching waits").with("reason", h.reason);
      store_was_ok = h.ok;
    }
    if (!h.ok && !store_resuming.exchange(true))  // one at a time on the pool
      net::post(workers, [this] {
        (void)db->try_resume();
        store_resuming = false;
      });
    schedule_store_check();
  });
}

}  // namespace sito::server
