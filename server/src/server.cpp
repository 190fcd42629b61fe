#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "replaced_versions.hpp"
#include "server_impl.hpp"
#include "sito/model/topic.hpp"
#include "sito/server/json_log.hpp"
#include "text_escape.hpp"

namespace sito::server {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A file's readability, with the OS's reason when it is not.
status check_readable(const std::string& path, const std::string& what) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return invalid_argument("tls: cannot read the " + what + " '" + path + "': " + std::strerror(errno));
  std::fclose(f);
  return ok_status();
}

/// Loads the listener's certificate chain and key into `ctx`: TLS 1.2 and
/// later only. Messages name the file and OpenSSL's reason, never the key.
status configure_tls(net::ssl::context& ctx, const tls_config& tls) {
  SITO_RETURN_IF_ERROR(check_readable(tls.cert_file, "certificate"));
  SITO_RETURN_IF_ERROR(check_readable(tls.key_file, "private key"));
  boost::system::error_code ec;
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                      net::ssl::context::single_dh_use,
                  ec);
  if (ec) return internal_error("tls: cannot set options: " + ec.message());
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    return internal_error("tls: cannot require TLS 1.2 or later");
  // An encrypted key would make OpenSSL prompt on the terminal; fail instead.
  ctx.set_password_callback([](std::size_t, net::ssl::context::password_purpose) { return std::string(); }, ec);
  ctx.use_certificate_chain_file(tls.cert_file, ec);
  if (ec) return invalid_argument("tls: '" + tls.cert_file + "' is not a usable PEM certificate chain: " + ec.message());
  const std::string mismatch =
      "tls: the private key '" + tls.key_file + "' does not match the certificate '" + tls.cert_file + "'";
  ctx.use_private_key_file(tls.key_file, net::ssl::context::pem, ec);
  if (ec && ec.category() == net::error::get_ssl_category() &&
      ERR_GET_LIB(static_cast<unsigned long>(ec.value())) == ERR_LIB_X509 &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
    return invalid_argument(mismatch);
  if (ec)
    return invalid_argument("tls: '" + tls.key_file + "' is not a usable PEM private key (encrypted keys are not supported): " +
                            ec.message());
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) return invalid_argument(mismatch);
  return ok_status();
}

}  // namespace

sitod::sitod() : impl_(std::make_unique<impl>()) {}
sitod::~sitod() { stop(); }

