// Private: the parts of sitod that sessions and the matcher share.
#pragma once


#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sito/compile/compiler.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/server/config.hpp"
#include "sito/protocol/frame_codec.hpp"
#include "sito/server/server.hpp"
#include "sito/server/store.hpp"
#include "sito/server/stream_stats.hpp"
#include "sito/server/period_stats.hpp"
#include "sito/server/rollups.hpp"
#include "campaign_watch.hpp"
#include "connectors/connector.hpp"
#include "ingest_limiter.hpp"
#include "kafka/kafka_node.hpp"
#include "near_duplicate_stage.hpp"
#include "semantic_stage.hpp"
#include "net.hpp"
#include "ocr_lane.hpp"
#include "person_directory.hpp"
#include "recent_posts.hpp"

namespace sito::server {

/// Milliseconds since the Unix epoch (ingest and match times, retention).
/// Loads the protocol listener's certificate chain and key into `ctx`
/// (listener.cpp): TLS 1.2 and later only; messages name the file and
/// OpenSSL's reason, never the key.
status configure_listener_tls(net::ssl::context& ctx, const tls_config& tls);

inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Counters for /metrics and Stats. Relaxed atomics: values, not ordering.
struct server_metrics {
  std::atomic<uint64_t> posts_ingested{0};
  std::atomic<uint64_t> posts_rejected{0};
  std::atomic<uint64_t> posts_duplicate{0};  ///< acknowledged as already accepted, not stored again
  std::atomic<uint64_t> posts_edited{0};     ///< stored as an edit of an earlier version
  std::atomic<uint64_t> posts_matched{0};
  std::atomic<uint64_t> mentions_committed{0};
  std::atomic<uint64_t> mentions_delivered{0};
  std::atomic<uint64_t> frames_malformed{0};
  std::atomic<uint64_t> sessions_open{0};
  std::atomic<uint64_t> snapshot_version{0};
  std::atomic<uint64_t> last_compile_us{0};
  std::atomic<uint64_t> topics_loaded{0};
  std::atomic<uint64_t> delta_topics{0};  ///< changes not yet merged into a full compile
  std::atomic<uint64_t> retention_deleted{0};
  std::atomic<uint64_t> write_queue_frames{0};      ///< frames queued for writing, summed over sessions
  std::atomic<uint64_t> tls_handshake_failures{0};  ///< connections closed before a TLS handshake completed
  /// Connections refused or closed by a limit (limits.*): at accept over
  /// max_connections, Hellos over max_connections_per_tenant, connections
  /// without a Hello within hello_timeout_seconds.
  std::atomic<uint64_t> refused_max_connections{0};
  // HTTP port (http_listener.cpp)
  std::atomic<uint64_t> http_connections_open{0};
  std::atomic<uint64_t> http_refused{0};  ///< closed at accept: over http.max_connections
  /// Answers by status code, 100..599 (sito_http_responses_total{code}).
  std::array<std::atomic<uint64_t>, 500> http_responses{};
  void count_http_status(unsigned code) {
    if (code >= 100 && code < 600) ++http_responses[code - 100];
  }
  std::atomic<uint64_t> refused_tenant_connections{0};
  std::atomic<uint64_t> closed_hello_timeout{0};
  std::atomic<uint64_t> closed_frame_timeout{0};  ///< a frame not completed within frame_timeout_seconds
  std::atomic<uint64_t> closed_idle{0};           ///< no frame and no subscription for idle_timeout_seconds
  std::atomic<uint64_t> config_reloads{0};  ///< reloads applied (sitod::reload)
  std::atomic<uint64_t> mentions_dropped_by_rules{0};
  std::atomic<uint64_t> mentions_repeated_by_edits{0};  ///< an edit's mentions its replaced version had given
  std::atomic<uint64_t> alerts_raised{0};     ///< spikes and campaigns
  std::atomic<uint64_t> campaign_alerts{0};   ///< of those, campaigns
  /// The matcher's cycles (matcher_loop) and where their time goes, so that
  /// a capacity planner sees which stage bounds the end-to-end rate.
  std::atomic<uint64_t> matcher_batches{0};
  enum matcher_stage { read, scan, commit, after, matcher_stage_count };
  static constexpr const char* matcher_stage_names[matcher_stage_count] = {"read", "scan", "commit", "after"};
  std::atomic<uint64_t> matcher_stage_us[matcher_stage_count] = {};
  std::mutex per_topic_mutex;
  std::map<std::string, uint64_t> mentions_per_topic;  ///< "tenant/topic" → mentions committed
  /// The running UTC hour (sitod's clock) and, per "tenant/topic", the live
  /// mentions whose rollups were written in it (the matcher writes them
  /// about once a second): the sito_audience, sito_reach and sito_wom_share
  /// gauges. Under per_topic_mutex.
  int64_t live_hour = -1;
  std::map<std::string, rollup_cell> live_hour_cells;
  /// Per producing tenant: stored posts whose JSON form had fields sito does
  /// not know (post::unknown_fields), and how many such fields.
  struct unknown_fields_count {
    uint64_t posts = 0;
    uint64_t fields = 0;
  };
  std::mutex unknown_fields_mutex;
  std::map<std::string, unknown_fields_count> unknown_fields;
};

/// Where each live subscription stands in its tenant's mention log, for
/// /metrics. Sessions publish into it from their strand whenever a
/// subscription's next offset changes and forget their entries on close; the
/// HTTP handler reads a copy. Thread-safe: every member takes the mutex.
class subscription_progress {
 public:
  struct entry {
    std::string tenant;
    std::string subscription;
    uint64_t next = 0;  ///< the next mention offset the subscription will deliver
  };
  void update(uint64_t session_id, const std::string& tenant, const std::string& subscription, uint64_t next) {
    std::lock_guard lock(mutex_);
    entry& e = entries_[{session_id, subscription}];
    e.tenant = tenant;
    e.subscription = subscription;
    e.next = next;
  }
  /// Drops every entry of `session_id` (the session closed).
  void forget(uint64_t session_id) {
    std::lock_guard lock(mutex_);
    entries_.erase(entries_.lower_bound({session_id, std::string()}),
                   entries_.lower_bound({session_id + 1, std::string()}));
  }
  std::vector<entry> snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<entry> out;
    out.reserve(entries_.size());
    for (const auto& [key, e] : entries_) out.push_back(e);
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<uint64_t, std::string>, entry> entries_;  ///< (session id, subscription name) → entry
};

/// The ruleset in use; replaced as a whole on every change. A full compile
/// of every topic (`snapshot`) plus a small `delta` of the topics upserted
/// since, so that a one-topic change costs a compile of the delta only
/// (DESIGN §4: large tenants must not pay a full recompile); the delta is
/// merged into a new full compile in the background.
struct ruleset_state {
  std::shared_ptr<const ruleset_snapshot> snapshot;
  std::shared_ptr<batch_scanner> scanner;
  std::shared_ptr<const ruleset_snapshot> delta;  ///< may be null
  std::shared_ptr<batch_scanner> delta_scanner;
  /// "tenant\x1fid" of full-compile topics replaced or deleted since: their
  /// matches from `snapshot` are dropped.
  std::set<std::string> shadowed;
  uint64_t version = 0;

