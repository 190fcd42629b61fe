// sitod end to end on loopback: publish → match → subscribe, against the
// engine's own answer for the same topics and posts; isolation, roles,
// malformed frames, hot updates, restart and kill -9.
#include <gtest/gtest.h>
#include <boost/asio.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "sito/client/client.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/protocol/frame_codec.hpp"
#include "sito/server/server.hpp"
#include "sito/server/store.hpp"
#include "sito/server/wire_convert.hpp"
#include "support/corpus.hpp"
#include "support/http_get.hpp"
#include "support/period_reference.hpp"
#include "support/sitod_child.hpp"
#include "support/prerequisite.hpp"
#include "server/sitod_fixture.hpp"

namespace sito {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using namespace sito::sitod_testing;

TEST_F(Sitod, PublishSubscribeEqualsTheEngine) {
  auto admin = connect(token_admin, client::role::admin);
  auto up = admin->upsert_topics(acme_topics());
  ASSERT_TRUE(up.ok()) << up.error().to_string();
  ASSERT_EQ(up->diagnostics.size(), 1u);  // a warning: `бог*` has a 3-letter prefix
  EXPECT_EQ(up->diagnostics[0].severity, "warning");
  EXPECT_EQ(up->diagnostics[0].topic, "life");
  EXPECT_EQ(up->topics.size(), 5u);

  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "all", .topics = {}, .start = client::start_from::latest});
  ASSERT_TRUE(sub.next(100ms).ok());  // subscribes from "latest" before anything is published

  const auto posts = firehose(3000);
  auto producer = connect(token_producer, client::role::producer);
  for (size_t b = 0; b < posts.size(); b += 500) {
    std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 500));
    auto ack = producer->publish(batch);
    ASSERT_TRUE(ack.ok()) << ack.error().to_string();
    EXPECT_EQ(ack->accepted, batch.size());
    EXPECT_EQ(ack->first_offset, b);
  }
  const auto expected = expected_mentions(acme_topics(), posts);
  ASSERT_GT(expected.size(), 100u);

  std::map<std::pair<std::string, std::string>, std::string> got;
  uint64_t last_offset = 0;
  bool first = true;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(500ms);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    for (const auto& m : *batch) {
      if (!first) {
        EXPECT_EQ(m.offset, last_offset + 1) << "mention offsets must be gap-free and in order";
      }
      first = false;
      last_offset = m.offset;
      EXPECT_EQ(m.tenant, "acme");
      EXPECT_FALSE(m.p.id.empty());
      got[{m.p.id, m.topic}] = highlights_text(m);
    }
  }
  EXPECT_EQ(got, expected);
}

TEST_F(Sitod, TenantsAreIsolatedAndRolesEnforced) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto other = connect(token_other_admin, client::role::admin);
  auto listed = other->list_topics();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->topics.empty()) << "another tenant's topics must not be visible";
  post p;
  p.id = "x";
  p.text = "доставка";
  auto ex = other->explain("delivery", p);
  ASSERT_FALSE(ex.ok()) << "explaining another tenant's topic must fail like a missing one";
  EXPECT_NE(ex.error().message().find("NotFound"), std::string::npos);
  auto del = other->delete_topics({"delivery"});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->diagnostics.size(), 1u) << "deleting a guessed id reports not found";
  EXPECT_EQ(admin->list_topics()->topics.size(), 5u) << "acme's topics survive the other tenant's delete";

  // Roles: a subscriber cannot publish; a producer token cannot act as admin; unknown tokens fail.
  auto sub = connect(token_subscriber, client::role::subscriber);
  auto pub = sub->publish({p});
  ASSERT_FALSE(pub.ok());
  EXPECT_NE(pub.error().message().find("PermissionDenied"), std::string::npos);
  auto as_admin = client::connection::open(opts(server_->port(), token_producer, client::role::admin));
  ASSERT_FALSE(as_admin.ok());
  auto unknown = client::connection::open(opts(server_->port(), "guess", client::role::producer));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("Unauthenticated"), std::string::npos);

  // The other tenant's subscriber sees none of acme's mentions.
  auto producer = connect(token_producer, client::role::producer);
  client::subscriber theirs(opts(server_->port(), token_other_subscriber, client::role::subscriber),
                            {.name = "spy", .topics = {"delivery"}, .start = client::start_from::offset});
  ASSERT_TRUE(producer->publish({p}).ok());
  server_->wait_until_matched();
  auto seen = theirs.next(500ms);
  ASSERT_TRUE(seen.ok());
  EXPECT_TRUE(seen->empty());
}

TEST_F(Sitod, InvalidPostsAreRejectedOneByOne) {
  auto producer = connect(token_producer, client::role::producer);
  post ok, bad_utf8, no_id;
  ok.id = "ok";
  ok.text = "hello";
  bad_utf8.id = "bad";
  bad_utf8.text = std::string("abc\xFF");
  no_id.text = "no id";
  auto ack = producer->publish({ok, bad_utf8, no_id});
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_EQ(ack->accepted, 1u);
  ASSERT_EQ(ack->rejected.size(), 2u);
  EXPECT_EQ(ack->rejected[0].index, 1u);
  EXPECT_EQ(ack->rejected[0].reason, "field 'text' has invalid UTF-8 at byte 3");
  EXPECT_EQ(ack->rejected[1].reason, "post has no id");
}

TEST_F(Sitod, MalformedFramesGetAnErrorAndTheServerKeepsServing) {
  auto raw = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
  ASSERT_TRUE(raw.ok());
  // A frame of garbage with a plausible length.
  std::vector<uint8_t> garbage = {12, 0, 0, 0, 'n', 'o', 't', ' ', 'a', ' ', 'b', 'u', 'f', 'f', 'e', 'r'};
  ASSERT_TRUE((*raw)->send_raw(garbage).ok());
  auto e1 = (*raw)->read_error(5s);
  ASSERT_TRUE(e1.ok()) << e1.error().to_string();
  EXPECT_NE(e1->find("MalformedFrame"), std::string::npos) << *e1;
  // The same connection still works.
  EXPECT_TRUE((*raw)->ping().ok());
  // A huge length: Error, then the server closes that connection...
  std::vector<uint8_t> huge = {0xFF, 0xFF, 0xFF, 0x7F, 1, 2, 3};
  ASSERT_TRUE((*raw)->send_raw(huge).ok());
  auto e2 = (*raw)->read_error(5s);
  ASSERT_TRUE(e2.ok()) << e2.error().to_string();
  EXPECT_NE(e2->find("FrameTooLarge"), std::string::npos) << *e2;
  // A verified buffer whose union type is unknown, on a fresh connection.
  auto raw2 = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
  ASSERT_TRUE(raw2.ok());
  {
    flatbuffers::FlatBufferBuilder b;
    auto ping = sito::wire::CreatePing(b, 7);
    sito::wire::FinishEnvelopeBuffer(b, sito::wire::CreateEnvelope(b, 9, static_cast<sito::wire::Message>(200), ping.Union()));
    ASSERT_TRUE((*raw2)->send_raw(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()))).ok());
    auto e3 = (*raw2)->read_error(5s);
    ASSERT_TRUE(e3.ok()) << e3.error().to_string();
    EXPECT_NE(e3->find("MalformedFrame"), std::string::npos) << *e3;
    EXPECT_TRUE((*raw2)->ping().ok());
  }
  // A truncated frame, then the peer goes away.
  {
    auto raw3 = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
    ASSERT_TRUE(raw3.ok());
    std::vector<uint8_t> truncated = {100, 0, 0, 0, 'S', 'I', 'T', 'O', 1, 2};
    ASSERT_TRUE((*raw3)->send_raw(truncated).ok());
  }
  // ...and every other connection keeps working.
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin);
  EXPECT_TRUE(admin->ping().ok());
  auto v = admin->validate("flowwow NEAR курьер");
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  ASSERT_FALSE(v->diagnostics.empty());
  EXPECT_EQ(v->diagnostics[0].offset, 8u);
}

TEST_F(Sitod, TopicUpsertsDuringIngestUseOneSnapshotPerPost) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "swap", .topics = {}, .start = client::start_from::latest});
  ASSERT_TRUE(sub.next(50ms).ok());
  const auto posts = firehose(2000);
  std::atomic<bool> done{false};
  std::thread updater([&] {
    auto a = connect(token_admin, client::role::admin);
    int i = 0;
    while (!done) {
      topic_spec t{"acme", "churn", "", (i++ % 2) ? "жизнь" : "смерть", {}, {}};
      EXPECT_TRUE(a->upsert_topics({t}).ok());
      std::this_thread::sleep_for(5ms);
    }
  });
  auto producer = connect(token_producer, client::role::producer);
  for (size_t b = 0; b < posts.size(); b += 100) {
    std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 100));
    ASSERT_TRUE(producer->publish(batch).ok());
    // Every fifth batch waits for the matcher, so that the ingest spans
    // several snapshots however fast or slow (TSan) the machine is.
    if ((b / 100) % 5 == 4) server_->wait_until_matched();
  }
  done = true;
  updater.join();
  server_->wait_until_matched();
  std::map<std::string, std::set<uint64_t>> versions_by_post;
  std::map<std::string, std::set<std::string>> topics_by_post;
  for (;;) {
    auto batch = sub.next(1s);
    ASSERT_TRUE(batch.ok());
    if (batch->empty()) break;
    for (const auto& m : *batch) {
      versions_by_post[m.p.id].insert(m.snapshot_version);
      EXPECT_TRUE(topics_by_post[m.p.id].insert(m.topic).second) << "duplicate mention for " << m.p.id;
    }
  }
  ASSERT_GT(versions_by_post.size(), 100u);
  std::set<uint64_t> all_versions;
  for (const auto& [id, vs] : versions_by_post) {
    EXPECT_EQ(vs.size(), 1u) << "post " << id << " was matched by more than one snapshot";
    all_versions.insert(vs.begin(), vs.end());
  }
  EXPECT_GT(all_versions.size(), 1u) << "the snapshot should have changed during ingest";
}

TEST_F(Sitod, TopicsAndCommittedOffsetsSurviveARestart) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  const auto posts = firehose(1000);
  ASSERT_TRUE(producer->publish(posts).ok());
  server_->wait_until_matched();
  uint64_t committed = 0;
  {
    client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                           {.name = "durable", .topics = {}, .start = client::start_from::offset, .offset = 0, .time_ms = 0,
                            .credit = 10});
    auto batch = sub.next(2s);
    ASSERT_TRUE(batch.ok());
    ASSERT_FALSE(batch->empty());
    ASSERT_TRUE(sub.commit().ok());
    committed = sub.last_offset();
    // The commit is fire-and-forget on the wire: await it where it lands.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (server_->committed_offset("acme", "durable") != committed && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    ASSERT_EQ(server_->committed_offset("acme", "durable"), std::optional<uint64_t>(committed));
  }
  admin.reset();
  producer.reset();
  restart();
  auto admin2 = connect(token_admin, client::role::admin);
  EXPECT_EQ(admin2->list_topics()->topics.size(), 5u);
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "durable", .topics = {}, .start = client::start_from::committed});
  auto batch = sub.next(2s);
  ASSERT_TRUE(batch.ok());
  ASSERT_FALSE(batch->empty());
  EXPECT_EQ(batch->front().offset, committed + 1) << "resume right after the committed offset";
}

