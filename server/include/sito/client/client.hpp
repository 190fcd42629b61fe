// File: sito/client/client.hpp
//
// The C++ client of sitod: producers, subscribers and admins.
//
// USAGE
//
//   sito::client::connection_options opts;
//   opts.host = "127.0.0.1"; opts.port = 7400; opts.token = secret;
//
// Producer:
//   opts.role = sito::client::role::producer;
//   auto c = sito::client::connection::open(opts);      // connects, Hello, Welcome
//   auto ack = (*c)->publish(posts);                     // blocks until durable
//   // ack->first_offset, ack->accepted, ack->rejected[i].reason
//
// Subscriber (at-least-once, in order, gap-free; resumes after reconnects):
//   opts.role = sito::client::role::subscriber;
//   sito::client::subscriber sub(opts, {.name = "alerts", .topics = {"brand"},
//                                       .start = sito::client::start_from::committed});
//   for (;;) {
//     auto batch = sub.next(std::chrono::seconds(1));     // empty on timeout
//     for (auto& m : *batch) handle(m);
//     sub.commit();                                      // everything handed out so far
//   }
//
// Admin:
//   opts.role = sito::client::role::admin;
//   auto c = sito::client::connection::open(opts);
//   auto r = (*c)->upsert_topics({{"acme", "brand", "Brand", "flowwow OR фловвов", {}, {}}});
//   // r->diagnostics: errors of topics that were not stored; r->snapshot_version
//
// TLS (when sitod's config has `tls:`):
//   opts.tls = true;
//   opts.ca_file = "ca.pem";   // PEM CA(s) to trust; empty: the system's trust store
//   // the certificate must name opts.host (DNS name or IP address)
//
// ERRORS are values: every call returns result<T>/status; a server Error
// frame becomes a status whose message is the server's reason.
//
// THREAD-SAFETY: a connection or subscriber is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/protocol/role.hpp"
#include "sito/server/period_stats.hpp"
#include "sito/server/stream_stats.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::client {

using protocol::role;  ///< producer, subscriber or admin (sito/protocol/role.hpp)
enum class start_from : uint8_t { latest = 0, committed = 1, offset = 2, time = 3 };

struct connection_options {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  std::string token;
  role as = role::subscriber;
  std::string client_name = "sito-client";
  std::chrono::milliseconds timeout{10'000};  ///< per request (and for the TLS handshake)
  bool tls = false;          ///< speak TLS (1.2 or later); the server must have `tls:` configured
  std::string ca_file;       ///< PEM file of trusted CAs; empty: the system's default trust store
  bool verify_peer = true;   ///< verify the server's chain against ca_file and that it names `host`;
                             ///< false accepts any certificate (tests only: no protection from a MITM)
  /// publish() sends a batch the server refused with a retry_after_ms (a
  /// rate limit, a store that cannot write) again after that wait, within
  /// `timeout`; false: it returns the refusal at once (a producer with a
  /// retry policy of its own).
  bool resend_refused = true;
};

struct rejected_post {
  uint32_t index;
  std::string post_id;
  std::string reason;
};

struct publish_ack {
  uint32_t accepted = 0;      ///< stored now (new posts and edits)
  uint64_t first_offset = 0;  ///< post-log offset of the first stored post
  std::vector<rejected_post> rejected;
  /// Posts this tenant's producers had published before (same source, id
  /// and content, within the server's dedup window): acknowledged, not
  /// stored or matched again. A producer that re-sends after a crash sees
  /// here what had already arrived.
  std::vector<std::string> duplicate_ids;
  uint32_t edits = 0;  ///< stored as an edit of an earlier version (same id, other content)
};

struct diagnostic {
  std::string topic, severity, message, hint;
  uint32_t offset = 0, line = 0, column = 0;
};

struct topics_result {
  std::vector<topic_spec> topics;
  std::vector<diagnostic> diagnostics;
  uint64_t snapshot_version = 0;
};

struct validate_result {
  bool ok = false;
  std::string canonical;
  std::vector<diagnostic> diagnostics;
};

/// A delivered mention, with its post.
struct mention {
  server::mention_record record;
  post p;
};

struct subscription_options {
  std::string name;
  std::vector<std::string> topics;  ///< empty: every topic of the tenant
  std::vector<std::string> tags;    ///< empty: any; else mentions with a tag equal to or under one of these
  start_from start = start_from::committed;
  uint64_t offset = 0;              ///< start_from::offset
  int64_t time_ms = 0;              ///< start_from::time
  uint32_t credit = 1000;           ///< mentions in flight
  bool alerts = false;              ///< also receive spike alerts of these topics/tags (take_alerts())
};

/// A tenant's Stats: counters, rolling aggregates per topic and tag, and
/// the recent spike alerts (sito/server/stream_stats.hpp).
struct tenant_stats {
  std::vector<std::pair<std::string, double>> counters;
  std::vector<server::stream_stats::row> aggregates;
  std::vector<server::spike_alert> alerts;
};

/// A period query (sito/server/period_stats.hpp): the measures per bucket
/// of the tenant's calendar, from sitod's durable rollups.
struct period_request {
  std::string topic;               ///< empty: the tenant's total over its topics
  std::string tag;                 ///< a tag path of the topic (its subtree)
  std::string from;                ///< period_stats.hpp parse_time: -7d, 2026-11-01, …
  std::string to;                  ///< empty: now
  std::string by = "day";          ///< hour, day, week, month, all
  std::vector<std::string> among;  ///< share of voice among these topics
  std::string time_zone;           ///< empty: the tenant's
};

class connection {
 public:
  /// Connects and authenticates (Hello → Welcome).
  static result<std::unique_ptr<connection>> open(const connection_options& options);
  ~connection();