  static std::string key(const std::string& tenant, const std::string& id) { return tenant + '\x1f' + id; }
  /// The topic of that tenant and id in force, as (snapshot, index), or nulls.
  std::pair<const ruleset_snapshot*, uint32_t> find(const std::string& tenant, const std::string& id) const;
};

class session;

/// One mention of a person's history, with its post.
struct history_entry {
  mention_record m;
  post p;
};

struct sitod::impl {
  server_config config;
  std::unique_ptr<store> db;
  server_metrics metrics;
  subscription_progress progress;
  /// TLS settings of the protocol listener. Always exists (a session's stream
  /// needs one); configured with the certificate and key only when `tls`.
  net::ssl::context ssl_context{net::ssl::context::tls_server};
  bool tls = false;
  std::atomic<uint64_t> next_session_id{1};

  net::io_context io;
  std::unique_ptr<net::executor_work_guard<net::io_context::executor_type>> work;
  /// The listeners and the retention timer: their handlers and stop()'s
  /// closing of them run here, one at a time (the io_context has two
  /// threads). Accepted sockets get the io_context's executor, not this one.
  net::strand<net::io_context::executor_type> listen_strand{net::make_strand(io)};
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> http_acceptor;
  std::vector<std::thread> io_threads;
  /// Blocking work a client waits on: durable appends (acks), commits, reads,
  /// topic upserts (which compile only the changed topics).
  net::thread_pool workers{2};
  /// Long jobs nobody should queue behind: backfills, the merge of the delta
  /// into a full compile, retention. One thread: they run one at a time, and
  /// appends and acks never wait for them.
  net::thread_pool background{1};
  /// Reads an admin waits on that may take a while (a year of rollups for
  /// Stats): neither acks nor backfills queue behind them.
  net::thread_pool queries{1};