using testing::http_get;
using testing::metric_value;

/// Polls /metrics until `series` has the value `want` (or the deadline); returns the last value seen.
double wait_for_metric(uint16_t http_port, const std::string& series, double want,
                       std::chrono::milliseconds within = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  double v = -1;
  for (;;) {
    v = metric_value(http_get(http_port, "/metrics"), series);
    if (v == want || std::chrono::steady_clock::now() >= deadline) return v;
    std::this_thread::sleep_for(20ms);
  }
}

TEST_F(Sitod, MetricsAndHealthOverHttp) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(firehose(500)).ok());
  server_->wait_until_matched();
  const std::string metrics = http_get(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("200 OK"), std::string::npos);
  EXPECT_NE(metrics.find("sito_posts_ingested_total 500"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sito_posts_matched_total 500"), std::string::npos);
  EXPECT_NE(metrics.find("sito_match_lag_posts 0"), std::string::npos);
  EXPECT_NE(metrics.find("sito_topic_mentions_total{tenant=\"acme\",topic=\"life\"}"), std::string::npos);
  // The matcher's cycles and where their time went: 500 posts take at least
  // one batch, whose scan takes time; every stage is reported.
  const double batches = metric_value(metrics, "sito_matcher_batches_total");
  EXPECT_GE(batches, 1.0) << metrics;
  EXPECT_LE(batches, 500.0);
  EXPECT_GT(metric_value(metrics, "sito_matcher_stage_microseconds_total{stage=\"scan\"}"), 0.0) << metrics;
  for (const char* stage : {"read", "commit", "after"})
    EXPECT_GE(metric_value(metrics, std::string("sito_matcher_stage_microseconds_total{stage=\"") + stage + "\"}"), 0.0)
        << stage;
  EXPECT_EQ(metrics.find(token_admin), std::string::npos) << "secrets never appear";
  const std::string health = http_get(server_->http_port(), "/health");
  EXPECT_NE(health.find("\"status\":\"ok\""), std::string::npos) << health;
  EXPECT_NE(http_get(server_->http_port(), "/nope").find("404"), std::string::npos);
}

/// A raw TCP connection to sitod's protocol port whose reads give up after
/// 10 s (a test fails instead of hanging when the server keeps it open).
struct raw_connection {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket sock{io};
  explicit raw_connection(uint16_t port) {
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    timeval tv{10, 0};
    ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  /// Whether the server closed the connection (a read sees its end).
  bool closed_by_server() {
    char buf[64];
    boost::system::error_code ec;
    sock.read_some(boost::asio::buffer(buf), ec);
    return ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset;
  }
};

void restart_with(std::unique_ptr<server::sitod>& server, const server::server_config& config) {
  server->stop();
  server.reset();
  auto created = server::sitod::create(config);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  server = std::move(*created);
  ASSERT_TRUE(server->start().ok());
}

TEST_F(Sitod, ConnectionsWithoutAHelloInTimeAreClosed) {
  auto config = make_config(dir_);
  config.hello_timeout_seconds = 1;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  using clock = std::chrono::steady_clock;
  // Silent: holds a slot and sends nothing.
  const auto t0 = clock::now();
  raw_connection silent(server_->port());
  EXPECT_TRUE(silent.closed_by_server());
  const auto waited = clock::now() - t0;
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 5s);
  // Slow-loris: a byte of a frame every 200 ms is not a Hello either.
  raw_connection trickle(server_->port());
  bool closed = false;
  for (int k = 0; k < 15 && !closed; ++k) {
    boost::system::error_code ec;
    const uint8_t byte = 0;
    boost::asio::write(trickle.sock, boost::asio::buffer(&byte, 1), ec);
    closed = ec.failed();
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(closed || trickle.closed_by_server());
  // A client that said Hello in time stays, past the deadline.
  auto admin = connect(token_admin, client::role::admin);
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(admin->list_topics().ok());
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_connections_refused_total{reason=\"hello_timeout\"}", 2), 2);
}

// After the Hello: a frame begun and not finished within
// limits.frame_timeout_seconds (slow-loris with a token) and a connection
// with no subscription that sends no frame for limits.idle_timeout_seconds
// are closed; a subscription is never idle, nor is a client that pings.
TEST_F(Sitod, StalledFramesAndIdleConnectionsAreClosedAfterTheHello) {
  auto config = make_config(dir_);
  config.frame_timeout_seconds = 2;
  config.idle_timeout_seconds = 3;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  auto half = connect(token_producer, client::role::producer);
  ASSERT_TRUE(half->send_raw({0x40, 0x00}).ok());  // two bytes of a length prefix, then nothing
  auto idle = connect(token_producer, client::role::producer);
  auto pinging = connect(token_admin, client::role::admin);
  auto subscribed = connect(token_subscriber, client::role::subscriber);
  ASSERT_TRUE(subscribed->subscribe({.name = "quiet", .start = client::start_from::latest}).ok());
  const auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < 5s) {
    ASSERT_TRUE(pinging->ping().ok());
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_connections_refused_total{reason=\"frame_timeout\"}", 1), 1);
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_connections_refused_total{reason=\"idle\"}", 1), 1);
  EXPECT_FALSE(half->ping().ok());
  EXPECT_FALSE(idle->ping().ok());
  EXPECT_TRUE(pinging->ping().ok());
  EXPECT_TRUE(subscribed->ping().ok()) << "a subscription is not idle";
}

TEST_F(Sitod, ConnectionsBeyondTheLimitsAreRefused) {
  auto config = make_config(dir_);
  config.max_connections = 3;
  config.max_connections_per_tenant = 2;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  // Per tenant: a third Hello of acme gets Overloaded, naming the limit.
  auto a = connect(token_producer, client::role::producer);
  auto b = connect(token_subscriber, client::role::subscriber);
  ASSERT_TRUE(a && b);
  auto third = client::connection::open(opts(server_->port(), token_admin, client::role::admin));
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message().find("limits.max_connections_per_tenant"), std::string::npos)
      << third.error().to_string();
  // All together: with three connections open (two of acme, one silent), a
  // fourth is closed as it is accepted.
  raw_connection silent(server_->port());
  std::this_thread::sleep_for(200ms);  // accepted and counted
  raw_connection fourth(server_->port());
  EXPECT_TRUE(fourth.closed_by_server());
  // Closing one frees its slot, for the tenant too.
  a.reset();
  std::unique_ptr<client::connection> again;
  for (int k = 0; k < 50 && !again; ++k) {
    auto c = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
    if (c.ok()) again = std::move(*c);
    else std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(again);
  post p;
  p.id = "x";
  p.text = "жизнь";
  EXPECT_TRUE(again->publish({p}).ok());
  const std::string m = http_get(server_->http_port(), "/metrics");
  EXPECT_GE(metric_value(m, "sito_connections_refused_total{reason=\"max_connections\"}"), 1) << m;
  EXPECT_GE(metric_value(m, "sito_connections_refused_total{reason=\"max_connections_per_tenant\"}"), 1) << m;
}

TEST_F(Sitod, IngestRateLimitRefusesBatchesOverItAndTheClientWaits) {
  auto config = make_config(dir_);
  config.tenants[0].ingest_posts_per_second = 100;
  config.tenants[0].ingest_burst_posts = 100;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  auto posts = firehose(460);
  auto batch = [&](size_t from, size_t n) { return std::vector<post>(posts.begin() + from, posts.begin() + from + n); };
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer);
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  // The bucket starts full: a burst's worth passes at once.
  auto first = producer->publish(batch(0, 100));
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->accepted, 100u);
  // From a raw socket: the next batch is refused whole, with the wait.
  auto raw = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
  ASSERT_TRUE(raw.ok());
  {
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<sito::wire::Post>> ps;
    for (const post& p : batch(100, 60)) ps.push_back(protocol::post_to_wire(b, p));
    auto pb = sito::wire::CreatePublishBatch(b, b.CreateVector(ps));
    sito::wire::FinishEnvelopeBuffer(b, sito::wire::CreateEnvelope(b, 77, sito::wire::Message::PublishBatch, pb.Union()));
    ASSERT_TRUE((*raw)->send_raw(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()))).ok());
    auto e = (*raw)->read_error(5s);
    ASSERT_TRUE(e.ok()) << e.error().to_string();
    EXPECT_NE(e->find("Overloaded"), std::string::npos) << *e;
    EXPECT_NE(e->find("100 posts/s"), std::string::npos) << *e;
    EXPECT_NE(e->find("send it again after"), std::string::npos) << *e;
  }
  // A batch larger than the burst can never pass: an error at once.
  auto too_big = producer->publish(batch(100, 150));
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.error().message().find("split it"), std::string::npos) << too_big.error().to_string();
  // The client sends refused batches again after the server's wait: 360
  // more posts pass, and no faster than the limit allows (a lower bound,
  // which a slow machine only makes longer).
  for (size_t from = 100; from < 460; from += 90) {
    auto ack = producer->publish(batch(from, 90));
    ASSERT_TRUE(ack.ok()) << ack.error().to_string();
    EXPECT_EQ(ack->accepted, 90u);
  }
  EXPECT_GE(clock::now() - t0, 3500ms) << "460 posts at 100 posts/s after a burst of 100";
  const std::string m = http_get(server_->http_port(), "/metrics");
  EXPECT_EQ(metric_value(m, "sito_posts_ingested_total"), 460) << "each post stored once, refused ones never";
  EXPECT_GE(metric_value(m, "sito_ingest_refused_posts_total{tenant=\"acme\"}"), 60) << m;
}

TEST_F(Sitod, ReloadRotatesTokensWithAGracePeriodAndChangesLimits) {
  auto config = make_config(dir_);
  config.token_grace_seconds = 2;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  // The new config: acme's producer token rotated, an ingest limit, a new
  // tenant; and a data_dir change, which needs a restart.
  const std::string rotated = "acme-producer-rotated";
  auto next = config;
  next.tenants[0].tokens[0].sha256_hex = server::sha256_hex(rotated);
  next.tenants[0].ingest_posts_per_second = 100;
  next.tenants[0].ingest_burst_posts = 100;
  next.tenants.push_back({"newcomer", {{server::sha256_hex("newcomer-admin"), server::role::admin}}, ""});
  next.data_dir = (dir_ / "elsewhere").string();
  EXPECT_EQ(server_->reload(next), std::vector<std::string>{"data_dir"}) << "the only change that needs a restart";
  // Both tokens work during the grace period; the newcomer's too.
  auto with_new = client::connection::open(opts(server_->port(), rotated, client::role::producer));
  ASSERT_TRUE(with_new.ok()) << with_new.error().to_string();
  auto with_old = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
  ASSERT_TRUE(with_old.ok()) << "an old token stays valid for the grace period";
  auto newcomer = client::connection::open(opts(server_->port(), "newcomer-admin", client::role::admin));
  ASSERT_TRUE(newcomer.ok()) << newcomer.error().to_string();
  EXPECT_EQ((*newcomer)->tenant(), "newcomer");
  // The new limit holds at once: a batch over its burst is refused.
  auto big = (*with_new)->publish(firehose(150));
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.error().message().find("split it"), std::string::npos) << big.error().to_string();
  // After the grace period the old token is refused; connections opened
  // with it before keep working.
  std::this_thread::sleep_for(2500ms);
  auto late = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().message().find("unknown token"), std::string::npos) << late.error().to_string();
  EXPECT_TRUE((*with_old)->ping().ok());
  // The store did not move.
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere"));
  const std::string m = http_get(server_->http_port(), "/metrics");
  EXPECT_EQ(metric_value(m, "sito_config_reloads_total"), 1) << m;
}

