// File: sito/server/config.hpp
//
// sitod's configuration: a YAML file over embedded defaults. Everything has
// a safe default (loopback listeners, bounded queues); tenants carry tokens
// as SHA-256 hex digests, never in clear.
//
//   listen: 127.0.0.1:7400          # protocol (TCP)
//   tls: {cert: /etc/sitod/cert.pem, key: /etc/sitod/key.pem}   # optional: the
//                                   # protocol listener then speaks TLS 1.2+ only
//   http: 127.0.0.1:7401            # /metrics and /health (`off` disables)
//   data_dir: /var/lib/sitod
//   limits: {max_frame_bytes: 16777216, max_batch_posts: 10000, producer_window: 4,
//            max_field_bytes: 1048576, subscriber_buffer_mentions: 10000,
//            max_connections: 1024, max_connections_per_tenant: 256, hello_timeout_seconds: 10}
//   retention: {bytes: 8589934592, hours: 168}
//   dedup: {hours: 168}             # idempotent ingest window (default: retention.hours; 0: off)
//   ocr: {enabled: true, backend: auto, workers: 1, queue_posts: 256, queue_bytes: 268435456,
//         max_images_per_post: 8, max_age_ms: 120000, drain_ms: 5000,
//         languages: rus+eng+kaz, tessdata: /usr/share/tesseract-ocr/5/tessdata}
//   # limits also take max_images_per_post (64) and max_image_bytes (8388608)
//   tenants:
//     - name: flowwow-demo
//       tokens:
//         - {sha256: "<hex>", role: producer}
//         - {sha256: "<hex>", role: subscriber}
//         - {sha256: "<hex>", role: admin}
//       topics_file: ops/sample/tenant.yaml   # loaded once, when the tenant has no topics yet
//       ocr: false                            # optional: no mentions from picture text for this tenant
//       time_zone: Europe/Moscow              # optional (UTC): the calendar of `sito stats --by day|week|month`
//       topic_groups: {market: [brand, rival1, rival2]}   # optional: `sito stats --among market`
//       campaign: {min_authors: 5, minutes: 60}  # optional (these defaults; `off`): campaign alerts
//       connectors: [{name: crm, kind: webhook, url: "https://crm.example/hook", filter: 'sentiment:negative'}]
//                                             # optional: sito/server/connector_config.hpp
//   stats: {rollups: true, retention_days: 400}  # hourly rollups of live mentions (period_stats.hpp)
//   near_duplicates: {window: 24h, threshold: 0.5, max_posts: 200000}  # README "Near-duplicates and campaigns"
//   embeddings: {backend: auto}   # semantic tags (README "Semantic tags"): cpu, cuda or auto;
//                                 # optional model: /path/ru.bin (fastText) and min_similarity: 0.85
//
// Config loading throws nothing: errors come back as status.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/server/connector_config.hpp"
#include "sito/server/kafka_config.hpp"
#include "sito/protocol/role.hpp"