  // --- ruleset ----------------------------------------------------------
  std::mutex ruleset_mutex;
  std::shared_ptr<const ruleset_state> ruleset;  ///< read under ruleset_mutex, swapped whole
  std::mutex compile_mutex;                      ///< one compile at a time
  std::shared_ptr<const ruleset_state> current_ruleset() {
    std::lock_guard lock(ruleset_mutex);
    return ruleset;
  }
  /// Recompiles every stored topic and swaps the result in (the delta keeps
  /// what changed since the compile began). Returns the new version and the
  /// diagnostics of `tenant`'s topics.
  result<uint64_t> recompile(const std::string& tenant, std::vector<topic_diagnostic>* diagnostics);
  /// Topics of `tenant` stored (upserted) or deleted: compiles the delta only
  /// and swaps it in; schedules a background merge when the delta grows.
  result<uint64_t> apply_changes(const std::string& tenant, const std::vector<topic_spec>& upserted,
                                 const std::vector<std::string>& deleted);
  /// What a topic upsert did (the protocol's UpsertTopics, the playground's PUT).
  struct upsert_outcome {
    uint64_t version = 0;
    std::vector<topic_diagnostic> diagnostics;  ///< errors (those topics are not stored), then warnings
    std::vector<topic_spec> stored;             ///< what this upsert stored, not the whole tenant
  };
  /// Compiles `topics` alone first (a broken one is reported, not stored),
  /// stores the others in one write (a store that cannot write stores none)
  /// and applies them. Blocking: run it on `workers`.
  result<upsert_outcome> upsert_topics(const std::string& tenant, const std::vector<topic_spec>& topics);
  struct pending_change {
    uint64_t seq = 0;
    std::optional<topic_spec> topic;  ///< nullopt: deleted
  };
  std::map<std::string, pending_change> pending;  ///< under compile_mutex
  uint64_t change_seq = 0;                        ///< under compile_mutex
  std::atomic<bool> merge_running{false};
  /// "tenant\x1fid" → the ruleset version in which the topic's current
  /// definition went live (set by swap_with_delta for each change it is the
  /// first to carry; absent: live since this process's first version).
  std::mutex live_since_mutex;
  std::map<std::string, uint64_t> topic_live_since;
  uint64_t last_swapped_seq = 0;  ///< the last change a swap carried; under compile_mutex
  uint64_t topic_live_version(const std::string& tenant, const std::string& id);
  /// Backfills (admin_handlers.cpp): the posts [begin, end) a backfill of the topic
  /// as it is now covers: those the live matcher took before the topic went
  /// live, less what an earlier backfill of the same definition covered (in
  /// this process), so no post gives the topic's mention twice.
  struct backfill_span {
    uint64_t version = 0, begin = 0, end = 0;
  };
  backfill_span backfill_range(const std::string& tenant, const std::string& id);
  /// A backfill of `span` completed.
  void backfill_done(const std::string& tenant, const std::string& id, const backfill_span& span);
  /// Backfills topic `id` of `tenant` (backfill_job.cpp), optionally only over
  /// posts ingested in [from_ms, to_ms] (0: open); counts what it scanned and produced.
  status run_backfill(const std::string& tenant, const std::string& id, int64_t from_ms, int64_t to_ms,
                      uint64_t& scanned, uint64_t& produced);
  std::map<std::string, backfill_span> backfilled;  ///< under live_since_mutex
  void merge_in_background();
  /// Builds and swaps a state over `base` with the current `pending`. Caller holds compile_mutex.
  result<uint64_t> swap_with_delta(std::shared_ptr<const ruleset_snapshot> base, std::shared_ptr<batch_scanner> scanner);