TEST_F(Sitod, AStalledSubscriberNeverSlowsIngestAndCatchesUpWithoutGaps) {
  // A small per-connection buffer, so that what the server holds for the
  // stalled connection plus what the kernel's socket buffers absorb (a few
  // MiB on loopback) stays well below what is committed.
  server_->stop();
  server_.reset();
  auto config = make_config(dir_);
  config.subscriber_buffer_mentions = 500;
  auto created = server::sitod::create(config);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  server_ = std::move(*created);
  ASSERT_TRUE(server_->start().ok());
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "everything", "", "и OR в OR не OR на", {}, {}}}).ok());
  // Subscribes with a huge credit, then reads nothing for a while.
  auto stalled = connect(token_subscriber, client::role::subscriber);
  ASSERT_TRUE(stalled->subscribe({.name = "slow", .topics = {}, .start = client::start_from::latest, .credit = 10'000'000}).ok());
  auto producer = connect(token_producer, client::role::producer);
  auto posts = firehose(20000);
  for (auto& p : posts) p.text = p.text + "\n" + p.text + "\n" + p.text;  // mention frames carry the post
  const auto started = std::chrono::steady_clock::now();
  for (size_t b = 0; b < posts.size(); b += 1000) {
    std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 1000));
    ASSERT_TRUE(producer->publish(batch).ok());
  }
  server_->wait_until_matched();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 30.0) << "ingest and matching must not wait for a subscriber";
  // What the server holds for the stalled connection is bounded: it stops
  // reading the mention log when its write queue is full.
  const std::string m = http_get(server_->http_port(), "/metrics");
  auto value = [&](const std::string& name) {
    const size_t at = m.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::stod(m.substr(at + name.size() + 2));
  };
  const double committed = value("sito_mentions_committed_total"), delivered = value("sito_mentions_delivered_total");
  ASSERT_GT(committed, 10000) << m;
  EXPECT_LT(delivered, committed) << "a stalled subscriber must not be fed without bound";
  // The bound as a number: the connection's log is read only while its write
  // queue holds fewer than subscriber_buffer_mentions (rounded up to one
  // frame of at most 512), so it holds at most one frame more than that.
  const double queued_frames = value("sito_session_write_queue_frames");
  ASSERT_GE(queued_frames, 0) << m;
  constexpr double frame = 512;
  const double bound = std::max<double>(static_cast<double>(config.subscriber_buffer_mentions), frame) + frame;
  EXPECT_LE(queued_frames * frame, bound) << queued_frames << " frames held for a stalled subscriber";
  // It catches up, in order and gap-free.
  uint64_t expect = 0, got = 0;
  bool first = true;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got < committed && std::chrono::steady_clock::now() < deadline) {
    auto batch = stalled->next_mentions(1s);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    for (const auto& x : *batch) {
      if (!first) {
        ASSERT_EQ(x.offset, expect);
      }
      first = false;
      expect = x.offset + 1;
      ++got;
    }
  }
  EXPECT_EQ(got, static_cast<uint64_t>(committed));
}

TEST_F(Sitod, UpsertsAndDeletesApplyToTheNextPostsThroughDeltaAndMerge) {
  auto admin = connect(token_admin, client::role::admin);
  auto producer = connect(token_producer, client::role::producer);
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "delta", .topics = {}, .start = client::start_from::latest});
  ASSERT_TRUE(sub.next(50ms).ok());
  auto publish_and_collect = [&](const std::string& id, const std::string& text) {
    post p;
    p.id = id;
    p.text = text;
    EXPECT_TRUE(producer->publish({p}).ok());
    server_->wait_until_matched();
    std::set<std::string> topics;
    for (int i = 0; i < 5; ++i) {
      auto b = sub.next(200ms);
      EXPECT_TRUE(b.ok());
      for (const auto& m : *b) {
        EXPECT_EQ(m.p.id, id);
        topics.insert(m.topic);
      }
      if (!b->empty()) break;
    }
    return topics;
  };
  ASSERT_TRUE(admin->upsert_topics({{"acme", "a", "", "курьер", {}, {}}, {"acme", "b", "", "цветы", {}, {}}}).ok());
  EXPECT_EQ(publish_and_collect("p1", "курьер привёз цветы"), (std::set<std::string>{"a", "b"}));
  ASSERT_TRUE(admin->upsert_topics({{"acme", "a", "", "доставка", {}, {}}}).ok());  // changed query
  EXPECT_EQ(publish_and_collect("p2", "курьер привёз цветы"), (std::set<std::string>{"b"}));
  ASSERT_TRUE(admin->delete_topics({"b"}).ok());
  EXPECT_EQ(publish_and_collect("p3", "доставка цветов"), (std::set<std::string>{"a"}));
  EXPECT_GT(metric_value(http_get(server_->http_port(), "/metrics"), "sito_delta_topics"), 0)
      << "small changes are served from the delta";
  // Enough upserts to force a merge into a full compile; the answers stay the same.
  std::vector<topic_spec> many;
  for (int i = 0; i < 300; ++i) many.push_back({"acme", "filler" + std::to_string(i), "", "zzz" + std::to_string(i), {}, {}});
  ASSERT_TRUE(admin->upsert_topics(many).ok());
  // The merge runs in the background; once it is in, no topic is served from a delta.
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_delta_topics", 0, 30s), 0) << "the forced merge never finished";
  EXPECT_EQ(publish_and_collect("p4", "доставка цветов"), (std::set<std::string>{"a"}));
  EXPECT_EQ(publish_and_collect("p5", "zzz7 и курьер"), (std::set<std::string>{"filler7"}));
  EXPECT_EQ(admin->list_topics()->topics.size(), 301u);
}

TEST_F(Sitod, SubscriptionsByTagGetOnlyMentionsUnderThatTag) {
  auto admin = connect(token_admin, client::role::admin);
  topic_spec brand{"acme", "brand", "", "жизнь OR смерть OR любовь", {}, {}};
  brand.tags = {{"Тема/Жизнь", "жизнь"}, {"Тема/Смерть", "смерть"}, {"Источник/Отзывы", "type:review"}};
  ASSERT_TRUE(admin->upsert_topics({brand}).ok());
  auto listed = admin->list_topics();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->topics.size(), 1u);
  ASSERT_EQ(listed->topics[0].tags.size(), 3u) << "tags persist with the topic";
  EXPECT_EQ(listed->topics[0].tags[1].path, "Тема/Смерть");

  client::subscriber life(opts(server_->port(), token_subscriber, client::role::subscriber),
                          {.name = "life", .topics = {}, .tags = {"Тема/Жизнь"}, .start = client::start_from::latest});
  client::subscriber theme(opts(server_->port(), token_subscriber, client::role::subscriber),
                           {.name = "theme", .topics = {}, .tags = {"Тема"}, .start = client::start_from::latest});
  ASSERT_TRUE(life.next(50ms).ok());
  ASSERT_TRUE(theme.next(50ms).ok());
  auto producer = connect(token_producer, client::role::producer);
  const auto posts = firehose(3000);
  ASSERT_TRUE(producer->publish(posts).ok());
  server_->wait_until_matched();
  auto drain = [](client::subscriber& sub) {
    std::vector<client::mention> all;
    for (;;) {
      auto b = sub.next(700ms);
      if (!b.ok() || b->empty()) break;
      all.insert(all.end(), b->begin(), b->end());
    }
    return all;
  };
  const auto got_life = drain(life), got_theme = drain(theme);
  ASSERT_FALSE(got_life.empty());
  size_t with_death = 0;
  for (const auto& m : got_life) {
    EXPECT_NE(std::find(m.tags.begin(), m.tags.end(), "Тема/Жизнь"), m.tags.end());
  }
  for (const auto& m : got_theme) {
    bool under = false;
    for (const auto& t : m.tags) under = under || t.rfind("Тема/", 0) == 0;
    EXPECT_TRUE(under);
    with_death += std::count(m.tags.begin(), m.tags.end(), "Тема/Смерть");
  }
  EXPECT_GT(got_theme.size(), got_life.size()) << "a parent tag covers its subtree";
  EXPECT_GT(with_death, 0u);
}

