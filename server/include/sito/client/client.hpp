// File: sito/client/client.hpp
//
// The C++ client of sitod: producers, subscribers and admins. It speaks the
// wire protocol (sito/protocol/) and hands out plain types of its own
// (mention, alert, aggregate_row, period_row) and the engine's model (post,
// topic_spec); it links neither the server nor its store.
//
// USAGE
//
//   sito::client::connection_options opts;
//   opts.host = "127.0.0.1"; opts.port = 7400; opts.token = secret;
//
// Producer:
//   opts.as = sito::client::role::producer;
//   auto c = sito::client::connection::open(opts);      // connects, Hello, Welcome
//   auto ack = (*c)->publish(posts);                     // blocks until durable
//   // ack->first_offset, ack->accepted, ack->rejected[i].reason
//
// Subscriber (at-least-once, in order, gap-free; resumes after reconnects):
//   opts.as = sito::client::role::subscriber;
//   sito::client::subscriber sub(opts, {.name = "alerts", .topics = {"brand"},
//                                       .start = sito::client::start_from::committed});
//   for (;;) {
//     auto batch = sub.next(std::chrono::seconds(1));     // empty on timeout
//     for (auto& m : *batch) handle(m);                  // m.topic, m.highlights, m.p.text, ...
//     for (auto& a : sub.take_alerts()) page(a);         // with subscription_options::alerts
//     sub.commit();                                      // everything handed out so far
//   }
//
// Admin:
//   opts.as = sito::client::role::admin;
//   auto c = sito::client::connection::open(opts);
//   auto r = (*c)->upsert_topics({{"acme", "brand", "Brand", "flowwow OR фловвов", {}, {}}});
//   // r->diagnostics: errors of topics that were not stored; r->snapshot_version
//
// TLS (when sitod's config has `tls:`):
//   opts.tls = true;
//   opts.ca_file = "ca.pem";   // PEM CA(s) to trust; empty: the system's trust store
//   // the certificate must name opts.host (DNS name or IP address)
//
// ERRORS are values: every call returns result<T>/status. A server Error
// frame becomes a status whose code follows sito/protocol/error_code.hpp
// (NotFound → not_found, InvalidArgument → invalid_argument, Overloaded →
// resource_exhausted, StorageUnavailable → unavailable, Unauthenticated and
// PermissionDenied → failed_precondition, ...) and whose message is the
// wire code's name and the server's reason ("NotFound: no topic 'x'").
// Failures on the client's side (cannot connect, a lost connection, no reply
// within `timeout`) are unavailable.
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