  const std::string& tenant() const;

  /// Publishes a batch and waits for its durable acknowledgement. A batch
  /// the tenant's ingest rate limit refuses is sent again after the wait the
  /// server names, as long as that stays within `timeout`; past it the error
  /// is resource_exhausted ("Overloaded: ... send it again after N ms"). A
  /// store that cannot write likewise, then unavailable
  /// ("StorageUnavailable: ..."). See connection_options::resend_refused.
  /// When the server has closed the connection (its idle timeout, a
  /// restart), the batch is sent once more on a new connection (posts
  /// stored before the close come back as duplicate_ids).
  result<publish_ack> publish(const std::vector<post>& posts);
  result<topics_result> upsert_topics(const std::vector<topic_spec>& topics);
  result<topics_result> delete_topics(const std::vector<std::string>& ids);
  result<topics_result> list_topics();
  result<validate_result> validate(const std::string& query, bool with_channels = false);
  /// The server's explanation text; `matched` tells whether the topic matched.
  result<std::pair<bool, std::string>> explain(const std::string& topic, const post& p);
  result<std::vector<std::pair<std::string, double>>> stats();
  result<tenant_stats> full_stats();
  /// One row per bucket, oldest first; errors (a bad time, an unknown
  /// topic or zone) come back with the server's message.
  result<std::vector<server::period_row>> periods(const period_request& q);
  /// Runs `topic` over the retained post log (optionally only posts ingested
  /// in [from_ms, to_ms]); the mentions go to the tenant's stream marked
  /// backfill. Returns (posts scanned, mentions produced).
  result<std::pair<uint64_t, uint64_t>> backfill(const std::string& topic, int64_t from_ms = 0, int64_t to_ms = 0);
  status ping();

  // Low-level subscription calls; prefer `subscriber`.
  status subscribe(const subscription_options& options);
  /// Waits up to `timeout` for the next MentionBatch of any subscription.
  result<std::vector<mention>> next_mentions(std::chrono::milliseconds timeout);
  /// Spike alerts received so far (by next_mentions) and not yet taken.
  std::vector<server::spike_alert> take_alerts();
  status credit(const std::string& subscription, uint32_t mentions);
  status commit(const std::string& subscription, uint64_t offset);

  /// Sends raw bytes (tests: malformed frames).
  status send_raw(const std::vector<uint8_t>& bytes);
  /// Reads one frame and returns its Error message, if it is an Error.
  result<std::string> read_error(std::chrono::milliseconds timeout);

 private:
  connection();
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A subscription that reconnects and resumes where it left off: after a
/// disconnect it subscribes again from the offset after the last mention it
/// handed out, so nothing is skipped (mentions not yet committed may come
/// again after a restart of the process: at-least-once).
class subscriber {
 public:
  subscriber(connection_options connection, subscription_options subscription);
  ~subscriber();

  /// The next mentions (possibly none on timeout). Grants credit as it goes.
  result<std::vector<mention>> next(std::chrono::milliseconds timeout);
  /// Commits the offset of the last mention handed out.
  status commit();
  /// Spike alerts received (subscription_options::alerts) and not yet taken.
  std::vector<server::spike_alert> take_alerts();
  uint64_t last_offset() const { return last_offset_; }

 private:
  status ensure_connected();
  connection_options conn_opts_;
  subscription_options sub_opts_;
  std::unique_ptr<connection> conn_;
  uint64_t last_offset_ = 0;
  bool have_offset_ = false;
};

}  // namespace sito::client