TEST_F(Sitod, RulesSentimentAggregatesAndSpikeAlertsEndToEnd) {
  // No warm-up, so a burst in the server's first minute pages someone.
  server_->stop();
  server_.reset();
  auto config = make_config(dir_);
  config.alerts.warmup_minutes = 0;
  config.alerts.min_count = 20;
  auto created = server::sitod::create(config);
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  server_ = std::move(*created);
  ASSERT_TRUE(server_->start().ok());

  auto admin = connect(token_admin, client::role::admin);
  topic_spec brand{"acme", "brand", "", "flowwow", {}, {}};
  brand.own_accounts = {"@flowwow_ru"};
  brand.tags = {{"Тачпоинт/Доставка", "доставка"}};
  brand.rules = {{"ads", "#реклама", {{}, "", std::nullopt, false, /*drop=*/true}},
                 {"ours", "is:own", {{"Наши ответы"}, "", std::nullopt, /*processed=*/true}},
                 {"fraud", "мошенник*", {{"Риск"}, "negative", 95.0}}};
  ASSERT_TRUE(admin->upsert_topics({brand, {"acme", "rival", "", "букет", {}, {}}}).ok());
  auto listed = admin->list_topics();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->topics.size(), 2u);
  ASSERT_EQ(listed->topics[0].rules.size(), 3u) << "rules persist with the topic";
  EXPECT_EQ(listed->topics[0].rules[2].then.sentiment, "negative");
  EXPECT_EQ(listed->topics[0].rules[2].then.add_tags, std::vector<std::string>{"Риск"});

  client::subscription_options so{.name = "all", .topics = {}, .tags = {}, .start = client::start_from::latest};
  so.alerts = true;
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber), so);
  ASSERT_TRUE(sub.next(50ms).ok());

  std::vector<post> posts;
  auto add = [&](std::string text, std::string handle = "") {
    post p;
    p.id = "r" + std::to_string(posts.size());
    p.text = std::move(text);
    p.source_type = "social";
    p.author.handle = std::move(handle);
    posts.push_back(std::move(p));
  };
  for (int i = 0; i < 30; ++i) add("flowwow ужасная доставка, букет завял");
  add("flowwow спасибо, отличный букет");
  add("flowwow: мы разберёмся", "flowwow_ru");
  add("flowwow мошенники пишут от вашего имени, спасибо что предупредили");
  add("скидки flowwow #реклама");
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(posts).ok());
  server_->wait_until_matched();

  std::map<std::string, client::mention> by_post;  // brand mentions
  std::vector<client::alert> alerts;
  for (;;) {
    auto b = sub.next(700ms);
    ASSERT_TRUE(b.ok());
    auto a = sub.take_alerts();
    alerts.insert(alerts.end(), a.begin(), a.end());
    if (b->empty()) break;
    for (auto& m : *b)
      if (m.topic == "brand") by_post[m.p.id] = m;
  }
  ASSERT_EQ(by_post.size(), 33u) << "the #реклама post is dropped by its rule";
  const auto& angry = by_post.at("r0");
  EXPECT_EQ(angry.sentiment, static_cast<uint8_t>(rules::sentiment::negative));
  EXPECT_EQ(angry.sentiment_source, "model");
  EXPECT_TRUE(angry.wom);
  EXPECT_EQ(angry.tags, std::vector<std::string>{"Тачпоинт/Доставка"});
  EXPECT_GT(angry.priority, 40.f);
  EXPECT_EQ(by_post.at("r30").sentiment, static_cast<uint8_t>(rules::sentiment::positive));
  const auto& ours = by_post.at("r31");
  EXPECT_TRUE(ours.processed);
  EXPECT_FALSE(ours.wom);
  EXPECT_EQ(ours.tags, std::vector<std::string>{"Наши ответы"});
  const auto& fraud = by_post.at("r32");
  EXPECT_EQ(fraud.sentiment_source, "rule:fraud");
  EXPECT_EQ(fraud.sentiment, static_cast<uint8_t>(rules::sentiment::negative));
  EXPECT_FLOAT_EQ(fraud.priority, 95.f);

  // The burst of 30 raised one alert for the topic and one for its tag.
  ASSERT_GE(alerts.size(), 2u);
  size_t topic_alerts = 0, tag_alerts = 0;
  for (const auto& a : alerts) {
    topic_alerts += a.topic == "brand" && a.tag.empty();
    tag_alerts += a.topic == "brand" && a.tag == "Тачпоинт/Доставка";
    EXPECT_GE(a.count, a.threshold) << a.topic << " " << a.tag;
  }
  EXPECT_EQ(topic_alerts, 1u);
  EXPECT_EQ(tag_alerts, 1u) << "the tag's burst is alerted next to the topic's";

  auto stats = admin->full_stats();
  ASSERT_TRUE(stats.ok());
  const client::aggregate_row* row = nullptr;
  for (const auto& r : stats->aggregates)
    if (r.topic == "brand" && r.tag.empty()) row = &r;
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->hour.total(), 33u);
  EXPECT_EQ(row->hour.negative, 31u);
  EXPECT_EQ(row->hour.positive, 1u);
  EXPECT_DOUBLE_EQ(row->loyalty_hour, (1.0 - 31.0) / 32.0);
  EXPECT_GT(row->share_of_voice_hour, 0.5);
  EXPECT_LT(row->share_of_voice_hour, 1.0) << "the rival topic has its share";
  EXPECT_FALSE(stats->alerts.empty());
  const std::string metrics = http_get(server_->http_port(), "/metrics");
  EXPECT_NE(metrics.find("sito_mentions_dropped_by_rules_total 1"), std::string::npos);
  EXPECT_NE(metrics.find("sito_loyalty_index{tenant=\"acme\",topic=\"brand\",tag=\"\",window=\"hour\"}"),
            std::string::npos);
  EXPECT_NE(metrics.find("sito_share_of_voice{tenant=\"acme\",topic=\"rival\""), std::string::npos);
  EXPECT_NE(metrics.find("sito_mentions_window{tenant=\"acme\",topic=\"brand\",tag=\"Тачпоинт/Доставка\","
                         "window=\"hour\",sentiment=\"negative\"} 30"),
            std::string::npos);
  // The other tenant sees none of it.
  auto other = connect(token_other_admin, client::role::admin);
  auto other_stats = other->full_stats();
  ASSERT_TRUE(other_stats.ok());
  EXPECT_TRUE(other_stats->aggregates.empty());
  EXPECT_TRUE(other_stats->alerts.empty());

  // A restart rebuilds the aggregates from the mention log.
  admin.reset();
  other.reset();
  restart();
  admin = connect(token_admin, client::role::admin);
  auto after = admin->full_stats();
  ASSERT_TRUE(after.ok());
  const client::aggregate_row* again = nullptr;
  for (const auto& r : after->aggregates)
    if (r.topic == "brand" && r.tag.empty()) again = &r;
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->day.total(), 33u);
  EXPECT_EQ(again->day.negative, 31u);
}

TEST_F(Sitod, AppendsDoNotQueueBehindBackfills) {
  // Backfills run on their own pool: a producer's batch sent while several
  // backfills are running is acknowledged before the first of them ends
  // (before, two backfills took both workers and the ack waited for one).
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  for (int round = 0; round < 10; ++round) {
    std::vector<post> batch = firehose(6000);
    for (auto& p : batch) p.id = "b" + std::to_string(round) + "-" + p.id;
    ASSERT_TRUE(producer->publish(batch).ok());
  }
  server_->wait_until_matched();
  // New topics: the backfill of each covers the 60 000 posts sent before it.
  for (int k = 0; k < 3; ++k)
    ASSERT_TRUE(
        admin->upsert_topics({{"acme", "life-late-" + std::to_string(k), "", "жизнь OR человек OR бог*", {}, {}}}).ok());

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  std::vector<clock::duration> finished(3);
  std::vector<std::thread> backfills;
  for (size_t k = 0; k < finished.size(); ++k)
    backfills.emplace_back([&, k] {
      auto c = client::connection::open(opts(server_->port(), token_admin, client::role::admin));
      ASSERT_TRUE(c.ok());
      auto r = (*c)->backfill("life-late-" + std::to_string(k));
      EXPECT_TRUE(r.ok());
      if (r.ok()) {
        // Not the post sent meanwhile: the live matcher has the topic for it.
        EXPECT_EQ(r->first, 60'000u);
      }
      finished[k] = clock::now() - start;
    });
  std::this_thread::sleep_for(50ms);  // the backfills are under way
  post p;
  p.id = "during-backfill";
  p.text = "жизнь";
  ASSERT_TRUE(producer->publish({p}).ok());
  const auto acked = clock::now() - start;
  for (auto& t : backfills) t.join();
  const auto first_done = *std::min_element(finished.begin(), finished.end());
  EXPECT_LT(acked, first_done) << "the ack waited for a backfill: acked after "
                               << std::chrono::duration_cast<std::chrono::milliseconds>(acked).count()
                               << " ms, the first backfill ended after "
                               << std::chrono::duration_cast<std::chrono::milliseconds>(first_done).count() << " ms";
}

TEST_F(Sitod, BackfillRunsANewTopicOverTheRetainedLog) {
  auto admin = connect(token_admin, client::role::admin);
  auto producer = connect(token_producer, client::role::producer);
  const auto posts = firehose(2000);
  ASSERT_TRUE(producer->publish(posts).ok());
  server_->wait_until_matched();
  // The topic arrives after its posts: live matching never saw them.
  const std::vector<topic_spec> late = {{"acme", "late", "", "любовь OR любить", {}, {}}};
  ASSERT_TRUE(admin->upsert_topics(late).ok());
  auto res = admin->backfill("late");
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  EXPECT_EQ(res->first, posts.size());
  const auto expected = expected_mentions(late, posts);
  EXPECT_EQ(res->second, expected.size());
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "bf", .topics = {"late"}, .start = client::start_from::offset, .offset = 0});
  std::map<std::pair<std::string, std::string>, std::string> got;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (got.size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(500ms);
    ASSERT_TRUE(batch.ok());
    for (const auto& m : *batch) {
      EXPECT_TRUE(m.backfill);
      got[{m.p.id, m.topic}] = highlights_text(m);
    }
  }
  EXPECT_EQ(got, expected);
  EXPECT_FALSE(admin->backfill("no-such-topic").ok());
  // A topic live all along has nothing to backfill: no mention twice.
  auto again = admin->backfill("late");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->first, 0u);
  EXPECT_EQ(again->second, 0u);
}

TEST_F(Sitod, BackfillMeetsLiveMatchingWithoutGapOrOverlapWhilePostsArrive) {
  // A topic upserted while a producer publishes: the matcher has batches
  // read, being scanned and waiting for their commit with the ruleset
  // before it. Its backfill and its live mentions together give each of
  // its mentions exactly once.
  auto admin = connect(token_admin, client::role::admin);
  auto producer = connect(token_producer, client::role::producer);
  std::vector<post> posts = firehose(6000);
  for (int round = 1; round < 4; ++round) {
    std::vector<post> more = firehose(6000);
    for (auto& p : more) p.id = "r" + std::to_string(round) + "-" + p.id;
    posts.insert(posts.end(), more.begin(), more.end());
  }
  const std::vector<topic_spec> late = {{"acme", "late", "", "жизнь OR любовь", {}, {}}};
  std::thread publisher([&] {
    for (size_t b = 0; b < posts.size(); b += 500)
      ASSERT_TRUE(producer->publish(std::vector<post>(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 500)))
                      .ok());
  });
  // Some posts are matched, more are coming (waited for, not slept: under
  // the sanitizers 100 ms may not see the first batch matched).
  for (int i = 0; i < 600; ++i) {
    const double matched =
        testing::metric_value(testing::http_get(server_->http_port(), "/metrics"), "sito_posts_matched_total");
    if (matched > 0) break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(admin->upsert_topics(late).ok());
  auto res = admin->backfill("late");
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  publisher.join();
  server_->wait_until_matched();
  EXPECT_GT(res->first, 0u) << "the topic arrived after some posts";
  EXPECT_LT(res->first, posts.size()) << "and before the last ones";

  // The topic's whole log, live and backfilled, read to its end.
  const auto expected = expected_mentions(late, posts);
  std::map<std::pair<std::string, std::string>, int> count;
  std::map<std::pair<std::string, std::string>, std::string> got;
  size_t read = 0, backfilled = 0;
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber),
                         {.name = "meet", .topics = {"late"}, .start = client::start_from::offset, .offset = 0});
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (read < expected.size() && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(500ms);
    ASSERT_TRUE(batch.ok());
    for (const auto& m : *batch) {
      ++count[{m.p.id, m.topic}];
      got[{m.p.id, m.topic}] = highlights_text(m);
      backfilled += m.backfill;
    }
    read += batch->size();
  }
  auto beyond = sub.next(300ms);
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->empty()) << beyond->size() << " mentions beyond the expected ones";
  for (const auto& [key, n] : count) EXPECT_EQ(n, 1) << key.first << " came " << n << " times";
  EXPECT_EQ(got, expected);
  EXPECT_EQ(backfilled, res->second);
  EXPECT_GT(backfilled, 0u);
  EXPECT_LT(backfilled, expected.size()) << "the later posts' mentions are live ones";
}

}  // namespace
}  // namespace sito