  // --- matcher ------------------------------------------------------------
  std::thread matcher_thread;
  /// The posts of the last batches the matcher committed, for delivery
  /// (recent_posts.hpp): 16 MiB of them, text and any images kept.
  recent_posts recent{16u << 20};
  std::mutex match_mutex;
  std::condition_variable match_cv;      ///< posts appended / stop
  std::condition_variable matched_cv;    ///< watermark moved
  /// Posts below it are matched and their mentions counted, delivered to
  /// the sessions' wake-up and the stats (the end of a matcher cycle, after
  /// the commit moved the store's watermark); under match_mutex.
  uint64_t sunk_watermark = 0;
  bool stopping = false;
  /// Which ruleset the matcher took for which posts, for backfills: the
  /// first offset scanned with each version it went to (ascending, the
  /// latest 4 096), and the first offset not taken yet. Under scan_mutex.
  std::mutex scan_mutex;
  std::deque<std::pair<uint64_t, uint64_t>> version_starts;
  uint64_t scan_cursor = 0;
  /// The first post offset matched with a ruleset of `version` or later:
  /// the posts before it were (or are being) matched without what that
  /// version added, so a backfill of a topic it added covers exactly them.
  /// For a version older than the history kept (4 096 versions), the oldest
  /// offset known.
  uint64_t live_from(uint64_t version);
  /// For each edit in `batch` (stored_post::replaces), by its offset: the
  /// "tenant\x1ftopic" keys its replaced version matches under `rs` (that
  /// version re-read from the post log; none when retention dropped it).
  std::map<uint64_t, std::set<std::string>> replaced_topics(const ruleset_state& rs,
                                                            const std::vector<stored_post>& batch);
  void matcher_loop();
  void notify_posts_appended();
  /// The text mentions' rollup cells not written yet, those a commit is
  /// writing, and when they last were (matcher.cpp; the matcher's and the
  /// rollup thread's, one at a time).
  rollup_batch pending_rollups;
  rollup_batch flushing_rollups;
  /// Counts a batch's mentions into pending_rollups while its commit runs.
  net::thread_pool rollup_thread{1};
  std::chrono::steady_clock::time_point last_rollup_flush = std::chrono::steady_clock::now();