result<std::unique_ptr<sitod>> sitod::create(const server_config& config) {
  std::unique_ptr<sitod> s(new sitod());
  impl& d = *s->impl_;
  d.config = config;
  if (config.tls) {
    SITO_RETURN_IF_ERROR(configure_tls(d.ssl_context, *config.tls));
    d.tls = true;
  }
  store_options so;
  so.path = config.data_dir;
  so.retention_bytes = config.retention_bytes;
  so.retention_ms = config.retention_hours * 3600 * 1000;
  so.sync_writes = config.sync_writes;
  so.dedup_window_ms = config.dedup_hours.value_or(config.retention_hours) * 3600 * 1000;
  SITO_ASSIGN_OR_RETURN(d.db, store::open(so));
  spike_params sp;
  sp.z = config.alerts.z;
  sp.min_ratio = config.alerts.min_ratio;
  sp.min_count = config.alerts.min_count;
  sp.warmup_minutes = config.alerts.warmup_minutes;
  sp.cooldown_ms = int64_t{config.alerts.cooldown_minutes} * 60'000;
  d.stats.set_params(sp);
  for (const auto& t : config.tenants) {
    for (const auto& tok : t.tokens) d.tokens[tok.sha256_hex] = {t.name, tok.granted};
    std::string lexicon;
    if (!t.topics_file.empty()) {
      auto file = load_tenant_file(t.topics_file);
      if (!file.ok()) return file.error();
      lexicon = file->sentiment_lexicon;
      // Seed a tenant's topics from its file the first time it is seen.
      if (d.db->topics(t.name).empty()) {
        for (auto& topic : file->topics) {
          topic.tenant = t.name;
          SITO_RETURN_IF_ERROR(d.db->put_topic(topic));
        }
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
  // Aggregates live in memory: rebuild the last day's from the mention log
  // (counts and spike baselines, no alerts), so a restart does not zero them.
  {
    const auto started = std::chrono::steady_clock::now();
    const int64_t since = now_ms() - 24 * 3600 * 1000;
    constexpr size_t max_replayed = 5'000'000;
    size_t replayed = 0;
    std::vector<mention_record> chunk;
    for (const auto& t : config.tenants) {
      auto from = d.db->mention_offset_at(t.name, since);
      if (!from.ok()) continue;
      for (uint64_t next = *from; replayed < max_replayed && next < d.db->next_mention_offset(t.name);) {
        chunk.clear();
        if (!d.db->read_mentions(t.name, next, 4096, chunk).ok() || chunk.empty()) break;
        for (const auto& m : chunk) {
          next = m.offset + 1;
          if (m.backfill) continue;  // live mentions only, as the matcher counts them
          d.stats.record(m.tenant, m.topic, m.tags, static_cast<rules::sentiment>(m.sentiment), m.matched_at_ms,
                         /*detect=*/false);
          ++replayed;
        }
      }
    }
    if (replayed > 0)
      log_info("aggregates rebuilt from the mention log")
          .with("mentions", replayed)
          .with("ms",
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count());
  }
  bool any_ocr_tenant = config.tenants.empty();
  for (const auto& t : config.tenants) {
    if (t.ocr) any_ocr_tenant = true;
    else d.ocr_off_tenants.insert(t.name);
  }
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

std::pair<const ruleset_snapshot*, uint32_t> ruleset_state::find(const std::string& tenant,
                                                                 const std::string& id) const {
  if (delta)
    for (uint32_t i = 0; i < delta->topics.size(); ++i)
      if (delta->topics[i].tenant == tenant && delta->topics[i].id == id) return {delta.get(), i};
  if (shadowed.count(key(tenant, id))) return {nullptr, 0};
  for (uint32_t i = 0; i < snapshot->topics.size(); ++i)
    if (snapshot->topics[i].tenant == tenant && snapshot->topics[i].id == id) return {snapshot.get(), i};
  return {nullptr, 0};
}

result<uint64_t> sitod::impl::swap_with_delta(std::shared_ptr<const ruleset_snapshot> base,
                                              std::shared_ptr<batch_scanner> scanner) {
  auto state = std::make_shared<ruleset_state>();
  state->snapshot = std::move(base);
  state->scanner = std::move(scanner);
  std::vector<topic_spec> delta_topics;
  for (const auto& [k, change] : pending) {
    state->shadowed.insert(k);
    if (change.topic) delta_topics.push_back(*change.topic);
  }
  if (!delta_topics.empty()) {
    auto delta = compile_topics(delta_topics, compile_opts);
    if (!delta.ok()) return delta.error();
    state->delta = *delta;
    state->delta_scanner = std::make_shared<batch_scanner>(*delta);
  }
  size_t live = state->delta ? state->delta->topics.size() : 0;
  for (const auto& t : state->snapshot->topics)
    if (!state->shadowed.count(ruleset_state::key(t.tenant, t.id))) ++live;
  {
    std::lock_guard lock(ruleset_mutex);
    state->version = (ruleset ? ruleset->version : 0) + 1;
    ruleset = state;
  }
  metrics.snapshot_version = state->version;
  metrics.topics_loaded = live;
  metrics.delta_topics = pending.size();
  return state->version;
}

result<uint64_t> sitod::impl::recompile(const std::string& tenant, std::vector<topic_diagnostic>* diagnostics) {
  const auto started = std::chrono::steady_clock::now();
  uint64_t start_seq;
  {
    std::lock_guard compile_lock(compile_mutex);
    start_seq = change_seq;  // every change up to here is already in the store
  }
  // The long part runs without the lock: upserts keep going into the delta.
  std::vector<topic_spec> topics = db->all_topics();
  compile_report report;
  auto snap = compile_topics(topics, compile_opts, &report);
  if (!snap.ok()) return snap.error();
  if (diagnostics) {
    for (auto& e : report.errors)
      if (tenant.empty() || e.tenant == tenant) diagnostics->push_back(e);
    for (auto& w : report.warnings)
      if (tenant.empty() || w.tenant == tenant) diagnostics->push_back(w);
  }
  auto scanner = std::make_shared<batch_scanner>(*snap);
  std::lock_guard compile_lock(compile_mutex);
  for (auto it = pending.begin(); it != pending.end();)
    it = it->second.seq <= start_seq ? pending.erase(it) : std::next(it);
  auto version = swap_with_delta(*snap, std::move(scanner));
  metrics.last_compile_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  return version;
}

result<uint64_t> sitod::impl::apply_changes(const std::string& tenant, const std::vector<topic_spec>& upserted,
                                            const std::vector<std::string>& deleted) {
  std::lock_guard compile_lock(compile_mutex);
  for (const auto& t : upserted) pending[ruleset_state::key(tenant, t.id)] = {++change_seq, t};
  for (const auto& id : deleted) pending[ruleset_state::key(tenant, id)] = {++change_seq, std::nullopt};
  auto base = current_ruleset();
  auto version = swap_with_delta(base->snapshot, base->scanner);
  if (pending.size() >= 256) merge_in_background();
  return version;
}

void sitod::impl::merge_in_background() {
  if (merge_running.exchange(true)) return;
  net::post(background, [this] {
    (void)recompile("", nullptr);
    merge_running = false;
  });
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
  if (d.ocr) d.ocr->start();
  d.matcher_thread = std::thread([&d] { d.matcher_loop(); });
  for (int i = 0; i < 2; ++i) d.io_threads.emplace_back([&d] { d.io.run(); });
  return ok_status();
}

void sitod::stop() {
  impl& d = *impl_;
  if (!d.started || d.stopped.exchange(true)) return;
  // 1. No new connections; 2. finish matching what was acknowledged;
  // 3. close sessions; 4. join.
  net::post(d.listen_strand, [&d] {
    boost::system::error_code ignored;
    if (d.retention_timer) d.retention_timer->cancel();
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
  // No more offers now; OCR work gets drain_ms, then is dropped (counted).
  if (d.ocr) d.ocr->stop();
  {
    std::lock_guard lock(d.sessions_mutex);
    for (auto& s : d.sessions) s->close();
  }
  d.workers.join();
  d.background.join();
  d.work.reset();
  d.io.stop();
  for (auto& t : d.io_threads) t.join();
  d.io_threads.clear();
}

uint16_t sitod::port() const { return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0; }
uint16_t sitod::http_port() const {
  return impl_->http_acceptor ? impl_->http_acceptor->local_endpoint().port() : 0;
}

std::optional<uint64_t> sitod::committed_offset(const std::string& tenant, const std::string& subscription) const {
  return impl_->db->committed_offset(tenant, subscription);
}

void sitod::wait_until_matched() {
  impl& d = *impl_;
  std::unique_lock lock(d.match_mutex);
  d.matched_cv.wait(lock, [&] { return d.stopping || d.db->matched_watermark() >= d.db->next_post_offset(); });
}

void sitod::impl::notify_posts_appended() {
  { std::lock_guard lock(match_mutex); }
  match_cv.notify_one();
}

void sitod::impl::matcher_loop() {
  std::vector<stored_post> batch;
  std::vector<post> posts;
  std::vector<mention_record> mentions;
  scan_output out;
  constexpr size_t max_batch = 4096;
  constexpr size_t max_batch_bytes = 64u << 20;  // posts with images are large: bound the batch's memory too
  for (;;) {
    {
      std::unique_lock lock(match_mutex);
      match_cv.wait(lock, [&] { return stopping || db->matched_watermark() < db->next_post_offset(); });
      if (stopping && db->matched_watermark() >= db->next_post_offset()) return;
    }
    // Where the cycle's time goes (server_metrics::matcher_stage_us).
    auto stage_start = std::chrono::steady_clock::now();
    auto stage_done = [&](server_metrics::matcher_stage stage) {
      const auto now = std::chrono::steady_clock::now();
      metrics.matcher_stage_us[stage] +=
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - stage_start).count());
      stage_start = now;
    };
    const uint64_t from = db->matched_watermark();
    // Only posts whose append has completed (and been acknowledged).
    const uint64_t end = db->next_post_offset();
    batch.clear();
    if (end <= from || !db->read_posts(from, std::min<uint64_t>(max_batch, end - from), batch, max_batch_bytes).ok() || batch.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    // One snapshot for the whole batch: no post is matched half old, half new.
    std::shared_ptr<const ruleset_state> rs = current_ruleset();
    posts.clear();
    for (auto& sp : batch) posts.push_back(std::move(sp.p));
    stage_done(server_metrics::read);
    mentions.clear();
    const int64_t matched_at = now_ms();
    std::set<std::string> tenants;
    auto collect = [&](const ruleset_snapshot& snap, bool skip_shadowed) {
      for (const auto& m : out.matches) {
        const compiled_topic& t = snap.topics[m.topic];
        if (skip_shadowed && !rs->shadowed.empty() && rs->shadowed.count(ruleset_state::key(t.tenant, t.id))) continue;
        mention_record r;
        r.post_offset = batch[m.post].offset;
        r.ingested_at_ms = batch[m.post].ingested_at_ms;
        r.matched_at_ms = matched_at;
        r.snapshot_version = rs->version;
        annotate_mention(r, out, m, snap);
        tenants.insert(r.tenant);
        mentions.push_back(std::move(r));
      }
    };
    uint64_t dropped = 0;
    rs->scanner->scan(posts, out);
    dropped += out.dropped;
    collect(*rs->snapshot, true);
    if (rs->delta_scanner) {
      rs->delta_scanner->scan(posts, out);
      dropped += out.dropped;
      collect(*rs->delta, false);
    }
    // An edit gives only the mentions its replaced version would not have
    // given (store.hpp, idempotent ingest).
    std::map<uint64_t, std::set<std::string>> repeated = replaced_topics(*rs, batch);
    if (!repeated.empty()) {
      const size_t before = mentions.size();
      std::erase_if(mentions, [&](const mention_record& m) {
        auto it = repeated.find(m.post_offset);
        return it != repeated.end() && it->second.count(ruleset_state::key(m.tenant, m.topic)) != 0;
      });
      metrics.mentions_repeated_by_edits += before - mentions.size();
    }
    const uint64_t watermark = batch.back().offset + 1;
    stage_done(server_metrics::scan);
    status st = db->commit_matches(watermark, mentions);
    stage_done(server_metrics::commit);
    if (!st.ok()) {
      log_error("commit_matches failed").with("error", st.message());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // Text mentions are committed; posts with images go to the OCR lane
    // (never blocks: a full lane sheds by its policy).
    if (ocr && std::any_of(posts.begin(), posts.end(), [](const post& p) { return !p.images.empty(); })) {
      std::map<uint64_t, std::set<std::string>> text_topics;  // post offset → topics its text matched
      for (const auto& m : mentions) text_topics[m.post_offset].insert(ruleset_state::key(m.tenant, m.topic));
      for (auto& [offset, keys] : repeated) text_topics[offset].merge(keys);  // an edit's picture text too
      for (size_t i = 0; i < posts.size(); ++i) {
        if (posts[i].images.empty()) continue;
        ocr_job job;
        job.post_offset = batch[i].offset;
        job.ingested_at_ms = batch[i].ingested_at_ms;
        if (auto it = text_topics.find(job.post_offset); it != text_topics.end()) job.text_topics = std::move(it->second);
        job.p = std::move(posts[i]);
        ocr->offer(std::move(job));
      }
    }
    ++metrics.matcher_batches;
    metrics.posts_matched += batch.size();
    metrics.mentions_committed += mentions.size();
    metrics.mentions_dropped_by_rules += dropped;
    // Aggregates and spike alerts count committed mentions (live ones only).
    std::vector<spike_alert> alerts;
    for (const auto& m : mentions) {
      auto raised = stats.record(m.tenant, m.topic, m.tags, static_cast<rules::sentiment>(m.sentiment), matched_at);
      alerts.insert(alerts.end(), std::make_move_iterator(raised.begin()), std::make_move_iterator(raised.end()));
    }
    if (!alerts.empty()) publish_alerts(alerts);
    if (!mentions.empty()) {
      std::lock_guard lock(metrics.per_topic_mutex);
      for (const auto& m : mentions) ++metrics.mentions_per_topic[m.tenant + "/" + m.topic];
    }
    { std::lock_guard lock(match_mutex); }
    matched_cv.notify_all();
    if (!tenants.empty()) notify_mentions(tenants);
    stage_done(server_metrics::after);
  }
}

std::map<uint64_t, std::set<std::string>> sitod::impl::replaced_topics(const ruleset_state& rs,
                                                                       const std::vector<stored_post>& batch) {
  std::map<uint64_t, std::set<std::string>> out;
  auto collect = [&](const ruleset_snapshot& snap, batch_scanner& scanner, bool skip_shadowed) {
    for (const auto& [offset, topics] : detail::topics_of_replaced(*db, scanner, batch))
      for (const uint32_t t : topics) {
        std::string key = ruleset_state::key(snap.topics[t].tenant, snap.topics[t].id);
        if (!(skip_shadowed && rs.shadowed.count(key))) out[offset].insert(std::move(key));
      }
  };
  collect(*rs.snapshot, *rs.scanner, true);
  if (rs.delta_scanner) collect(*rs.delta, *rs.delta_scanner, false);
  return out;
}

void sitod::impl::publish_alerts(const std::vector<spike_alert>& alerts) {
  metrics.alerts_raised += alerts.size();
  for (const auto& a : alerts)
    log_warning("mention spike")
        .with("tenant", a.tenant)
        .with("topic", a.topic)
        .with("tag", a.tag)
        .with("count", a.count)
        .with("baseline", a.baseline);
  auto shared = std::make_shared<const std::vector<spike_alert>>(alerts);
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    targets.assign(sessions.begin(), sessions.end());
  }
  for (auto& s : targets) s->on_alerts(shared);
}

void sitod::impl::on_ocr_done(ocr_job& job, std::string image_text) {
  const int64_t done_at = now_ms();
  auto record_latency = [&] {
    const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, done_at - job.ingested_at_ms));
    ocr_stats.latency_ms_sum += ms;
    uint64_t prev = ocr_stats.latency_ms_max.load();
    while (ms > prev && !ocr_stats.latency_ms_max.compare_exchange_weak(prev, ms)) {
    }
  };
  if (image_text.empty()) {
    record_latency();
    return;
  }
  post without = std::move(job.p);
  post with = without;
  with.image_text = without.image_text.empty() ? image_text : without.image_text + "\n" + image_text;
  if (status st = db->set_post_image_text(job.post_offset, with.image_text); !st.ok() && st.code() != status_code::not_found)
    log_error("storing OCR text failed").with("error", st.message());
  std::shared_ptr<const ruleset_state> rs = current_ruleset();
  std::vector<post> pair;
  pair.push_back(std::move(with));
  pair.push_back(std::move(without));
  std::vector<mention_record> found;
  std::set<std::string> tenants;
  scan_output out;
  auto collect = [&](const ruleset_snapshot& snap, bool skip_shadowed) {
    std::set<uint32_t> without_ocr;  // topics the same ruleset matches without the OCR text
    for (const auto& m : out.matches)
      if (m.post == 1) without_ocr.insert(m.topic);
    for (const auto& m : out.matches) {
      if (m.post != 0 || without_ocr.count(m.topic)) continue;
      const compiled_topic& t = snap.topics[m.topic];
      const std::string key = ruleset_state::key(t.tenant, t.id);
      if (skip_shadowed && rs->shadowed.count(key)) continue;
      if (job.text_topics.count(key) || ocr_off_tenants.count(t.tenant)) continue;
      mention_record r;
      r.post_offset = job.post_offset;
      r.ingested_at_ms = job.ingested_at_ms;
      r.matched_at_ms = done_at;
      r.snapshot_version = rs->version;
      r.from_image = true;
      annotate_mention(r, out, m, snap);
      tenants.insert(r.tenant);
      found.push_back(std::move(r));
    }
  };
  rs->scanner->scan(pair, out);
  collect(*rs->snapshot, true);
  if (rs->delta_scanner) {
    rs->delta_scanner->scan(pair, out);
    collect(*rs->delta, false);
  }
  if (!found.empty()) {
    if (status st = db->append_mentions(found); !st.ok()) {
      log_error("appending OCR mentions failed").with("error", st.message());
      return;
    }
    ocr_stats.mentions += found.size();
    metrics.mentions_committed += found.size();
    {
      std::lock_guard lock(metrics.per_topic_mutex);
      for (const auto& m : found) ++metrics.mentions_per_topic[m.tenant + "/" + m.topic];
    }
    // Mentions found in pictures count in the aggregates and can spike too.
    std::vector<spike_alert> alerts;
    for (const auto& m : found) {
      auto raised = stats.record(m.tenant, m.topic, m.tags, static_cast<rules::sentiment>(m.sentiment), done_at);
      alerts.insert(alerts.end(), std::make_move_iterator(raised.begin()), std::make_move_iterator(raised.end()));
    }
    if (!alerts.empty()) publish_alerts(alerts);
    notify_mentions(tenants);
  }
  record_latency();
}

void sitod::impl::notify_mentions(const std::set<std::string>& tenants) {
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    targets.assign(sessions.begin(), sessions.end());
  }
  for (auto& s : targets)
    for (const auto& t : tenants) s->on_mentions(t);
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

void sitod::impl::accept() {
  acceptor->async_accept(io, [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;  // closed on stop
    auto s = std::make_shared<session>(*this, std::move(socket));
    {
      std::lock_guard lock(sessions_mutex);
      sessions.insert(s);
    }
    ++metrics.sessions_open;
    s->start();
    accept();
  });
}

std::string sitod::impl::metrics_text() {
  std::ostringstream o;
  auto line = [&](const char* name, const char* help, uint64_t v, const char* type = "counter") {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n" << name << " " << v << "\n";
  };
  line("sito_posts_ingested_total", "posts acknowledged to producers", metrics.posts_ingested);
  line("sito_posts_rejected_total", "posts rejected with a reason", metrics.posts_rejected);
  line("sito_posts_duplicate_total", "posts acknowledged as duplicates of ones already accepted (not matched again)",
       metrics.posts_duplicate);
  line("sito_posts_edited_total", "posts stored as an edit of an earlier version with the same id", metrics.posts_edited);
  line("sito_posts_matched_total", "posts matched into the mention log", metrics.posts_matched);
  line("sito_mentions_committed_total", "mentions written to the mention log", metrics.mentions_committed);
  line("sito_mentions_delivered_total", "mentions sent to subscribers", metrics.mentions_delivered);
  line("sito_frames_malformed_total", "frames answered with an Error", metrics.frames_malformed);
  line("sito_snapshot_version", "ruleset snapshot in use", metrics.snapshot_version, "gauge");
  line("sito_topics", "topics in the snapshot", metrics.topics_loaded, "gauge");
  line("sito_last_compile_microseconds", "duration of the last full topic compile", metrics.last_compile_us, "gauge");
  line("sito_delta_topics", "topic changes served from the delta, not yet merged", metrics.delta_topics, "gauge");
  const uint64_t lag = db->next_post_offset() - db->matched_watermark();
  line("sito_match_lag_posts", "acknowledged posts not yet matched", lag, "gauge");
  line("sito_sessions", "open protocol connections", metrics.sessions_open, "gauge");
  line("sito_stored_bytes", "bytes retained in the post and mention logs", db->stored_bytes(), "gauge");
  line("sito_retention_deleted_total", "records dropped by retention", metrics.retention_deleted);
  line("sito_session_write_queue_frames", "frames queued for writing, summed over sessions", metrics.write_queue_frames,
       "gauge");
  line("sito_tls_handshake_failures_total", "connections dropped before completing the TLS handshake",
       metrics.tls_handshake_failures);
  line("sito_mentions_dropped_by_rules_total", "mentions a topic rule dropped", metrics.mentions_dropped_by_rules);
  line("sito_mentions_repeated_by_edits_total", "mentions an edited post did not give again (its earlier version had)",
       metrics.mentions_repeated_by_edits);
  line("sito_alerts_total", "spike alerts raised", metrics.alerts_raised);
  line("sito_matcher_batches_total", "batches the matcher took from the post log (read, scan, commit, after)",
       metrics.matcher_batches);
  o << "# HELP sito_matcher_stage_microseconds_total time the matcher spent per stage: reading and decoding posts, "
       "scanning them (with edits), committing the mentions, and counting and notifying after\n"
       "# TYPE sito_matcher_stage_microseconds_total counter\n";
  for (int k = 0; k < server_metrics::matcher_stage_count; ++k)
    o << "sito_matcher_stage_microseconds_total{stage=\"" << server_metrics::matcher_stage_names[k] << "\"} "
      << metrics.matcher_stage_us[k] << "\n";
  {
    // Rolling counters per topic and tag, loyalty and share of voice (stream_stats.hpp).
    std::set<std::string> tenant_names;
    for (const auto& t : config.tenants) tenant_names.insert(t.name);
    const int64_t now = now_ms();
    o << "# HELP sito_mentions_window mentions in a rolling window by sentiment\n# TYPE sito_mentions_window gauge\n";
    std::ostringstream loyalty, share;
    loyalty << "# HELP sito_loyalty_index (pos-neg)/(pos+neg) over the window\n# TYPE sito_loyalty_index gauge\n";
    share << "# HELP sito_share_of_voice a topic's share of its tenant's topic mentions\n# TYPE sito_share_of_voice gauge\n";
    for (const auto& tenant : tenant_names) {
      for (const auto& r : stats.summary(tenant, now)) {
        const std::string labels = "tenant=\"" + escape_quoted(tenant) + "\",topic=\"" + escape_quoted(r.topic) +
                                   "\",tag=\"" + escape_quoted(r.tag) + "\"";
        const std::pair<const char*, const sentiment_counts*> windows[] = {{"minute", &r.minute}, {"hour", &r.hour}, {"day", &r.day}};
        for (const auto& [w, c] : windows) {
          o << "sito_mentions_window{" << labels << ",window=\"" << w << "\",sentiment=\"negative\"} " << c->negative << "\n";
          o << "sito_mentions_window{" << labels << ",window=\"" << w << "\",sentiment=\"neutral\"} " << c->neutral << "\n";
          o << "sito_mentions_window{" << labels << ",window=\"" << w << "\",sentiment=\"positive\"} " << c->positive << "\n";
        }
        loyalty << "sito_loyalty_index{" << labels << ",window=\"hour\"} " << r.hour.loyalty() << "\n";
        loyalty << "sito_loyalty_index{" << labels << ",window=\"day\"} " << r.day.loyalty() << "\n";
        if (r.tag.empty()) {
          share << "sito_share_of_voice{" << labels << ",window=\"hour\"} " << r.share_of_voice_hour << "\n";
          share << "sito_share_of_voice{" << labels << ",window=\"day\"} " << r.share_of_voice_day << "\n";
        }
      }
    }
    o << loyalty.str() << share.str();
  }
  {
    // Lag per subscription: the tenant's next mention offset minus the
    // subscription's next offset to deliver. Two connections subscribed under
    // one name report the larger lag (one series per tenant and name).
    std::map<std::string, uint64_t> heads;
    std::map<std::pair<std::string, std::string>, uint64_t> lags;
    for (const auto& e : progress.snapshot()) {
      auto [head, fresh] = heads.try_emplace(e.tenant, 0);
      if (fresh) head->second = db->next_mention_offset(e.tenant);
      uint64_t& lag = lags[{e.tenant, e.subscription}];
      lag = std::max(lag, head->second > e.next ? head->second - e.next : 0);
    }
    o << "# HELP sito_subscription_lag_mentions mentions in the tenant's log not yet delivered to the subscription\n"
         "# TYPE sito_subscription_lag_mentions gauge\n";
    for (const auto& [key, lag] : lags)
      o << "sito_subscription_lag_mentions{tenant=\"" << escape_quoted(key.first) << "\",subscription=\""
        << escape_quoted(key.second) << "\"} " << lag << "\n";
  }
  {
    const char* c = "counter";
    line("sito_ocr_enabled", "1 when the OCR lane runs", ocr ? 1 : 0, "gauge");
    line("sito_ocr_posts_queued_total", "posts with images offered to the OCR lane and queued", ocr_stats.posts_queued, c);
    line("sito_ocr_posts_done_total", "posts whose images the OCR lane read", ocr_stats.posts_done, c);
    o << "# HELP sito_ocr_shed_total posts the OCR lane dropped unread, by reason (README: shed policy)\n"
         "# TYPE sito_ocr_shed_total counter\n"
      << "sito_ocr_shed_total{reason=\"queue_full\"} " << ocr_stats.shed_queue_full << "\n"
      << "sito_ocr_shed_total{reason=\"stale\"} " << ocr_stats.shed_stale << "\n"
      << "sito_ocr_shed_total{reason=\"shutdown\"} " << ocr_stats.shed_shutdown << "\n"
      << "sito_ocr_shed_total{reason=\"backend_unavailable\"} " << ocr_stats.backend_unavailable << "\n";
    line("sito_ocr_images_read_total", "images read by OCR", ocr_stats.images_read, c);
    line("sito_ocr_images_failed_total", "images that failed to decode or recognize", ocr_stats.images_failed, c);
    line("sito_ocr_images_skipped_total", "images past ocr.max_images_per_post, not read", ocr_stats.images_skipped, c);
    line("sito_ocr_mentions_total", "mentions found only through OCR", ocr_stats.mentions, c);
    line("sito_ocr_queue_posts", "posts waiting for OCR", ocr_stats.queue_posts, "gauge");
    line("sito_ocr_queue_bytes", "image bytes waiting for OCR", ocr_stats.queue_bytes, "gauge");
    line("sito_ocr_latency_ms_sum", "ingest to OCR done, summed over done posts (divide by posts_done)",
         ocr_stats.latency_ms_sum, c);
    line("sito_ocr_latency_ms_max", "the longest ingest to OCR done", ocr_stats.latency_ms_max, "gauge");
    o << "# HELP sito_ocr_stage_microseconds_total time spent per OCR stage\n"
         "# TYPE sito_ocr_stage_microseconds_total counter\n"
      << "sito_ocr_stage_microseconds_total{stage=\"decode\"} " << ocr_stats.decode_us << "\n"
      << "sito_ocr_stage_microseconds_total{stage=\"preprocess\"} " << ocr_stats.preprocess_us << "\n"
      << "sito_ocr_stage_microseconds_total{stage=\"recognize\"} " << ocr_stats.recognize_us << "\n";
  }
  o << "# HELP sito_topic_mentions_total mentions committed per topic\n# TYPE sito_topic_mentions_total counter\n";
  {
    std::lock_guard lock(metrics.per_topic_mutex);
    for (const auto& [key, n] : metrics.mentions_per_topic) {
      const size_t slash = key.find('/');
      o << "sito_topic_mentions_total{tenant=\"" << escape_quoted(key.substr(0, slash)) << "\",topic=\""
        << escape_quoted(key.substr(slash + 1)) << "\"} " << n << "\n";
    }
  }
  return o.str();
}

void sitod::impl::accept_http() {
  http_acceptor->async_accept(io, [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec) return;
    auto sock = std::make_shared<tcp::socket>(std::move(socket));
    auto buf = std::make_shared<std::string>();
    buf->resize(4096);
    sock->async_read_some(net::buffer(*buf), [this, sock, buf](const boost::system::error_code& rec, size_t n) {
      if (rec) return;
      const std::string request = buf->substr(0, n);
      std::string body, status_line = "200 OK", type = "text/plain; version=0.0.4";
      if (request.rfind("GET /metrics", 0) == 0) {
        body = metrics_text();
      } else if (request.rfind("GET /health", 0) == 0) {
        body = "{\"status\":\"ok\",\"snapshot_version\":" + std::to_string(metrics.snapshot_version.load()) + "}\n";
        type = "application/json";
      } else {
        status_line = "404 Not Found";
        body = "not found\n";
      }
      auto response = std::make_shared<std::string>("HTTP/1.1 " + status_line + "\r\nContent-Type: " + type +
                                                    "\r\nContent-Length: " + std::to_string(body.size()) +
                                                    "\r\nConnection: close\r\n\r\n" + body);
      net::async_write(*sock, net::buffer(*response), [sock, response](const boost::system::error_code&, size_t) {
        boost::system::error_code ignored;
        sock->shutdown(tcp::socket::shutdown_both, ignored);
      });
    });
    accept_http();
  });
}

}  // namespace sito::server