namespace sito::server {

using protocol::role;  // sito/protocol/role.hpp: one definition for sitod and the client

struct token_entry {
  std::string sha256_hex;  ///< lower-case hex of SHA-256(token)
  role granted = role::subscriber;
};

/// Campaign alerts (README "Near-duplicates and campaigns"): one
/// near-duplicate cluster among a topic's mentions reaching min_authors
/// distinct authors within `minutes` raises one alert of kind campaign.
/// Defaults: 5 authors within 60 minutes — a repost wave of a giveaway or a
/// paid post reaches that in its first hour, while a handful of people
/// quoting the same news on their own do not. YAML per tenant:
/// `campaign: {min_authors: 5, minutes: 60}` or `campaign: off`.
struct campaign_config {
  bool enabled = true;
  uint32_t min_authors = 5;  ///< 2..100000
  uint32_t minutes = 60;     ///< 1..10080 (a week)
  bool operator==(const campaign_config&) const = default;
};

struct tenant_config {
  std::string name;
  std::vector<token_entry> tokens;
  std::string topics_file;  ///< optional seed topics (YAML/JSON topics file); its `sentiment_lexicon:` applies
  std::string sentiment_lexicon_file;  ///< optional extension of the built-in lexicon (sentiment_lexicon.hpp format)
  bool ocr = true;          ///< false: this tenant gets no mentions found through OCR
  /// Ingest rate limit in posts per second (0: limits.ingest_posts_per_second)
  /// and the bucket's size (0: one second of posts, at least max_batch_posts).
  uint32_t ingest_posts_per_second = 0;
  uint32_t ingest_burst_posts = 0;
  /// IANA zone of the tenant's calendar buckets (period_stats.hpp).
  std::string time_zone = "UTC";
  /// Named groups of topic ids for the share of voice (`sito stats --among NAME`):
  /// a brand and its competitors.
  std::map<std::string, std::vector<std::string>> topic_groups;
  campaign_config campaign;
  /// Where the tenant's filtered mentions and alerts are delivered
  /// (sito/server/connector_config.hpp, README "Connectors"); names unique.
  std::vector<connector_config> connectors;
};

/// The OCR lane (README "OCR"): a bounded queue of posts with images, served
/// by its own worker threads; text mentions never wait for it.
///
/// Shed policy: a post that does not fit the queue (by count or by bytes)
/// evicts the oldest queued posts until it fits (`queue_full`); a post that
/// waited longer than max_age_ms is dropped when a worker reaches it
/// (`stale`); images beyond max_images_per_post are not read (counted).
/// Every shed post is counted in sito_ocr_shed_total{reason}.
struct ocr_config {
  bool enabled = true;
  std::string backend = "auto";         ///< cpu, cuda or auto (cuda when a GPU is found, else cpu)
  uint32_t workers = 1;                 ///< OCR threads, each with its own Tesseract engine
  uint32_t queue_posts = 256;           ///< posts waiting for OCR, at most
  uint64_t queue_bytes = 256ull << 20;  ///< image bytes waiting for OCR, at most
  uint32_t max_images_per_post = 8;     ///< the rest of a post's images are skipped (counted)
  int64_t max_age_ms = 120'000;         ///< older queued posts are shed instead of read
  int64_t drain_ms = 5'000;             ///< on stop, queued work gets this long, then is dropped (counted)
  std::string languages = "rus+eng+kaz";
  std::string tessdata_dir;             ///< empty: $TESSDATA_PREFIX or Debian's path
};

/// TLS on the protocol listener. Both files are PEM: `cert_file` the
/// certificate chain (leaf first), `key_file` its private key. The key's
/// contents are never logged nor put into a status message.
struct tls_config {
  std::string cert_file;
  std::string key_file;
};

/// Spike detection on the mention stream (sito/server/stream_stats.hpp).
struct alert_config {
  double z = 4;
  double min_ratio = 3;
  uint64_t min_count = 10;
  int warmup_minutes = 3;
  int cooldown_minutes = 10;
};

/// Durable hourly rollups of live mentions (rollups.hpp, period_stats.hpp).
struct stats_config {
  bool rollups = true;           ///< false: no rollups are written (period queries answer zeros)
  int64_t retention_days = 400;  ///< rollup cells older than this are dropped (0: kept)
};

/// sitod's HTTP port (/metrics, /health, the query playground): the
/// limits its transport enforces (http_listener.cpp) and the playground.
/// YAML: `http: HOST:PORT`, `http: off`, or a map with `listen` and these keys.
struct http_config {
  /// Open HTTP connections at most; one more is closed as it is accepted
  /// (sito_http_connections_refused_total).
  uint32_t max_connections = 64;
  uint32_t max_header_bytes = 16u << 10;  ///< request line and headers; 431 beyond
  uint32_t max_body_bytes = 4u << 20;     ///< a request's body (the playground's posts); 413 beyond
  /// A request must arrive whole within this many seconds of its first
  /// byte (408 otherwise), and a new connection must begin one within it.
  uint32_t request_timeout_seconds = 10;
  uint32_t keep_alive_seconds = 60;  ///< an idle keep-alive connection is closed after this
  /// The query playground at /playground and its API (/api/v1/...): "on",
  /// "off", or "auto": on when the HTTP port listens on loopback only.
  std::string playground = "auto";
  bool operator==(const http_config&) const = default;
};

/// The near-duplicate detector over the matched posts of the stream
/// (DESIGN §4, sito/dedup/near_duplicates.hpp). YAML: `near_duplicates:
/// {window: 24h, threshold: 0.5, max_posts: 200000}` (window: a number of
/// seconds or a number with s, m, h or d), or `near_duplicates: off`.
struct near_duplicates_config {
  bool enabled = true;
  int64_t window_ms = 24 * 3600 * 1000;  ///< posts older than this (by ingest time) are no longer compared
  double threshold = 0.5;                ///< estimated Jaccard of word bigrams, in (0, 1]
  uint64_t max_posts = 200'000;          ///< posts held at most (about 1.25 KiB each); the oldest go first
  bool operator==(const near_duplicates_config&) const = default;
};

/// Where semantic tags are decided (sito/enrich/embedding.hpp): the backend
/// that embeds matched posts and scores them against the tags' examples.
/// YAML: `embeddings: {backend: auto}`; auto is the CUDA backend when this
/// build has it, a device is found and cuBLAS loads, else the CPU. `model`:
/// a fastText `.bin` (fasttext_embedder.hpp) that embeds examples and posts
/// instead of the built-in embedding (scored on the backend; the CUDA
/// backend then does the similarity only); its cosines have their own
/// scale, so `min_similarity` sets the default of tags that set none.
struct embeddings_config {
  std::string backend = "auto";  ///< cpu, cuda or auto
  std::string model;             ///< fastText .bin; empty: the built-in embedding
  float min_similarity = -1;     ///< default for tags without one; < 0: enrich::default_min_similarity
  bool operator==(const embeddings_config&) const = default;
};

struct store_faults;  // sito/server/store.hpp

struct server_config {
  alert_config alerts;
  stats_config stats;
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 7400;
  std::optional<tls_config> tls;  ///< set: the protocol listener speaks TLS only; unset: plain TCP
  bool http_enabled = true;   ///< `http: off` in YAML disables /metrics and /health
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 7401;  ///< 0: an ephemeral port (tests)
  http_config http;
  std::string data_dir = "./sitod-data";
  uint32_t max_frame_bytes = 16u << 20;
  uint32_t max_batch_posts = 10'000;
  uint32_t producer_window = 4;
  uint32_t max_field_bytes = 1u << 20;
  uint32_t max_images_per_post = 64;      ///< image bytes a published post may carry
  uint32_t max_image_bytes = 8u << 20;    ///< per image
  uint32_t subscriber_buffer_mentions = 10'000;  ///< mentions read ahead per subscription, at most
  /// Open protocol connections, all tenants together: one more is closed as
  /// it is accepted (sito_connections_refused_total{reason="max_connections"}).
  uint32_t max_connections = 1024;
  /// Authenticated connections of one tenant: a Hello beyond gets Overloaded.
  uint32_t max_connections_per_tenant = 256;
  /// A connection must finish its TLS handshake and its Hello within this
  /// many seconds, or it is closed (slow-loris: connections that hold a slot
  /// and send nothing, or a byte at a time).
  uint32_t hello_timeout_seconds = 10;
  /// After the Hello: a frame whose first bytes arrived must be complete
  /// within this many seconds, or the connection is closed (slow-loris
  /// after authentication); 0: no limit.
  uint32_t frame_timeout_seconds = 30;
  /// A connection without a subscription that sends no frame for this many
  /// seconds is closed (a producer or admin that went away without closing);
  /// 0: never. Subscriptions are not idle: the server streams to them.
  uint32_t idle_timeout_seconds = 600;
  /// Posts per second each tenant may publish unless it sets its own (0:
  /// unlimited). A batch over the limit gets Overloaded with retry_after_ms.
  uint32_t ingest_posts_per_second = 0;
  /// After a reload, a token the new config no longer lists stays valid this
  /// long (rotation without a gap); 0: it is refused at once.
  uint32_t token_grace_seconds = 3600;
  uint64_t retention_bytes = 8ull << 30;
  int64_t retention_hours = 168;
  /// Idempotent ingest window in hours (store.hpp); unset: retention_hours.
  std::optional<int64_t> dedup_hours;
  bool sync_writes = true;
  ocr_config ocr;
  near_duplicates_config near_duplicates;
  embeddings_config embeddings;
  std::vector<tenant_config> tenants;
  /// `kafka:` (kafka_config.hpp): set, sitod also runs as a node of a Kafka
  /// consumer group (README "Scale-out"); unset, standalone only.
  std::optional<kafka_config> kafka;
  /// Fault drills (tests, the soak test): writes to the store fail on
  /// demand (sito/server/store.hpp). Never read from the YAML.
  std::shared_ptr<store_faults> faults;
};

/// Parses a YAML config; fields not given keep their defaults.
result<server_config> load_config(const std::string& path);
result<server_config> parse_config(const std::string& yaml_text, const std::string& origin = "<config>");

/// Lower-case hex SHA-256 of `token` (OpenSSL).
std::string sha256_hex(const std::string& token);

}  // namespace sito::server