  // --- aggregates and alerts ----------------------------------------------
  stream_stats stats;
  /// The near-duplicate detector over the matched posts (near_duplicate_stage.hpp).
  std::unique_ptr<near_duplicate_stage> near_dups;
  /// Persons across platforms (person_directory.hpp): person_id on mentions, authors admin API.
  std::unique_ptr<person_directory> persons;
  /// The mentions of the person of `author` (all its member ids) from the
  /// history index, newest first: matched at or after since_ms, offsets
  /// below `before`, at most `limit`, each with its post (empty when the
  /// log dropped it). Blocking: run it on `workers`.
  result<std::vector<history_entry>> person_history(const std::string& tenant, const std::string& author,
                                                    int64_t since_ms, size_t limit, uint64_t before = UINT64_MAX);
  /// Semantic tags decided by their examples (semantic_stage.hpp).
  std::unique_ptr<semantic_stage> semantic;
  /// Campaign alerts over the mentions' clusters (campaign_watch.hpp).
  std::unique_ptr<campaign_watch> campaigns;
  /// The tenants' connectors (connectors/connector.hpp): started by start(),
  /// reconfigured by reload(), woken by the mention sink, fed alerts.
  std::unique_ptr<connector_hub> connectors;
  /// Kafka mode (config `kafka:`, kafka/kafka_node.hpp): what the node is
  /// started with (create) and the node itself (start; stopped first by
  /// stop). Null in standalone mode.
  std::optional<kafka::kafka_node_options> kafka_options;
  std::unique_ptr<kafka::kafka_node> kafka;
  /// Rebuilds the aggregates and the near-duplicate window from the retained
  /// logs (log_replay.cpp); create() calls it once, before the matcher starts.
  void replay_logs();
  /// Logs `alerts` (spikes and campaigns) and pushes them to every subscription that asked for alerts.
  void publish_alerts(const std::vector<stream_alert>& alerts);
  /// Compile options: the built-in lexicon plus each tenant's extension (config).
  compile_options compile_opts;
  /// The live scanners': they make the matched posts' near-duplicate bigrams
  /// when the detector runs (near_duplicate_stage.hpp).
  scan_options scan_opts() const { return {.near_duplicate_bigrams = near_dups && near_dups->enabled()}; }
  // --- OCR lane -------------------------------------------------------------
  ocr_metrics ocr_stats;
  std::unique_ptr<ocr_lane> ocr;            ///< null when OCR is off globally or for every tenant
  std::set<std::string> ocr_off_tenants;    ///< tenants with `ocr: false`
  // --- ingest rate limits (ingest_limiter.hpp) -------------------------------
  ingest_limiter ingest_limits;
  /// A worker read a post's images: re-matches the post with `image_text`
  /// against the current ruleset and appends, marked from_image, the
  /// mentions of topics that neither the text pass emitted nor the same
  /// ruleset matches without the OCR text.
  void on_ocr_done(ocr_job& job, std::string image_text);
  /// The mention sink (matcher.cpp): mentions just made durable, by the text
  /// pass or the OCR re-match, counted in the metrics and the aggregates
  /// (which may raise spike alerts) at `at_ms`, and their tenants'
  /// subscriptions woken.
  void sink_mentions(const std::vector<mention_record>& mentions, int64_t at_ms);
  /// Counts live `mentions` into `cells` (rollups.hpp); `post_at(m)` gives
  /// each one's post and ingestion time. Nothing when rollups are off.
  void add_rollups(rollup_batch& cells, const std::vector<mention_record>& mentions,
                   const std::function<std::pair<const post*, int64_t>(const mention_record&)>& post_at);
  /// Rollup cells just written: their topic rows go into the running hour's gauges.
  void rollups_written(const rollup_batch& cells, int64_t now);
  /// How often the matcher writes its text mentions' rollups (store.hpp,
  /// "Rollups"), and after how long a pause of the stream it writes them at once.
  static constexpr std::chrono::milliseconds rollup_flush_interval{5000};
  static constexpr std::chrono::milliseconds rollup_idle_flush{250};

  // --- sessions -----------------------------------------------------------
  std::mutex sessions_mutex;
  std::set<std::shared_ptr<session>> sessions;
  std::map<std::string, uint32_t> tenant_sessions;  ///< authenticated sessions by tenant; under sessions_mutex
  /// Tells subscriptions of `tenant` that its mention log grew.
  void notify_mentions(const std::set<std::string>& tenants);

  // --- tenants ------------------------------------------------------------
  /// The tenant's calendar zone (config `time_zone`, reloadable); "UTC" for
  /// a tenant the config does not list.
  std::string time_zone_of(const std::string& tenant);
  /// The topics of the tenant's group `name` (config topic_groups); empty when none.
  std::vector<std::string> topic_group(const std::string& tenant, const std::string& name);
  struct principal {
    std::string tenant;
    role granted;
    /// A token the last reload removed stays valid until then (rotation:
    /// old and new both work for limits.token_grace_seconds); else max().
    std::chrono::steady_clock::time_point valid_until = std::chrono::steady_clock::time_point::max();
  };
  mutable std::mutex tokens_mutex;
  std::map<std::string, principal> tokens;  ///< sha256 hex → principal; under tokens_mutex
  /// The principal of a token that is valid now.
  std::optional<principal> principal_of(const std::string& sha256_hex) const;