namespace sito {
namespace {

// Posts keep tolerating fields sito does not know (vendors add their own),
// and a typo of a known field shows: `sito publish` names them in its
// summary, sitod counts them per tenant (a re-sent duplicate once).
TEST(SitodProcess, UnknownPostFieldsAreToleratedNamedAndCounted) {
  const fs::path dir = fs::temp_directory_path() / ("sito_unknown_fields_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sitod_process sitod(dir);
  const uint16_t port = sitod.start();
  ASSERT_NE(port, 0) << "sitod did not start";
  {
    std::ofstream out(dir / "posts.jsonl");
    out << R"({"id":"1","text":"доставка","likes_vk":5,"txet":"x"})" << "\n"
        << R"({"id":"2","text":"курьер","author":{"id":"a","karma":9}})" << "\n"
        << R"({"id":"3","text":"всё хорошо"})" << "\n";
  }
  for (int round = 0; round < 2; ++round) {  // the second: duplicates, counted once
    const auto summary = nlohmann::json::parse(sito_publish(port, dir / "posts.jsonl", dir), nullptr, false);
    ASSERT_TRUE(summary.is_object()) << "no JSON summary";
    EXPECT_EQ(summary["published"], round == 0 ? 3 : 0) << summary.dump();
    EXPECT_EQ(summary["duplicates"], round == 0 ? 0 : 3) << summary.dump();
    EXPECT_EQ(summary["unknown_fields"],
              (nlohmann::json{{"author.karma", 1}, {"likes_vk", 1}, {"txet", 1}}))
        << summary.dump();
  }
  const std::string m = http_get(sitod.http_port(), "/metrics");
  EXPECT_EQ(metric_value(m, "sito_posts_with_unknown_fields_total{tenant=\"acme\"}"), 2) << m;
  EXPECT_EQ(metric_value(m, "sito_post_unknown_fields_total{tenant=\"acme\"}"), 3) << m;
  sitod.terminate();
  fs::remove_all(dir);
}

TEST(SitodProcess, SighupReloadsTheConfigAndABadFileKeepsTheRunningOne) {
  const fs::path dir = fs::temp_directory_path() / ("sito_sighup_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  sitod_process sitod(dir);
  const uint16_t port = sitod.start();
  ASSERT_NE(port, 0) << "sitod did not start";
  const std::string added = "acme-producer-added";
  auto open_as = [&](const std::string& token) {
    return client::connection::open(opts(port, token, client::role::producer));
  };
  EXPECT_FALSE(open_as(added).ok());
  // A broken file: refused with its reason, the running config stays.
  {
    std::ofstream cfg(dir / "sitod.yaml", std::ios::app);
    cfg << "sync_writse: true\n";
  }
  sitod.signal(SIGHUP);
  ASSERT_TRUE(sitod.wait_for_log("config reload refused")) << "the log says why";
  EXPECT_TRUE(sitod.wait_for_log("sync_writse"));
  ASSERT_TRUE(sitod.running());
  EXPECT_TRUE(open_as(token_producer).ok());
  // A good file with a token added: it works at once, the others too.
  {
    sitod_process rewrite(dir);  // writes the base config again
    std::ofstream cfg(dir / "sitod.yaml", std::ios::app);
    cfg << "      - {sha256: " << server::sha256_hex(added) << ", role: producer}\n";
  }
  sitod.signal(SIGHUP);
  ASSERT_TRUE(sitod.wait_for_log("config reloaded"));
  auto c = open_as(added);
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_TRUE(open_as(token_producer).ok());
  sitod.terminate();
  fs::remove_all(dir);
}

/// The whole mention log of tenant acme in a stopped sitod's data directory,
/// read from the store to its last record: (post id, topic) → how many times.
std::map<std::pair<std::string, std::string>, int> mention_log_of(const fs::path& data_dir) {
  std::map<std::pair<std::string, std::string>, int> seen;
  auto db = server::store::open({.path = data_dir.string()});
  EXPECT_TRUE(db.ok()) << db.error().to_string();
  if (!db.ok()) return seen;
  EXPECT_EQ((*db)->matched_watermark(), (*db)->next_post_offset()) << "a graceful stop matches everything first";
  std::vector<server::mention_record> log;
  EXPECT_TRUE((*db)->read_mentions("acme", 0, SIZE_MAX, log).ok());
  for (const auto& m : log) {
    auto sp = (*db)->read_post(m.post_offset);
    EXPECT_TRUE(sp.ok());
    if (sp.ok()) ++seen[{sp->p.id, m.topic}];
  }
  return seen;
}

TEST(SitodProcess, KillNineLosesNoAcknowledgedPostAndMatchesEachOnce) {
  const fs::path dir = temp_dir("kill9");
  sitod_process proc(dir);
  const uint16_t port = proc.start();
  ASSERT_NE(port, 0) << "sitod did not start";
  {
    auto admin = client::connection::open(opts(port, token_admin, client::role::admin));
    ASSERT_TRUE(admin.ok()) << admin.error().to_string();
    ASSERT_TRUE((*admin)->upsert_topics(acme_topics()).ok());
  }
  const auto posts = firehose(6000);
  std::vector<post> acknowledged;
  std::atomic<bool> killed{false};
  std::thread killer([&] {
    std::this_thread::sleep_for(400ms);
    proc.kill9();
    killed = true;
  });
  {
    auto producer = client::connection::open(opts(port, token_producer, client::role::producer));
    ASSERT_TRUE(producer.ok());
    // Publish until the server dies; ids stay unique across rounds.
    for (size_t round = 0; !killed || round < 1; ++round) {
      bool dead = false;
      for (size_t b = 0; b < posts.size(); b += 100) {
        std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 100));
        for (auto& p : batch) p.id = "r" + std::to_string(round) + "-" + p.id;
        auto ack = (*producer)->publish(batch);
        if (!ack.ok()) {  // the server died mid-batch: that batch was never acknowledged
          dead = true;
          break;
        }
        acknowledged.insert(acknowledged.end(), batch.begin(), batch.end());
      }
      if (dead) break;
    }
  }
  killer.join();
  ASSERT_TRUE(killed);
  ASSERT_GT(acknowledged.size(), 0u);

  // Restarted and stopped gracefully, sitod has matched every acknowledged
  // post; the whole mention log must hold each of their mentions exactly
  // once (and may hold mentions of posts that were durable but not
  // acknowledged when it died, once each too).
  ASSERT_NE(proc.start(), 0) << "sitod did not restart";
  proc.terminate();
  const auto seen = mention_log_of(dir / "data");
  const auto expected = expected_mentions(acme_topics(), acknowledged);
  size_t found = 0;
  for (const auto& [key, n] : seen) {
    EXPECT_EQ(n, 1) << "mention of " << key.first << " / " << key.second << " stored " << n << " times";
    found += expected.count(key);
  }
  EXPECT_EQ(found, expected.size()) << "mentions of acknowledged posts are missing after kill -9";
  fs::remove_all(dir);
}

TEST(SitodProcess, AProducerThatReSendsAfterKillNineGetsNoDuplicateMentions) {
  // What every firehose vendor does: after the server dies, re-send from the
  // first post not acknowledged. Posts that were durable but not yet
  // acknowledged come back as duplicates and must not be matched twice.
  const fs::path dir = temp_dir("kill9-resend");
  sitod_process proc(dir);
  std::vector<post> posts;
  for (int round = 0; round < 3; ++round)
    for (post p : firehose(6000)) {
      p.id = "r" + std::to_string(round) + "-" + p.id;
      posts.push_back(std::move(p));
    }
  std::mt19937 rng(20261129);
  size_t duplicates = 0, kills = 0;
  std::atomic<size_t> next_unacked{0};
  for (int cycle = 0; cycle < 4 && next_unacked < posts.size(); ++cycle) {
    const uint16_t port = proc.start();
    ASSERT_NE(port, 0) << "sitod did not start (cycle " << cycle << ")";
    if (cycle == 0) {
      auto admin = client::connection::open(opts(port, token_admin, client::role::admin));
      ASSERT_TRUE(admin.ok()) << admin.error().to_string();
      ASSERT_TRUE((*admin)->upsert_topics(acme_topics()).ok());
    }
    const bool last = cycle == 3;  // the last run publishes everything left, undisturbed
    std::thread killer;
    std::atomic<bool> killed{false};
    // The kill lands while the producer is publishing: once a random number
    // of further posts has been acknowledged.
    if (!last)
      killer = std::thread([&, target = next_unacked + 500 + rng() % 3000] {
        while (next_unacked < std::min(target, posts.size() - 1)) std::this_thread::sleep_for(1ms);
        proc.kill9();
        killed = true;
      });
    {
      auto producer = client::connection::open(opts(port, token_producer, client::role::producer));
      ASSERT_TRUE(producer.ok());
      while (next_unacked < posts.size()) {
        const size_t begin = next_unacked, end = std::min(posts.size(), begin + 100);
        std::vector<post> batch(posts.begin() + static_cast<ptrdiff_t>(begin), posts.begin() + static_cast<ptrdiff_t>(end));
        auto ack = (*producer)->publish(batch);
        if (!ack.ok()) break;  // died: re-send this batch on the next run
        ASSERT_EQ(ack->accepted + ack->duplicate_ids.size(), batch.size());
        duplicates += ack->duplicate_ids.size();
        next_unacked = end;
      }
    }
    if (!last) {
      killer.join();
      ASSERT_TRUE(killed);
      ++kills;
    }
  }
  ASSERT_EQ(next_unacked.load(), posts.size()) << "the last run publishes everything";
  proc.terminate();  // a graceful stop matches everything acknowledged first

  const auto seen = mention_log_of(dir / "data");
  const auto expected = expected_mentions(acme_topics(), posts);
  size_t twice = 0;
  for (const auto& [key, n] : seen) {
    EXPECT_EQ(n, 1) << key.first << " / " << key.second << " is in the mention log " << n << " times";
    twice += n > 1;
    EXPECT_TRUE(expected.count(key)) << key.first << " / " << key.second << " is not a mention of any post";
  }
  EXPECT_EQ(seen.size(), expected.size()) << "mentions of acknowledged posts are missing";
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(kills, 3u);
  {
    // The rollups, written in the mentions' own batches, count exactly the
    // mention log, whatever the kills interrupted.
    auto db = server::store::open({.path = (dir / "data").string()});
    ASSERT_TRUE(db.ok()) << db.error().to_string();
    const auto log = test::counted_mentions_of(**db, "acme");
    ASSERT_EQ(log.size(), expected.size());
    test::period_reference ref("UTC");
    for (const std::string topic : {"", "delivery", "life"}) {
      server::period_query q;
      q.tenant = "acme";
      q.topic = topic;
      q.by = server::period_unit::hour;
      q.from_ms = wall_ms() - 6 * 3'600'000;
      q.to_ms = wall_ms() + 3'600'000;
      auto got = server::query_periods(**db, q);
      ASSERT_TRUE(got.ok()) << got.error().to_string();
      test::expect_same_rows(*got, ref.rows(log, topic, "", q.from_ms, q.to_ms, test::ref_unit::hour, nullptr, {}),
                             "after kill -9: " + topic);
    }
  }
  // Not asserted (it depends on when the kill lands): how many re-sent posts were already durable.
  std::cout << "kill -9 cycles: " << kills << ", re-sent posts acknowledged as duplicates: " << duplicates << "\n";
  fs::remove_all(dir);
}

// A broken config is reported on one line of valid JSON, whatever its path
// or message carries (the line was built by hand, unescaped, before).
TEST(SitodProcess, ABadConfigIsReportedOnOneValidJsonLine) {
  const fs::path dir = temp_dir("badconfig") / "a \"quoted\" dir";
  fs::create_directories(dir);
  const fs::path cfg = dir / "sitod.yaml", log = dir / "stderr.log";
  std::ofstream(cfg) << "listen: 127.0.0.1:abc\ndata_dir: " << (dir / "data").string() << "\n";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::freopen(log.c_str(), "w", stderr);
    ::execl(SITOD_PATH, "sitod", "--config", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << "a bad config exits with 2";
  std::ifstream in(log);
  std::string line;
  size_t lines = 0;
  bool reported = false;
  while (std::getline(in, line)) {
    ++lines;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(j.is_object()) << "not one JSON object: " << line;
    if (j.value("msg", "") == "bad config") {
      reported = true;
      EXPECT_EQ(j.value("level", ""), "error");
      const std::string error = j.value("error", "");
      EXPECT_NE(error.find(cfg.string()), std::string::npos) << "names the file, quotes and all: " << error;
      EXPECT_NE(error.find("abc"), std::string::npos) << "and what is wrong: " << error;
    }
  }
  EXPECT_TRUE(reported) << lines << " lines, none says 'bad config'";
  fs::remove_all(dir.parent_path());
}

TEST(SitodProcess, GracefulStopOnSigterm) {
  const fs::path dir = temp_dir("sigterm");
  sitod_process proc(dir);
  const uint16_t port = proc.start();
  ASSERT_NE(port, 0);
  proc.terminate();
  std::ifstream in(dir / "sitod.log");
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(all.find("\"stopped\""), std::string::npos) << all;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sito

// ---- TLS and per-subscription metrics ------------------------------------

namespace sito {
namespace {

TEST_F(Sitod, SubscriptionLagAndWriteQueueAreInTheMetrics) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "everything", "", "и OR в OR не OR на", {}, {}}}).ok());
  // A subscriber that takes 5 mentions and then reads nothing. Its name needs escaping as a label value.
  const std::string name = R"(slow "one"\)";
  const std::string series = R"(sito_subscription_lag_mentions{tenant="acme",subscription="slow \"one\"\\"})";
  auto slow = connect(token_subscriber, client::role::subscriber);
  ASSERT_TRUE(slow->subscribe({.name = name, .topics = {}, .start = client::start_from::latest, .credit = 5}).ok());
  EXPECT_EQ(wait_for_metric(server_->http_port(), series, 0), 0) << "a fresh subscription at latest has no lag";

  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(firehose(1000)).ok());
  server_->wait_until_matched();
  const std::string m = http_get(server_->http_port(), "/metrics");
  const double committed = metric_value(m, "sito_mentions_committed_total");
  ASSERT_GT(committed, 100) << m;
  EXPECT_GE(metric_value(m, "sito_session_write_queue_frames"), 0) << m;
  EXPECT_EQ(wait_for_metric(server_->http_port(), series, committed - 5), committed - 5)
      << "lag = the tenant's next mention offset - the subscription's next offset\n"
      << http_get(server_->http_port(), "/metrics");

  // Catch up: the lag goes to 0 and nothing stays queued.
  ASSERT_TRUE(slow->credit(name, 1'000'000).ok());
  uint64_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (got < committed && std::chrono::steady_clock::now() < deadline) {
    auto batch = slow->next_mentions(500ms);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    got += batch->size();
  }
  ASSERT_EQ(got, static_cast<uint64_t>(committed));
  EXPECT_EQ(wait_for_metric(server_->http_port(), series, 0), 0);
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_session_write_queue_frames", 0), 0);

  // Its series goes away with its connection.
  slow.reset();
  EXPECT_EQ(wait_for_metric(server_->http_port(), series, -1), -1) << "a closed subscription is forgotten";
}

