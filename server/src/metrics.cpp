// sitod's metrics: the Prometheus text of /metrics, from the counters the
// roles keep in server_metrics (server_impl.hpp), the store's health, the OCR
// lane, the subscriptions and the rollups' running hour.
#include <sstream>

#include "server_impl.hpp"
#include "text_escape.hpp"

namespace sito::server {

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
  if (near_dups) {
    const near_duplicate_stage::counters nd = near_dups->snapshot();
    line("sito_near_duplicate_checks_total", "matched posts checked for near-duplicates (once per post)", nd.checked);
    line("sito_near_duplicates_total", "matched posts found to be near-duplicates of an earlier post of the window",
         nd.duplicates);
    line("sito_near_duplicate_window_posts", "posts held in the near-duplicate window", nd.held, "gauge");
    line("sito_near_duplicate_window_bytes", "memory of the near-duplicate window", nd.memory_bytes, "gauge");
  }
  if (semantic) {
    const semantic_stage::counters sc = semantic->snapshot();
    line("sito_semantic_posts_total", "posts embedded to decide semantic tags (once per post and ruleset)", sc.posts);
    line("sito_semantic_errors_total", "batches whose semantic tags the embedding backend failed to decide", sc.errors);
  }
  line("sito_campaign_alerts_total",
       "campaign alerts: a near-duplicate cluster among a topic's mentions reached the tenant's campaign.min_authors",
       metrics.campaign_alerts);
  const store_health store_state = db->health();
  line("sito_store_writable", "1 while the store can write, 0 after a failed write (disk full, I/O error) until it reopens",
       store_state.ok ? 1 : 0, "gauge");
  line("sito_store_write_errors_total", "writes the store could not make (foreground and background)",
       store_state.write_errors);
  line("sito_rollup_cells_corrupt_total", "rollup cells skipped because their bytes did not decode (never expected)",
       db->rollup_corrupt_cells());
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
  line("sito_config_reloads_total", "config reloads applied (SIGHUP)", metrics.config_reloads);
  line("sito_http_connections", "open connections to the HTTP port", metrics.http_connections_open, "gauge");
  line("sito_http_connections_refused_total", "HTTP connections closed as they were accepted: over http.max_connections",
       metrics.http_refused);
  o << "# HELP sito_http_responses_total answers on the HTTP port by status code (400, 408, 413, 431: a client's "
       "request that did not parse, did not arrive in time or was too large)\n"
       "# TYPE sito_http_responses_total counter\n";
  for (unsigned code = 100; code < 600; ++code)
    if (const uint64_t n = metrics.http_responses[code - 100].load(std::memory_order_relaxed))
      o << "sito_http_responses_total{code=\"" << code << "\"} " << n << "\n";
  line("sito_tls_handshake_failures_total", "connections dropped before completing the TLS handshake",
       metrics.tls_handshake_failures);
  o << "# HELP sito_connections_refused_total protocol connections refused or closed by a limit: over "
       "limits.max_connections at accept, a Hello over limits.max_connections_per_tenant, no Hello within "
       "limits.hello_timeout_seconds, a frame not completed within limits.frame_timeout_seconds, no frame and no "
       "subscription for limits.idle_timeout_seconds\n"
       "# TYPE sito_connections_refused_total counter\n"
    << "sito_connections_refused_total{reason=\"max_connections\"} " << metrics.refused_max_connections << "\n"
    << "sito_connections_refused_total{reason=\"max_connections_per_tenant\"} " << metrics.refused_tenant_connections
    << "\n"
    << "sito_connections_refused_total{reason=\"hello_timeout\"} " << metrics.closed_hello_timeout << "\n"
    << "sito_connections_refused_total{reason=\"frame_timeout\"} " << metrics.closed_frame_timeout << "\n"
    << "sito_connections_refused_total{reason=\"idle\"} " << metrics.closed_idle << "\n";
  {
    const auto refused = ingest_limits.counts();
    o << "# HELP sito_ingest_refused_posts_total posts of batches refused by the tenant's ingest rate limit "
         "(Overloaded, sent again by the producer)\n"
         "# TYPE sito_ingest_refused_posts_total counter\n";
    for (const auto& c : refused)
      o << "sito_ingest_refused_posts_total{tenant=\"" << escape_quoted(c.tenant) << "\"} " << c.refused_posts << "\n";
    o << "# HELP sito_ingest_refused_batches_total batches refused by the tenant's ingest rate limit\n"
         "# TYPE sito_ingest_refused_batches_total counter\n";
    for (const auto& c : refused)
      o << "sito_ingest_refused_batches_total{tenant=\"" << escape_quoted(c.tenant) << "\"} " << c.refused_batches
        << "\n";
  }
  {
    std::map<std::string, server_metrics::unknown_fields_count> unknown;
    {
      std::lock_guard lock(metrics.unknown_fields_mutex);
      unknown = metrics.unknown_fields;
    }
    o << "# HELP sito_posts_with_unknown_fields_total stored posts whose JSON form had fields sito does not know "
         "(tolerated; a vendor's own, or a typo)\n"
         "# TYPE sito_posts_with_unknown_fields_total counter\n";
    for (const auto& [tenant, c] : unknown)
      o << "sito_posts_with_unknown_fields_total{tenant=\"" << escape_quoted(tenant) << "\"} " << c.posts << "\n";
    o << "# HELP sito_post_unknown_fields_total fields sito does not know, summed over the stored posts\n"
         "# TYPE sito_post_unknown_fields_total counter\n";
    for (const auto& [tenant, c] : unknown)
      o << "sito_post_unknown_fields_total{tenant=\"" << escape_quoted(tenant) << "\"} " << c.fields << "\n";
  }
  line("sito_mentions_dropped_by_rules_total", "mentions a topic rule dropped", metrics.mentions_dropped_by_rules);
  line("sito_mentions_repeated_by_edits_total", "mentions an edited post did not give again (its earlier version had)",
       metrics.mentions_repeated_by_edits);
  line("sito_alerts_total", "alerts raised: spikes and campaigns", metrics.alerts_raised);
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
    {
      std::lock_guard lock(sessions_mutex);  // a reload may change the tenants
      for (const auto& t : config.tenants) tenant_names.insert(t.name);
    }
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
    // The running UTC hour's live mentions per topic (period_stats.hpp has
    // the same measures over any period).
    struct gauge {
      const char* name;
      const char* help;
      double (*value)(const rollup_cell&);
    };
    static constexpr gauge gauges[] = {
        {"sito_audience", "followers of the distinct authors of the topic's mentions in the running UTC hour",
         [](const rollup_cell& c) { return c.authors.audience(); }},
        {"sito_reach", "reach of the topic's mentions in the running UTC hour (followers when a post has none)",
         [](const rollup_cell& c) { return static_cast<double>(c.reach); }},
        {"sito_wom_share", "share of the topic's mentions in the running UTC hour with the WOM flag",
         [](const rollup_cell& c) {
           return c.mentions == 0 ? 0.0 : static_cast<double>(c.wom) / static_cast<double>(c.mentions);
         }},
    };
    const bool current = metrics.live_hour == now_ms() / 3'600'000;
    for (const gauge& g : gauges) {
      o << "# HELP " << g.name << " " << g.help << "\n# TYPE " << g.name << " gauge\n";
      if (!current) continue;
      for (const auto& [key, cell] : metrics.live_hour_cells) {
        const size_t slash = key.find('/');
        o << g.name << "{tenant=\"" << escape_quoted(key.substr(0, slash)) << "\",topic=\""
          << escape_quoted(key.substr(slash + 1)) << "\"} " << g.value(cell) << "\n";
      }
    }
  }
  if (connectors) o << connectors->metrics_text();
  if (kafka) o << kafka->metrics_text();
  return o.str();
}

}  // namespace sito::server