  void accept();       ///< listener.cpp
  void accept_http();  ///< http_listener.cpp
  std::unique_ptr<net::steady_timer> retention_timer;
  std::unique_ptr<net::steady_timer> store_timer;  ///< schedule_store_check
  bool store_was_ok = true;                         ///< on listen_strand
  std::atomic<bool> store_resuming{false};          ///< a try_resume is queued or running
  void schedule_retention();
  void schedule_store_check();
  std::string metrics_text();  ///< the Prometheus text of /metrics (metrics.cpp)
  protocol::frame_limits limits() const {
    protocol::frame_limits l;
    l.max_frame_bytes = config.max_frame_bytes;
    return l;
  }
  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
};

/// A connection: one role, one tenant, after Hello. With TLS the handshake
/// comes first; every read and write goes through async_read_some /
/// async_write_all, which pick the TLS stream or the plain socket under it.
/// Not thread-safe: everything but start/close/on_mentions runs on its strand.
class session : public std::enable_shared_from_this<session> {
 public:
  using tls_stream = sito::tls_stream;

  session(sitod::impl& server, tcp::socket socket);
  ~session();
  /// Handshakes first when the server speaks TLS, then reads frames.
  void start();
  /// Closes the socket and drops the session's entries from the server's
  /// metrics (any thread; idempotent).
  void close();
  /// The tenant's mention log grew: pump subscriptions (any thread).
  void on_mentions(const std::string& tenant);
  /// Spike alerts were raised: push those an alert subscription wants (any thread).
  void on_alerts(std::shared_ptr<const std::vector<stream_alert>> alerts);

 private:
  void on_handshake(const boost::system::error_code& ec);
  template <typename Buffers, typename Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler);
  template <typename Buffers, typename Handler>
  void async_write_all(const Buffers& buffers, Handler&& handler);
  void read_more();
  void on_read(const boost::system::error_code& ec, size_t n);
  void process_frames();
  void handle(const sito::wire::Envelope& env, const std::vector<uint8_t>& bytes);
  void send(std::vector<uint8_t> framed);
  /// Commits not yet written, the latest per subscription (write_commits); on the strand.
  struct pending_commit {
    uint64_t request_id = 0;
    uint64_t offset = 0;
  };
  std::map<std::string, pending_commit> pending_commits_;
  bool commit_writing_ = false;
  void write_next();
  void send_error(uint64_t request_id, sito::wire::ErrorCode code, const std::string& message,
                  const std::string& in_reply_to = {}, uint32_t retry_after_ms = 0);
  /// Counts the stored posts' unknown fields (duplicates: input indexes not stored).
  void count_unknown_fields(const std::vector<post>& stored_or_duplicate, std::span<const uint32_t> duplicates);
  /// A failed call's status as an Error: StorageUnavailable (with a retry
  /// after 1 s) when the store cannot write, NotFound, else Internal.
  void send_error(uint64_t request_id, const status& st, const std::string& in_reply_to,
                  const std::string& prefix = {});
  template <typename Build>
  void reply(uint64_t request_id, sito::wire::Message type, Build&& build);