/// Every mention of tenant acme from offset 0 to the end of its log, as
/// (post id, topic) → how many times; the end is `count` mentions, by
/// default the committed count the metrics report once everything published
/// is matched (what this process committed), and one more read must find
/// nothing beyond it.
std::map<std::pair<std::string, std::string>, int> whole_mention_log(server::sitod& srv, const std::string& name,
                                                                     std::optional<size_t> count = {}) {
  srv.wait_until_matched();
  const double committed =
      count ? static_cast<double>(*count)
            : metric_value(http_get(srv.http_port(), "/metrics"), "sito_mentions_committed_total");
  std::map<std::pair<std::string, std::string>, int> seen;
  client::subscriber sub(opts(srv.port(), token_subscriber, client::role::subscriber),
                         {.name = name, .topics = {}, .start = client::start_from::offset, .offset = 0});
  size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (got < committed && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(500ms);
    EXPECT_TRUE(batch.ok());
    if (!batch.ok()) break;
    for (const auto& m : *batch) ++seen[{m.p.id, m.topic}];
    got += batch->size();
  }
  EXPECT_EQ(got, static_cast<size_t>(committed));
  auto beyond = sub.next(300ms);
  EXPECT_TRUE(beyond.ok() && beyond->empty()) << "mentions beyond the committed count";
  return seen;
}

post text_post(const std::string& id, const std::string& text) {
  post p;
  p.id = id;
  p.source = "vk";
  p.text = text;
  return p;
}

// A producer whose quiet connection the server closed (idle timeout)
// publishes on: the client opens a new connection once and sends the batch
// again.
TEST_F(Sitod, APublishAfterAnIdleCloseReconnectsOnce) {
  auto config = make_config(dir_);
  config.idle_timeout_seconds = 2;
  ASSERT_NO_FATAL_FAILURE(restart_with(server_, config));
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({text_post("before", "доставка")}).ok());
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_connections_refused_total{reason=\"idle\"}", 1), 1);
  auto ack = producer->publish({text_post("after", "курьер")});
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_EQ(ack->accepted, 1u);
  ASSERT_TRUE(server_->wait_until_matched());
  EXPECT_EQ(metric_value(http_get(server_->http_port(), "/metrics"), "sito_posts_ingested_total"), 2);
}

TEST_F(Sitod, ReSentPostsAreDuplicatesAndAnEditGivesOnlyItsNewMentions) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  auto ack = producer->publish({text_post("a", "доставка опоздала"), text_post("b", "курьер приехал")});
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->accepted, 2u);
  EXPECT_TRUE(ack->duplicate_ids.empty());

  // A re-send from the first post on, with one new post: only that one is stored.
  ack = producer->publish({text_post("a", "доставка опоздала"), text_post("b", "курьер приехал"),
                           text_post("c", "доставка вовремя")});
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->accepted, 1u);
  EXPECT_EQ(ack->first_offset, 2u);
  EXPECT_EQ(ack->duplicate_ids, (std::vector<std::string>{"a", "b"}));

  // An edit of "a" that also speaks of life: matched again, and only the new topic is emitted.
  ack = producer->publish({text_post("a", "доставка опоздала, такова жизнь")});
  ASSERT_TRUE(ack.ok());
  EXPECT_EQ(ack->accepted, 1u);
  EXPECT_EQ(ack->edits, 1u);

  const auto log = whole_mention_log(*server_, "dedup");
  const std::map<std::pair<std::string, std::string>, int> want = {
      {{"a", "delivery"}, 1}, {{"b", "delivery"}, 1}, {{"c", "delivery"}, 1}, {{"a", "life"}, 1}};
  EXPECT_EQ(log, want);
  const std::string m = http_get(server_->http_port(), "/metrics");
  EXPECT_EQ(metric_value(m, "sito_posts_duplicate_total"), 2) << m;
  EXPECT_EQ(metric_value(m, "sito_posts_edited_total"), 1) << m;
  EXPECT_EQ(metric_value(m, "sito_mentions_repeated_by_edits_total"), 1) << m;
  EXPECT_EQ(metric_value(m, "sito_posts_ingested_total"), 4) << m;

  // A backfill of a new topic follows the same rule: the edit adds nothing its earlier version gave.
  ASSERT_TRUE(admin->upsert_topics({{"acme", "late", "", "опоздала", {}, {}}}).ok());
  auto filled = admin->backfill("late");
  ASSERT_TRUE(filled.ok()) << filled.error().to_string();
  EXPECT_EQ(filled->second, 1u) << "post a's first version only";
}

// Commits are stored in the order they came: a subscriber that commits
// at every mention (fire and forget) ends with its last offset stored,
// never an older one written after it.
TEST_F(Sitod, RapidCommitsAreStoredInOrder) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(firehose(500)).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  auto sub = connect(token_subscriber, client::role::subscriber);
  for (int round = 0; round < 5; ++round) {
    const std::string name = "rapid-" + std::to_string(round);
    ASSERT_TRUE(sub->subscribe({.name = name, .start = client::start_from::offset, .offset = 0}).ok());
    for (uint64_t offset = 0; offset < 300; ++offset) ASSERT_TRUE(sub->commit(name, offset).ok());
    std::optional<uint64_t> stored;
    for (int i = 0; i < 250 && stored != 299u; ++i) {
      std::this_thread::sleep_for(20ms);
      stored = server_->committed_offset("acme", name);
    }
    EXPECT_EQ(stored, 299u) << name;
    std::this_thread::sleep_for(100ms);  // and nothing older lands after it
    EXPECT_EQ(server_->committed_offset("acme", name), 299u) << name;
  }
}

// A full disk (store.hpp, "Disk full"): a PublishBatch gets
// StorageUnavailable and no ack, /health turns 503 and says why, and when
// space returns everything resumes by itself: the client's re-send is
// acknowledged, the matcher commits, and the mention log holds every
// acknowledged post's mentions exactly once, across a restart too.
TEST_F(Sitod, ADiskFullRefusesIngestTurnsUnhealthyAndEverythingResumesWhenSpaceReturns) {
  faults_ = std::make_shared<server::store_faults>();
  restart();
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics(acme_topics()).ok());
  auto producer = connect(token_producer, client::role::producer);
  const std::vector<post> posts = firehose(3000);
  ASSERT_EQ(posts.size(), 3000u);
  const std::vector<post> a(posts.begin(), posts.begin() + 1000), b(posts.begin() + 1000, posts.begin() + 2000),
      c(posts.begin() + 2000, posts.end());
  ASSERT_TRUE(producer->publish(a).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  // Acknowledged as the disk fills: matched before or after (either way once).
  ASSERT_TRUE(producer->publish(b).ok());
  faults_->disk_full = true;

  auto quick_options = opts(server_->port(), token_producer, client::role::producer);
  quick_options.resend_refused = false;  // the refusal itself, not the client's re-send
  auto quick = client::connection::open(quick_options);
  ASSERT_TRUE(quick.ok()) << quick.error().to_string();
  auto refused = (*quick)->publish(c);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), status_code::unavailable) << refused.error().to_string();
  EXPECT_NE(refused.error().message().find("StorageUnavailable"), std::string::npos) << refused.error().message();
  EXPECT_NE(refused.error().message().find("not stored"), std::string::npos) << refused.error().message();
  auto upsert = admin->upsert_topics({{"acme", "extra", "", "доставка", {}, {}}});
  EXPECT_FALSE(upsert.ok());

  const std::string health = http_get(server_->http_port(), "/health");
  EXPECT_NE(health.find("503 Service Unavailable"), std::string::npos) << health;
  EXPECT_NE(health.find("\"status\":\"unhealthy\""), std::string::npos) << health;
  EXPECT_NE(health.find("No space left on device"), std::string::npos) << health;
  const std::string metrics = http_get(server_->http_port(), "/metrics");
  EXPECT_EQ(metric_value(metrics, "sito_store_writable"), 0) << metrics;
  EXPECT_GE(metric_value(metrics, "sito_store_write_errors_total"), 1) << metrics;

  // A producer that keeps its batch re-sends it after retry_after_ms on
  // its own (the client does, within its timeout); space returns meanwhile.
  auto resent = std::async(std::launch::async, [&] { return producer->publish(c); });
  std::this_thread::sleep_for(1500ms);
  faults_->disk_full = false;
  auto ack = resent.get();
  ASSERT_TRUE(ack.ok()) << ack.error().to_string();
  EXPECT_EQ(ack->accepted, 1000u);
  EXPECT_TRUE(ack->duplicate_ids.empty()) << "nothing of the refused batch was stored";
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_store_writable", 1), 1);
  EXPECT_NE(http_get(server_->http_port(), "/health").find("\"status\":\"ok\""), std::string::npos);
  ASSERT_TRUE(server_->wait_until_matched());

  std::map<std::pair<std::string, std::string>, int> want;
  for (const auto& [key, highlights] : expected_mentions(acme_topics(), posts)) want[key] = 1;
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(whole_mention_log(*server_, "after-full"), want);
  restart();  // this process committed nothing: the log's length is given
  EXPECT_EQ(whole_mention_log(*server_, "after-restart", want.size()), want);
}