namespace sito::client {

using protocol::role;  ///< producer, subscriber or admin (sito/protocol/role.hpp)
enum class start_from : uint8_t { latest = 0, committed = 1, offset = 2, time = 3 };

struct connection_options {
  std::string host = "127.0.0.1";
  uint16_t port = 7400;
  std::string token;
  role as = role::subscriber;  ///< asked for in Hello; sitod refuses a token that does not grant it
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

/// Where a mention's query matched: a span of one field of the post.
struct highlight {
  std::string field;            ///< "title", "text" or "image" (the OCR text)
  uint32_t start = 0, end = 0;  ///< byte offsets in that field, end exclusive
  std::string term;             ///< the query term (or tag/rule label) that matched
};

/// A delivered mention, with its post.
struct mention {
  uint64_t offset = 0;            ///< the tenant's mention-log offset: gap-free, in order
  std::string tenant;
  std::string topic;              ///< the topic's id
  uint64_t post_offset = 0;       ///< the post's offset in sitod's post log
  int64_t ingested_at_ms = 0;     ///< when sitod stored the post
  int64_t matched_at_ms = 0;      ///< when it matched the topic
  uint64_t snapshot_version = 0;  ///< the ruleset (topics) version it matched against
  bool backfill = false;          ///< found by a backfill, not live
  bool from_image = false;        ///< matched in the text read from the post's pictures
  std::vector<highlight> highlights;
  std::vector<std::string> tags;  ///< tag paths set on this mention
  uint8_t sentiment = 0;          ///< 0 neutral, 1 negative, 2 positive (sito::rules::sentiment)
  std::string sentiment_source;   ///< "model" or "rule:<name>"
  float priority = 0;             ///< 0..100
  bool processed = false;         ///< a rule marked it processed
  bool wom = false;               ///< word of mouth: not from the tenant's own accounts
  /// A near-duplicate of an earlier post (DESIGN §4): the id of the earliest
  /// post of its cluster still in sitod's window; empty for the first post of
  /// a cluster (and any post that is not a near-duplicate).
  std::string duplicate_of;
  uint64_t duplicates = 0;        ///< with duplicate_of: the cluster's size so far, this post included
  /// The person of the post's author when it matched (README "One author
  /// across platforms"): the smallest author id of the person's set; empty
  /// when the post has no author.
  std::string person_id;
  post p;                         ///< the post (image bytes are not delivered; image_text is)
  /// subscription_options::history: the person's previous mentions, newest first.
  std::vector<mention> history;
};

/// A person across platforms and, from author_history, its mentions.
struct person {
  std::string person_id;
  std::vector<std::string> members;                          ///< author ids, sorted
  std::vector<std::pair<std::string, std::string>> links;    ///< the recorded links among them
  std::vector<mention> mentions;                             ///< author_history: newest first
};

/// An alert on the mention stream (sitod's stream_stats.hpp). A spike: a
/// topic (or a tag of it) got far more mentions in the running minute than
/// its baseline. A campaign: one near-duplicate cluster among a topic's
/// mentions reached the tenant's campaign.min_authors distinct authors
/// within campaign.minutes (once per cluster and topic).
struct alert {
  uint64_t id = 0;       ///< per sitod process, increasing
  std::string tenant, topic;
  std::string tag;       ///< empty: the topic as a whole (always for a campaign)
  int64_t at_ms = 0;     ///< when it fired
  uint64_t count = 0;    ///< spike: mentions in the running minute; campaign: the cluster's mentions of the topic
  double baseline = 0;   ///< spike: mean mentions per minute before
  double threshold = 0;  ///< spike: the count it had to reach; campaign: min_authors
  std::string kind = "spike";  ///< "spike" or "campaign"
  std::string first_post;      ///< campaign: the id of the cluster's earliest post still in sitod's window
  uint64_t authors = 0;        ///< campaign: distinct authors of the cluster's mentions within the minutes
};

/// Mentions by sentiment.
struct sentiment_counts {
  uint64_t negative = 0, neutral = 0, positive = 0;
  uint64_t total() const { return negative + neutral + positive; }
};

/// Rolling counters of one topic (tag empty) or one tag of a topic.
struct aggregate_row {
  std::string topic;
  std::string tag;                 ///< empty: the topic as a whole
  sentiment_counts minute;         ///< the current one-minute bucket
  sentiment_counts hour;           ///< the last sixty one-minute buckets
  sentiment_counts day;            ///< the last twenty-four one-hour buckets
  double loyalty_hour = 0;         ///< (pos − neg) / (pos + neg) over `hour`; 0 without polar mentions
  double loyalty_day = 0;
  double share_of_voice_hour = 0;  ///< topic rows: this topic's share of the tenant's topic mentions
  double share_of_voice_day = 0;
};

/// One bucket of a period query (period_request), from sitod's durable rollups.
struct period_row {
  int64_t from_ms = 0, to_ms = 0;  ///< the bucket, [from_ms, to_ms)
  std::string from, to;            ///< ISO 8601 in the zone: "2026-11-30T00:00:00+03:00"
  std::string topic, tag;
  uint64_t mentions = 0, negative = 0, neutral = 0, positive = 0;
  double loyalty = 0;              ///< (pos − neg) / (pos + neg)
  uint64_t authors = 0;            ///< distinct authors
  uint64_t audience = 0;           ///< their followers
  int64_t reach = 0, engagement = 0;
  double er = 0;                   ///< engagement rate
  uint64_t wom = 0;                ///< word-of-mouth mentions
  double wom_share = 0;
  std::optional<double> nps;             ///< topics with NPS tags only
  std::optional<double> share_of_voice;  ///< topic rows only
  bool estimated = false;          ///< authors/audience are estimates
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
  /// Near-duplicates (mentions with duplicate_of) are not delivered: of a
  /// repost wave, only the first post of each cluster arrives.
  bool first_posts_only = false;
  /// With each mention, up to this many previous mentions of its person
  /// across platforms (mention::history; at most 100): a support desk's
  /// history pane.
  uint32_t history = 0;
};

/// A tenant's Stats: counters, rolling aggregates per topic and tag, and
/// the recent spike alerts.
struct tenant_stats {
  std::vector<std::pair<std::string, double>> counters;
  std::vector<aggregate_row> aggregates;  ///< topics by name, then their tags by topic and path
  std::vector<alert> alerts;              ///< the last ones (at most 100), oldest first
};

/// A period query: the measures per bucket of the tenant's calendar, from
/// sitod's durable rollups (sitod's period_stats.hpp has the definitions).
struct period_request {
  std::string topic;               ///< empty: the tenant's total over its topics
  std::string tag;                 ///< a tag path of the topic (its subtree)
  std::string from;                ///< -7d, -12h, 2026-11-01, 2026-11-01T10:00, Unix seconds, now
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
  result<std::vector<period_row>> periods(const period_request& q);
  /// Runs `topic` over the retained post log (optionally only posts ingested
  /// in [from_ms, to_ms]); the mentions go to the tenant's stream marked
  /// backfill. Returns (posts scanned, mentions produced).
  result<std::pair<uint64_t, uint64_t>> backfill(const std::string& topic, int64_t from_ms = 0, int64_t to_ms = 0);
  /// Authors across platforms (README "One author across platforms"), admin:
  /// records that a and b (`platform:id`) are one person; the person after.
  result<person> link_authors(const std::string& a, const std::string& b);
  /// Removes every link of `author` (other empty) or the one link
  /// author–other, and blocks it against posts; the person of `author` after.
  result<person> unlink_authors(const std::string& author, const std::string& other = {});
  /// The person of `author` and its mentions on every platform, newest
  /// first: matched at or after `since` (empty: any; -7d, 2026-11-01,
  /// Unix seconds, ... as period_request::from, in the tenant's zone),
  /// offsets below `before` (0: any), at most `limit` (0: 100).
  result<person> author_history(const std::string& author, const std::string& since = {}, uint32_t limit = 0,
                                uint64_t before = 0);
  status ping();

  // Low-level subscription calls; prefer `subscriber`.
  status subscribe(const subscription_options& options);
  /// Waits up to `timeout` for the next MentionBatch of any subscription.
  result<std::vector<mention>> next_mentions(std::chrono::milliseconds timeout);
  /// Spike alerts received so far (by next_mentions) and not yet taken.
  std::vector<alert> take_alerts();
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
  std::vector<alert> take_alerts();
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