  void on_hello(uint64_t rid, const sito::wire::Hello& m);
  void on_publish(uint64_t rid, const sito::wire::PublishBatch& m);
  void on_subscribe(uint64_t rid, const sito::wire::Subscribe& m);
  void on_credit(uint64_t rid, const sito::wire::Credit& m);
  void on_commit(uint64_t rid, const sito::wire::Commit& m);
  void watch_activity();
  void note_partial_frame(uint64_t frames_before);
  void write_commits();
  void on_upsert(uint64_t rid, const sito::wire::UpsertTopics& m);
  void on_delete(uint64_t rid, const sito::wire::DeleteTopics& m);
  void on_list(uint64_t rid);
  void on_validate(uint64_t rid, const sito::wire::Validate& m);
  void on_explain(uint64_t rid, const sito::wire::Explain& m);
  void on_stats(uint64_t rid, const sito::wire::Stats& m);
  void send_stats(uint64_t rid, const std::vector<std::pair<std::string, double>>& counters,
                  const std::vector<stream_stats::row>& rows, const std::vector<stream_alert>& alerts,
                  const std::vector<period_row>& periods, const std::string& zone);
  void on_backfill(uint64_t rid, const sito::wire::Backfill& m);
  /// AuthorsLink, AuthorsUnlink, AuthorsHistory (authors_handler.cpp).
  void on_authors(uint64_t rid, const sito::wire::Envelope& env);
  void send_topics_result(uint64_t rid, uint64_t version, const std::vector<topic_diagnostic>& diagnostics,
                          const std::vector<topic_spec>& topics);
  void pump();  ///< on the strand: deliver what credit allows
  /// On the strand: tells the server's progress registry where `name` stands.
  void publish_progress(const std::string& name, uint64_t next);

  struct subscription {
    std::string name;
    std::set<std::string> topics;  ///< empty: all topics of the tenant
    std::vector<std::string> tags; ///< empty: any; else a mention needs a tag equal to or under one
    /// Topic filter AND tag filter (a tag path matches itself and its
    /// subtree) AND, with first_posts_only, not a near-duplicate.
    bool wants(const mention_record& m) const {
      if (!topics.empty() && !topics.count(m.topic)) return false;
      if (first_posts_only && !m.duplicate_of.empty()) return false;
      if (tags.empty()) return true;
      for (const auto& have : m.tags)
        for (const auto& want : tags)
          if (have == want || (have.size() > want.size() && have.compare(0, want.size(), want) == 0 &&
                               have[want.size()] == '/'))
            return true;
      return false;
    }
    bool alerts = false;           ///< also push spike alerts of these topics/tags
    uint32_t history = 0;          ///< with each mention, up to this many previous mentions of its person
    bool first_posts_only = false; ///< skip near-duplicates: the first post of each cluster only
    /// An alert concerns this subscription: its topic is wanted (or all are)
    /// and, with tag filters, the alert's tag is under one of them.
    bool wants_alert(const stream_alert& a) const {
      if (!alerts) return false;
      if (!topics.empty() && !topics.count(a.topic)) return false;
      if (tags.empty()) return true;
      for (const auto& want : tags)
        if (a.tag == want || (a.tag.size() > want.size() && a.tag.compare(0, want.size(), want) == 0 &&
                              a.tag[want.size()] == '/'))
          return true;
      return false;
    }
    uint64_t next = 0;             ///< next mention offset to deliver
    uint64_t credit = 0;
    bool reading = false;          ///< a store read is in flight
  };

  sitod::impl& server_;
  const uint64_t id_;  ///< unique per server, keys this session's progress entries
  const bool tls_;     ///< the server speaks TLS: handshake first, then stream_ itself
  tls_stream stream_;  ///< with tls_ false only its next_layer() (the TCP socket) is used
  net::strand<net::io_context::executor_type> strand_;
  net::steady_timer hello_timer_;  ///< a peer without a TLS handshake and a Hello in time is dropped
  /// After the Hello: frame_timeout_seconds and idle_timeout_seconds (watch_activity).
  net::steady_timer activity_timer_;
  std::chrono::steady_clock::time_point last_frame_at_;
  std::optional<std::chrono::steady_clock::time_point> partial_since_;  ///< an incomplete frame began
  uint64_t frames_handled_ = 0;
  protocol::frame_reader reader_;
  std::vector<uint8_t> read_buf_;
  std::vector<std::vector<uint8_t>> write_queue_;
  bool writing_ = false;
  bool busy_ = false;      ///< a frame's work is in flight on the worker pool; reading paused
  bool closed_ = false;
  bool authenticated_ = false;
  bool handshake_done_ = false;  ///< TLS: the handshake completed
  std::string tenant_;
  role role_ = role::subscriber;
  std::map<std::string, subscription> subs_;
};

}  // namespace sito::server