bool sh(const std::string& command) { return std::system(command.c_str()) == 0; }
bool have_openssl() { return sh("openssl version >/dev/null 2>&1"); }

/// A self-signed certificate (its own CA) and its key: dir/NAME.crt, dir/NAME.key.
void make_cert(const fs::path& dir, const std::string& name, const std::string& cn, const std::string& san) {
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=" + cn +
                          " -addext subjectAltName=" + san + " -days 1 -keyout '" + (dir / (name + ".key")).string() +
                          "' -out '" + (dir / (name + ".crt")).string() + "' >/dev/null 2>&1";
  ASSERT_TRUE(sh(cmd)) << cmd;
}

class SitodTls : public ::testing::Test {
 protected:
  void SetUp() override {
    SITO_REQUIRE(have_openssl(), "the openssl binary is missing (Debian package openssl)");
    dir_ = temp_dir(std::string("tls-") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    ASSERT_NO_FATAL_FAILURE(make_cert(dir_, "server", "localhost", "DNS:localhost,IP:127.0.0.1"));
    server_ = start_server("server", "data");
  }
  void TearDown() override {
    for (auto* s : {&server_, &other_})
      if (*s) (*s)->stop();
    server_.reset();
    other_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  /// A sitod speaking TLS with dir/CERT.{crt,key}, its data in dir/DATA.
  std::unique_ptr<server::sitod> start_server(const std::string& cert, const std::string& data) {
    server::server_config c = make_config(dir_);
    c.data_dir = (dir_ / data).string();
    c.tls = server::tls_config{(dir_ / (cert + ".crt")).string(), (dir_ / (cert + ".key")).string()};
    auto s = server::sitod::create(c);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    if (!s.ok()) return nullptr;
    status st = (*s)->start();
    EXPECT_TRUE(st.ok()) << st.to_string();
    return std::move(*s);
  }
  client::connection_options tls_opts(const std::string& token, client::role r, const std::string& ca = "server") {
    client::connection_options o = opts(server_->port(), token, r);
    o.tls = true;
    o.ca_file = (dir_ / (ca + ".crt")).string();
    o.timeout = 5s;
    return o;
  }
  fs::path dir_;
  std::unique_ptr<server::sitod> server_, other_;
};

TEST_F(SitodTls, PublishSubscribeOverTls) {
  auto admin = client::connection::open(tls_opts(token_admin, client::role::admin));
  ASSERT_TRUE(admin.ok()) << admin.error().to_string();
  ASSERT_TRUE((*admin)->upsert_topics(acme_topics()).ok());
  client::subscriber sub(tls_opts(token_subscriber, client::role::subscriber),
                         {.name = "tls", .topics = {}, .start = client::start_from::latest});
  ASSERT_TRUE(sub.next(100ms).ok());

  const auto posts = firehose(1500);
  auto producer = client::connection::open(tls_opts(token_producer, client::role::producer));
  ASSERT_TRUE(producer.ok()) << producer.error().to_string();
  for (size_t b = 0; b < posts.size(); b += 500) {
    std::vector<post> batch(posts.begin() + b, posts.begin() + std::min(posts.size(), b + 500));
    auto ack = (*producer)->publish(batch);
    ASSERT_TRUE(ack.ok()) << ack.error().to_string();
    EXPECT_EQ(ack->accepted, batch.size());
  }
  const auto expected = expected_mentions(acme_topics(), posts);
  ASSERT_GT(expected.size(), 50u);
  std::map<std::pair<std::string, std::string>, std::string> got;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (got.size() < expected.size() && std::chrono::steady_clock::now() < deadline) {
    auto batch = sub.next(500ms);
    ASSERT_TRUE(batch.ok()) << batch.error().to_string();
    for (const auto& m : *batch) got[{m.p.id, m.topic}] = highlights_text(m);
  }
  EXPECT_EQ(got, expected);

  // The certificate names localhost too: a DNS name verifies as well as the IP.
  auto by_name = tls_opts(token_admin, client::role::admin);
  by_name.host = "localhost";
  auto named = client::connection::open(by_name);
  ASSERT_TRUE(named.ok()) << named.error().to_string();
  EXPECT_TRUE((*named)->ping().ok());
}

TEST_F(SitodTls, APlainClientFailsCleanlyAndTheServerKeepsServing) {
  auto plain_opts = opts(server_->port(), token_admin, client::role::admin);
  plain_opts.timeout = 5s;
  const auto started = std::chrono::steady_clock::now();
  auto plain = client::connection::open(plain_opts);
  ASSERT_FALSE(plain.ok()) << "plain TCP against the TLS listener must fail";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 4s) << "the server drops it; the client does not time out";
  EXPECT_EQ(wait_for_metric(server_->http_port(), "sito_tls_handshake_failures_total", 1), 1);
  auto tls = client::connection::open(tls_opts(token_admin, client::role::admin));
  ASSERT_TRUE(tls.ok()) << tls.error().to_string();
  EXPECT_TRUE((*tls)->ping().ok());
  EXPECT_TRUE((*tls)->list_topics().ok());

  // And a TLS client against a plain listener fails too, without hanging.
  server::server_config c = make_config(dir_);
  c.data_dir = (dir_ / "plain-data").string();
  auto plain_server = server::sitod::create(c);
  ASSERT_TRUE(plain_server.ok());
  other_ = std::move(*plain_server);
  ASSERT_TRUE(other_->start().ok());
  auto o = tls_opts(token_admin, client::role::admin);
  o.port = other_->port();
  auto mismatched = client::connection::open(o);
  ASSERT_FALSE(mismatched.ok());
  EXPECT_NE(mismatched.error().message().find("TLS handshake"), std::string::npos) << mismatched.error().message();
}

TEST_F(SitodTls, TheWrongCaOrTheWrongNameFailsVerification) {
  ASSERT_NO_FATAL_FAILURE(make_cert(dir_, "other", "localhost", "DNS:localhost,IP:127.0.0.1"));
  auto wrong_ca = client::connection::open(tls_opts(token_admin, client::role::admin, "other"));
  ASSERT_FALSE(wrong_ca.ok()) << "a certificate from an untrusted CA must be refused";
  EXPECT_NE(wrong_ca.error().message().find("certificate verify failed"), std::string::npos)
      << wrong_ca.error().message();
  // Without verification the same client gets through (tests only).
  auto unverified = tls_opts(token_admin, client::role::admin, "other");
  unverified.verify_peer = false;
  auto insecure = client::connection::open(unverified);
  ASSERT_TRUE(insecure.ok()) << insecure.error().to_string();
  EXPECT_TRUE((*insecure)->ping().ok());

  // A trusted certificate that names another host.
  ASSERT_NO_FATAL_FAILURE(make_cert(dir_, "elsewhere", "example.com", "DNS:example.com"));
  other_ = start_server("elsewhere", "elsewhere-data");
  ASSERT_TRUE(other_);
  auto o = tls_opts(token_admin, client::role::admin, "elsewhere");
  o.port = other_->port();
  auto wrong_name = client::connection::open(o);
  ASSERT_FALSE(wrong_name.ok()) << "the certificate must name the host dialled";
  EXPECT_NE(wrong_name.error().message().find("hostname mismatch"), std::string::npos) << wrong_name.error().message();
}

TEST_F(SitodTls, UnusableCertificatesOrKeysFailCreateWithTheReason) {
  auto fails = [&](const std::string& cert, const std::string& key, const std::string& reason) {
    server::server_config c = make_config(dir_);
    c.data_dir = (dir_ / "bad-data").string();
    c.tls = server::tls_config{(dir_ / cert).string(), (dir_ / key).string()};
    auto s = server::sitod::create(c);
    ASSERT_FALSE(s.ok()) << cert << " / " << key;
    EXPECT_NE(s.error().message().find(reason), std::string::npos) << s.error().message();
  };
  fails("missing.crt", "server.key", "cannot read the certificate '" + (dir_ / "missing.crt").string() + "'");
  fails("server.crt", "missing.key", "cannot read the private key");
  std::ofstream(dir_ / "garbage.pem") << "not a certificate\n";
  fails("garbage.pem", "server.key", "is not a usable PEM certificate chain");
  fails("server.crt", "garbage.pem", "is not a usable PEM private key");
  ASSERT_NO_FATAL_FAILURE(make_cert(dir_, "other", "localhost", "DNS:localhost"));
  fails("server.crt", "other.key", "does not match the certificate");
  // The message names files, never a key's contents.
  std::ifstream key_in(dir_ / "server.key");
  std::string key_text((std::istreambuf_iterator<char>(key_in)), {});
  server::server_config c = make_config(dir_);
  c.tls = server::tls_config{(dir_ / "server.key").string(), (dir_ / "server.key").string()};
  auto s = server::sitod::create(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message().find("PRIVATE KEY"), std::string::npos) << s.error().message();
}

TEST(SitodConfig, TlsKeys) {
  auto on = server::parse_config("tls: {cert: /etc/sitod/c.pem, key: /etc/sitod/k.pem}\n");
  ASSERT_TRUE(on.ok()) << on.error().to_string();
  ASSERT_TRUE(on->tls.has_value());
  EXPECT_EQ(on->tls->cert_file, "/etc/sitod/c.pem");
  EXPECT_EQ(on->tls->key_file, "/etc/sitod/k.pem");
  auto absent = server::parse_config("listen: 127.0.0.1:7400\n");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->tls.has_value()) << "TLS is off by default";
  auto off = server::parse_config("tls: off\n");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->tls.has_value());
  auto no_key = server::parse_config("tls: {cert: c.pem}\n");
  ASSERT_FALSE(no_key.ok());
  EXPECT_NE(no_key.error().message().find("missing 'key'"), std::string::npos) << no_key.error().message();
  EXPECT_FALSE(server::parse_config("tls: [c.pem, k.pem]\n").ok());
}

TEST(SitodConfig, ConnectionLimits) {
  auto given = server::parse_config(
      "limits: {max_connections: 50, max_connections_per_tenant: 5, hello_timeout_seconds: 3}\n");
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(given->max_connections, 50u);
  EXPECT_EQ(given->max_connections_per_tenant, 5u);
  EXPECT_EQ(given->hello_timeout_seconds, 3u);
  auto defaults = server::parse_config("listen: 127.0.0.1:7400\n");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->max_connections, 1024u);
  EXPECT_EQ(defaults->max_connections_per_tenant, 256u);
  EXPECT_EQ(defaults->hello_timeout_seconds, 10u);
  for (const char* bad : {"limits: {max_connections: 0}\n", "limits: {max_connections_per_tenant: 0}\n",
                          "limits: {hello_timeout_seconds: 0}\n", "limits: {hello_timeout_seconds: 100000}\n"}) {
    auto r = server::parse_config(bad, "sitod.yaml");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message().rfind("sitod.yaml: limits:", 0), 0u) << r.error().message();
  }
}

TEST(SitodConfig, HttpPortAsAScalarOrAMapWithLimitsAndThePlayground) {
  auto scalar = server::parse_config("http: 0.0.0.0:9401\n", "s.yaml");
  ASSERT_TRUE(scalar.ok()) << scalar.error().to_string();
  EXPECT_EQ(scalar->http_host, "0.0.0.0");
  EXPECT_EQ(scalar->http_port, 9401);
  EXPECT_EQ(scalar->http, server::http_config{}) << "limits keep their defaults";
  auto off = server::parse_config("http: off\n", "s.yaml");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->http_enabled);
  auto map = server::parse_config(
      "http: {listen: 127.0.0.1:9402, playground: off, max_connections: 8, max_header_bytes: 4096,\n"
      "       max_body_bytes: 65536, request_timeout_seconds: 3, keep_alive_seconds: 20}\n",
      "s.yaml");
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  EXPECT_EQ(map->http_port, 9402);
  EXPECT_EQ(map->http.playground, "off");
  EXPECT_EQ(map->http.max_connections, 8u);
  EXPECT_EQ(map->http.max_header_bytes, 4096u);
  EXPECT_EQ(map->http.max_body_bytes, 65536u);
  EXPECT_EQ(map->http.request_timeout_seconds, 3u);
  EXPECT_EQ(map->http.keep_alive_seconds, 20u);
  auto yes = server::parse_config("http: {playground: true}\n", "s.yaml");
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->http.playground, "on");
  const std::pair<const char*, const char*> bad[] = {
      {"http: {playground: maybe}\n", "playground must be on, off or auto"},
      {"http: {max_connections: 0}\n", "max_connections must be at least 1"},
      {"http: {max_header_bytes: 10}\n", "max_header_bytes must be 1024..1048576"},
      {"http: {max_body_bytes: 999999999999}\n", ""},
      {"http: {request_timeout_seconds: 0}\n", "request_timeout_seconds and keep_alive_seconds must be 1..3600"},
      {"http: {listen: nowhere}\n", "http"},
      {"http: {lsten: 127.0.0.1:1}\n", "did you mean 'listen'"},
      {"http: [1, 2]\n", "expected HOST:PORT, off, or a map"}};
  for (const auto& [text, want] : bad) {
    auto r = server::parse_config(text, "s.yaml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message().rfind("s.yaml", 0), 0u) << r.error().message();
    EXPECT_NE(r.error().message().find(want), std::string::npos) << text << " → " << r.error().message();
  }
}

TEST(SitodConfig, FrameAndIdleTimeouts) {
  auto c = server::parse_config("limits: {frame_timeout_seconds: 5, idle_timeout_seconds: 0}\n", "t.yaml");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_EQ(c->frame_timeout_seconds, 5u);
  EXPECT_EQ(c->idle_timeout_seconds, 0u);
  auto defaults = server::parse_config("{}\n", "t.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->frame_timeout_seconds, 30u);
  EXPECT_EQ(defaults->idle_timeout_seconds, 600u);
  auto bad = server::parse_config("limits: {frame_timeout_seconds: 7200}\n", "t.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("frame_timeout_seconds"), std::string::npos) << bad.error().message();
}

TEST(SitodConfig, IngestRateLimits) {
  auto given = server::parse_config(
      "limits: {ingest_posts_per_second: 5000}\n"
      "tenants:\n"
      "  - {name: a}\n"
      "  - {name: b, ingest_posts_per_second: 100, ingest_burst_posts: 300}\n");
  ASSERT_TRUE(given.ok()) << given.error().to_string();
  EXPECT_EQ(given->ingest_posts_per_second, 5000u);
  EXPECT_EQ(given->tenants[0].ingest_posts_per_second, 0u) << "a takes the limits default";
  EXPECT_EQ(given->tenants[1].ingest_posts_per_second, 100u);
  EXPECT_EQ(given->tenants[1].ingest_burst_posts, 300u);
  auto defaults = server::parse_config("listen: 127.0.0.1:7400\n");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->ingest_posts_per_second, 0u) << "unlimited unless configured";
  EXPECT_EQ(defaults->token_grace_seconds, 3600u);
  auto grace = server::parse_config("limits: {token_grace_seconds: 60}\n");
  ASSERT_TRUE(grace.ok()) << grace.error().to_string();
  EXPECT_EQ(grace->token_grace_seconds, 60u);
  auto zero_burst = server::parse_config("tenants:\n  - {name: a, ingest_burst_posts: 0}\n", "sitod.yaml");
  ASSERT_FALSE(zero_burst.ok());
  EXPECT_NE(zero_burst.error().message().find("ingest_burst_posts"), std::string::npos) << zero_burst.error().message();
  auto typo = server::parse_config("tenants:\n  - {name: a, ingest_post_per_second: 5}\n", "sitod.yaml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.error().message().find("ingest_posts_per_second"), std::string::npos) << typo.error().message();
}

// A typo must not turn a setting off in silence: an unknown key anywhere in
// the config is an error that names the file, the line, the key and, when
// one is close, the key that was meant.
TEST(SitodConfig, UnknownKeysAreErrorsWithTheLineAndAHint) {
  struct typo_case {
    std::string yaml, key, line, hint;
  };
  const typo_case cases[] = {
      {"listen: 127.0.0.1:0\nsync_writse: true\n", "sync_writse", "line 2", "sync_writes"},
      {"tenants:\n  - name: acme\n    tokns: []\n", "tokns", "line 3", "tokens"},
      {"tenants:\n  - name: acme\n    conectors: []\n", "conectors", "line 3", "connectors"},
      {"tenants:\n  - name: acme\n    webhooks: []\n", "webhooks", "line 3", ""},
      {"tenants:\n  - name: acme\n    tokens:\n      - {sha256: " + std::string(64, 'a') + ", rol: admin}\n", "rol",
       "line 4", "role"},
      {"limits:\n  max_batch_post: 10\n", "max_batch_post", "line 2", "max_batch_posts"},
      {"ocr:\n  worker: 2\n", "worker", "line 2", "workers"},
      {"alerts: {z: 3, min_cout: 5}\n", "min_cout", "line 1", "min_count"},
      {"retention: {hour: 24}\n", "hour", "line 1", "hours"},
      {"dedup: {ours: 24}\n", "ours", "line 1", "hours"},
      {"tls: {cert: c.pem, kye: k.pem}\n", "kye", "line 1", "key"},
  };
  for (const auto& c : cases) {
    auto r = server::parse_config(c.yaml, "sitod.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    const std::string m = r.error().message();
    EXPECT_NE(m.find("sitod.yaml: " + c.line + ": unknown key '" + c.key + "'"), std::string::npos) << m;
    if (!c.hint.empty())
      EXPECT_NE(m.find("did you mean '" + c.hint + "'?"), std::string::npos) << m;
    else
      EXPECT_NE(m.find("(known: name topics_file"), std::string::npos) << "no close key: the known ones: " << m;
  }
  // Every key the sample config uses is known.
  auto sample = server::load_config(SITO_SOURCE_DIR "/ops/sample/sitod.yaml");
  ASSERT_TRUE(sample.ok()) << sample.error().to_string();
}

TEST(SitodConfig, DedupWindow) {
  auto unset = server::parse_config("retention: {hours: 24}\n");
  ASSERT_TRUE(unset.ok());
  EXPECT_FALSE(unset->dedup_hours.has_value()) << "unset: the retention window applies";
  auto off = server::parse_config("dedup: {hours: 0}\n");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->dedup_hours, 0);
  auto day = server::parse_config("dedup: {hours: 24}\n");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->dedup_hours, 24);
  auto negative = server::parse_config("dedup: {hours: -1}\n");
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.error().message().find("dedup: hours"), std::string::npos) << negative.error().message();
  EXPECT_FALSE(server::parse_config("dedup: {hours: 100000000000000}\n").ok()) << "would overflow milliseconds";
  auto sample = server::load_config(SITO_SOURCE_DIR "/ops/sample/sitod.yaml");
  ASSERT_TRUE(sample.ok()) << sample.error().to_string();
  EXPECT_EQ(sample->dedup_hours, 168);
}

TEST(SitodConfig, StatsTimeZonesAndTopicGroups) {
  auto c = server::parse_config(
      "stats: {rollups: false, retention_days: 30}\n"
      "tenants:\n  - {name: acme, time_zone: Asia/Almaty, topic_groups: {market: [brand, rival]}}\n");
  ASSERT_TRUE(c.ok()) << c.error().to_string();
  EXPECT_FALSE(c->stats.rollups);
  EXPECT_EQ(c->stats.retention_days, 30);
  EXPECT_EQ(c->tenants[0].time_zone, "Asia/Almaty");
  EXPECT_EQ(c->tenants[0].topic_groups["market"], (std::vector<std::string>{"brand", "rival"}));
  auto zone = server::parse_config("tenants:\n  - {name: acme, time_zone: Europe/Atlantis}\n");
  ASSERT_FALSE(zone.ok());
  EXPECT_NE(zone.error().message().find("tenants[0]: time_zone: unknown time zone 'Europe/Atlantis'"), std::string::npos)
      << zone.error().message();
  EXPECT_FALSE(server::parse_config("stats: {retention_days: -1}\n").ok());
  EXPECT_FALSE(server::parse_config("stats: {rollup: true}\n").ok()) << "a typo is an unknown key";
  EXPECT_FALSE(server::parse_config("tenants:\n  - {name: acme, topic_groups: {market: []}}\n").ok());
  auto sample = server::load_config(SITO_SOURCE_DIR "/ops/sample/sitod.yaml");
  ASSERT_TRUE(sample.ok()) << sample.error().to_string();
  EXPECT_EQ(sample->tenants[0].time_zone, "Europe/Moscow");
}

}  // namespace
}  // namespace sito
