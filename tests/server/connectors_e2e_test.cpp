// Connectors end to end (README "Connectors"): an in-process sitod delivers
// to a local HTTP server (server/fake_http_destination.hpp) that fails,
// throttles and accepts on script; the sitod binary for the log and the
// config checks.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <set>

#include "server/sitod_fixture.hpp"
#include "server/fake_http_destination.hpp"
#include "support/http_get.hpp"

namespace sito::sitod_testing {
namespace {

using json = nlohmann::json;
using testing::fake_http_destination;

std::vector<topic_spec> courier_topics() {
  topic_spec t{"acme", "delivery", "", "доставка OR курьер*", {}, {}};
  t.tags.push_back({"Курьер", "курьер*"});
  return {t};
}

/// `n` posts: two of three mention a courier (tagged Курьер: the filter
/// passes them), the third only "доставка" (a mention the filter stops),
/// and every fifth matches no topic. Returns the ids the filter passes.
std::vector<std::string> courier_posts(const std::string& prefix, size_t n, std::vector<post>& out) {
  std::vector<std::string> passing;
  for (size_t i = 0; i < n; ++i) {
    post p;
    p.id = prefix + std::to_string(i);
    p.source = "vk";
    if (i % 5 == 4) p.text = "погода сегодня хорошая " + std::to_string(i);
    else if (i % 3 == 2) p.text = "доставка пришла вовремя " + std::to_string(i);
    else {
      p.text = "курьер опоздал на час " + std::to_string(i);
      passing.push_back(p.id);
    }
    out.push_back(std::move(p));
  }
  return passing;
}

/// The post ids a webhook received in 2xx-answered requests, in order (a
/// mention sent twice, at least once, counts where it first came), and
/// whether every element had the tag and offsets only grew.
struct received {
  std::vector<std::string> ids;
  bool all_tagged = true;
  bool ordered = true;
};
received webhook_received(const std::vector<fake_http_destination::request>& requests) {
  received r;
  std::set<std::string> seen;
  int64_t last_offset = -1;
  for (const auto& q : requests) {
    if (q.answered / 100 != 2) continue;
    const json a = json::parse(q.body, nullptr, false);
    if (!a.is_array()) {
      r.ordered = false;
      continue;
    }
    for (const auto& m : a) {
      const std::string id = m["post_id"];
      const int64_t offset = m["offset"];
      bool tagged = false;
      for (const auto& t : m["tags"])
        if (t == "Курьер") tagged = true;
      r.all_tagged &= tagged;
      if (seen.insert(id).second) {
        r.ordered &= offset > last_offset;
        last_offset = offset;
        r.ids.push_back(id);
      }
    }
  }
  return r;
}

class Connectors : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_dir(::testing::UnitTest::GetInstance()->current_test_info()->name()); }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    fs::remove_all(dir_);
  }
  void start() {
    auto config = make_config(dir_);
    config.tenants[0].connectors = connectors_;
    auto s = server::sitod::create(config);
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    server_ = std::move(*s);
    ASSERT_TRUE(server_->start().ok());
  }
  void restart() {
    server_->stop();
    server_.reset();
    start();
  }
  void publish(const std::vector<post>& posts) {
    auto producer = client::connection::open(opts(server_->port(), token_producer, client::role::producer));
    ASSERT_TRUE(producer.ok());
    ASSERT_TRUE((*producer)->publish(posts).ok());
  }
  void upsert(const std::vector<topic_spec>& topics) {
    auto admin = client::connection::open(opts(server_->port(), token_admin, client::role::admin));
    ASSERT_TRUE(admin.ok());
    auto up = (*admin)->upsert_topics(topics);
    ASSERT_TRUE(up.ok());
    for (const auto& d : up->diagnostics) ADD_FAILURE() << d.message;
  }
  double metric(const std::string& series) {
    return testing::metric_value(testing::http_get(server_->http_port(), "/metrics"), series);
  }
  /// The series once it reads `want` (the destination records a request
  /// as it answers; the connector counts it a moment later), or what it
  /// reads after 5 s.
  double metric_settled(const std::string& series, double want) {
    double v = metric(series);
    for (int i = 0; i < 100 && v != want; ++i) {
      std::this_thread::sleep_for(50ms);
      v = metric(series);
    }
    return v;
  }
  server::connector_config webhook(const std::string& url) {
    server::connector_config c;
    c.name = "crm";
    c.kind = server::connector_kind::webhook;
    c.url = url;
    c.filter = "tag:\"Курьер\"";
    c.batch = 5;
    c.flush_ms = 100;
    c.backoff_initial_ms = 50;
    c.backoff_max_ms = 400;
    c.timeout_ms = 5000;
    return c;
  }
  fs::path dir_;
  std::vector<server::connector_config> connectors_;
  std::unique_ptr<server::sitod> server_;
};

TEST_F(Connectors, WebhookGetsEveryMatchingMentionInOrderThrough500And429) {
  fake_http_destination dest;
  dest.script({{500}, {500}, {429, "slow down", "1"}});
  auto c = webhook(dest.url("/hooks/sito"));
  c.headers["X-Source"] = "sito";
  c.secret_headers["Authorization"] = "Bearer hook-secret";
  connectors_ = {c};
  start();
  upsert(courier_topics());
  std::vector<post> posts;
  const auto expected = courier_posts("w", 30, posts);
  publish({posts.begin(), posts.begin() + 12});
  publish({posts.begin() + 12, posts.end()});
  ASSERT_TRUE(dest.wait_for([&] { return webhook_received(dest.requests()).ids.size() >= expected.size(); }, 60s))
      << webhook_received(dest.requests()).ids.size() << " of " << expected.size();
  const auto requests = dest.requests();
  ASSERT_GE(requests.size(), 4u);
  EXPECT_EQ(requests[0].answered, 500u);
  EXPECT_EQ(requests[1].answered, 500u);
  EXPECT_EQ(requests[2].answered, 429u);
  EXPECT_GE(requests[3].at - requests[2].at, 950ms) << "Retry-After: 1 was honoured";
  // The retries sent the same mentions again: the first batch is the one that failed.
  EXPECT_EQ(requests[0].body, requests[3].body);
  const received r = webhook_received(requests);
  EXPECT_EQ(r.ids, expected) << "every mention the filter passes, in log order, none lost";
  EXPECT_TRUE(r.all_tagged) << "the filter passed a mention without the tag";
  EXPECT_TRUE(r.ordered);
  for (const auto& q : requests) {
    EXPECT_EQ(q.method, "POST");
    EXPECT_EQ(q.target, "/hooks/sito");
    EXPECT_EQ(q.headers.at("Content-Type"), "application/json");
    EXPECT_EQ(q.headers.at("Authorization"), "Bearer hook-secret");
    EXPECT_EQ(q.headers.at("X-Source"), "sito");
    EXPECT_LE(json::parse(q.body).size(), 5u) << "batch: 5";
  }
  const std::string labels = "{tenant=\"acme\",connector=\"crm\"}";
  EXPECT_EQ(metric_settled("sito_connector_delivered_total" + labels, static_cast<double>(expected.size())),
            static_cast<double>(expected.size()));
  EXPECT_EQ(metric("sito_connector_failed_total" + labels), 3.0);
  EXPECT_EQ(metric("sito_connector_digested_total" + labels), 0.0);
  bool caught_up = false;
  for (int i = 0; i < 100 && !caught_up; ++i) {
    caught_up = metric("sito_connector_lag_mentions" + labels) == 0.0;
    if (!caught_up) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(caught_up) << "the filtered-out mentions at the end are passed too";
}

TEST_F(Connectors, AWebhooksHistoryPaneCarriesThePersonsEarlierMentionsAcrossPlatforms) {
  // README "One author across platforms": `history: 2` on a webhook.
  fake_http_destination dest;
  auto c = webhook(dest.url("/desk"));
  c.filter.clear();
  c.history = 2;
  connectors_ = {c};
  start();
  upsert(courier_topics());
  auto make = [](const std::string& id, const std::string& source, const std::string& author,
                 std::vector<std::string> links) {
    post p;
    p.id = id;
    p.source = source;
    p.text = "курьер опоздал " + id;
    p.author.id = author;
    p.author.links = std::move(links);
    return p;
  };
  publish({make("a", "vk", "1", {}), make("b", "tg", "2", {"vk:1"}), make("c", "vk", "3", {}),
           make("d", "vk", "1", {})});
  std::vector<json> got;
  ASSERT_TRUE(dest.wait_for([&] {
    got.clear();
    for (const auto& q : dest.requests())
      if (q.answered / 100 == 2)
        for (const auto& m : json::parse(q.body)) got.push_back(m);
    return got.size() >= 4;
  }, 30s));
  ASSERT_EQ(got.size(), 4u);
  auto history_ids = [](const json& m) {
    std::vector<std::string> ids;
    if (m.contains("history"))
      for (const auto& h : m["history"]) ids.push_back(h["post_id"]);
    return ids;
  };
  EXPECT_EQ(got[0]["post_id"], "a");
  EXPECT_TRUE(history_ids(got[0]).empty());
  EXPECT_EQ(got[1]["person_id"], "tg:2");
  EXPECT_EQ(history_ids(got[1]), std::vector<std::string>{"a"}) << "vk:1 is tg:2's other id";
  EXPECT_TRUE(history_ids(got[2]).empty()) << "vk:3 is someone else";
  EXPECT_EQ(history_ids(got[3]), (std::vector<std::string>{"b", "a"})) << "newest first, at most 2";
  EXPECT_EQ(got[3]["history"][0]["post"]["author"]["links"], json::parse(R"(["vk:1"])"));
}

TEST_F(Connectors, NoMentionLostAcrossARestart) {
  fake_http_destination dest;
  dest.set_default({503, "down"});
  connectors_ = {webhook(dest.url("/hook"))};
  start();
  upsert(courier_topics());
  std::vector<post> first, second;
  auto expected = courier_posts("a", 20, first);
  const auto more = courier_posts("b", 20, second);
  expected.insert(expected.end(), more.begin(), more.end());
  publish(first);
  ASSERT_TRUE(dest.wait_for([&] { return dest.requests().size() >= 2; }, 30s)) << "the destination was tried";
  restart();  // same data directory: the connector's offset is where it left off
  dest.set_default({200});
  publish(second);
  ASSERT_TRUE(dest.wait_for([&] { return webhook_received(dest.requests()).ids.size() >= expected.size(); }, 60s))
      << webhook_received(dest.requests()).ids.size() << " of " << expected.size();
  const received r = webhook_received(dest.requests());
  EXPECT_EQ(r.ids, expected) << "the mentions that failed before the restart came after it, first, in order";
  EXPECT_TRUE(r.ordered);
  // And a restart once everything was delivered (and its position stored)
  // sends nothing again.
  ASSERT_EQ(metric_settled("sito_connector_lag_mentions{tenant=\"acme\",connector=\"crm\"}", 0), 0.0);
  const size_t before = dest.requests().size();
  restart();
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(dest.requests().size(), before);
}

TEST_F(Connectors, AReloadRestartsAChangedConnectorWhereItStoodAndStopsARemovedOne) {
  fake_http_destination first, second;
  connectors_ = {webhook(first.url("/first"))};
  start();
  upsert(courier_topics());
  std::vector<post> before, after;
  const auto expected_before = courier_posts("r", 9, before);
  const auto expected_after = courier_posts("q", 9, after);
  publish(before);
  ASSERT_TRUE(first.wait_for([&] { return webhook_received(first.requests()).ids.size() >= expected_before.size(); }, 30s));
  // Its position stored (a request cancelled by the reload would be sent
  // again: at least once), so that the test can ask for "nothing twice".
  ASSERT_EQ(metric_settled("sito_connector_lag_mentions{tenant=\"acme\",connector=\"crm\"}", 0), 0.0);
  auto next = make_config(dir_);
  next.tenants[0].connectors = {webhook(second.url("/second"))};  // same name, new URL
  server_->reload(next);
  publish(after);
  ASSERT_TRUE(second.wait_for([&] { return webhook_received(second.requests()).ids.size() >= expected_after.size(); }, 30s));
  EXPECT_EQ(webhook_received(second.requests()).ids, expected_after) << "resumed from its stored offset: nothing twice";
  EXPECT_EQ(webhook_received(first.requests()).ids, expected_before) << "the old settings no longer deliver";
  next.tenants[0].connectors.clear();
  server_->reload(next);
  EXPECT_EQ(metric("sito_connector_lag_mentions{tenant=\"acme\",connector=\"crm\"}"), -1.0) << "a removed connector stops";
}

TEST_F(Connectors, ADestinationThatHangsHoldsUpNeitherMatchingNorAnotherConnector) {
  fake_http_destination dead, live;
  dead.set_default({0});  // takes the request, never answers
  auto stuck = webhook(dead.url("/dead"));
  stuck.name = "stuck";
  stuck.timeout_ms = 600'000;
  auto healthy = webhook(live.url("/live"));
  healthy.name = "healthy";
  connectors_ = {stuck, healthy};
  start();
  upsert(courier_topics());
  std::vector<post> posts;
  const auto expected = courier_posts("h", 30, posts);
  const auto t0 = std::chrono::steady_clock::now();
  publish(posts);
  EXPECT_TRUE(server_->wait_until_matched());
  ASSERT_TRUE(live.wait_for([&] { return webhook_received(live.requests()).ids.size() >= expected.size(); }, 20s));
  EXPECT_EQ(webhook_received(live.requests()).ids, expected);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(dead.requests().size(), 1u) << "one request in flight, waiting";
  EXPECT_GE(metric("sito_connector_lag_mentions{tenant=\"acme\",connector=\"stuck\"}"), 1.0);
  // A stop does not wait for the hung request: it is cancelled (and sent again after a restart).
  const auto stop_at = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_at, 5s);
}

server::connector_config telegram(const std::string& api_base) {
  server::connector_config c;
  c.name = "tg";
  c.kind = server::connector_kind::telegram;
  c.chat_id = "42";
  c.bot_token = "123456:TEST-token";
  c.api_base = api_base;
  c.filter = "tag:\"Курьер\"";
  c.rate_messages = 100;
  c.rate_seconds = 1;
  c.backoff_initial_ms = 50;
  c.backoff_max_ms = 400;
  return c;
}

TEST_F(Connectors, TelegramMessageCarriesTheMentionFieldByField) {
  fake_http_destination dest;
  // Telegram's own throttle: 429 with parameters.retry_after and no header.
  dest.script({{429, R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}})"}});
  connectors_ = {telegram(dest.url(""))};
  start();
  upsert(courier_topics());
  post p;
  p.id = "tg1";
  p.source = "vk";
  p.url = "https://vk.com/wall-1_2?w=1&z=2";
  p.author.name = "Ольга <admin>";
  p.author.handle = "olga";
  p.text = "Курьер опоздал, букет <завял> & всё";
  post quiet;
  quiet.id = "tg2";
  quiet.text = "доставка пришла";  // a mention without the tag: filtered out
  publish({p, quiet});
  ASSERT_TRUE(dest.wait_for([&] { return dest.requests().size() >= 2; }, 30s));
  std::this_thread::sleep_for(300ms);
  const auto requests = dest.requests();
  ASSERT_EQ(requests.size(), 2u) << "one message, sent again after the 429; none for the filtered mention";
  EXPECT_GE(requests[1].at - requests[0].at, 950ms) << "parameters.retry_after was honoured";
  const auto& q = requests[1];
  EXPECT_EQ(q.target, "/bot123456:TEST-token/sendMessage");
  const json j = json::parse(q.body);
  EXPECT_EQ(j["chat_id"], "42");
  EXPECT_EQ(j["parse_mode"], "HTML");
  const std::string t = j["text"];
  EXPECT_NE(t.find("<b>Topic:</b> delivery\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Tags:</b> Курьер\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Sentiment:</b> "), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Priority:</b> "), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Author:</b> Ольга &lt;admin&gt; @olga, vk\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Курьер</b> опоздал, букет &lt;завял&gt; &amp; всё"), std::string::npos) << t;
  EXPECT_NE(t.find("<a href=\"https://vk.com/wall-1_2?w=1&amp;z=2\">Open the post</a>"), std::string::npos) << t;
}

TEST_F(Connectors, OverTheRateLimitADigestInsteadOfSilentLoss) {
  fake_http_destination dest;
  auto c = telegram(dest.url(""));
  c.rate_messages = 2;  // a burst of 2, then one every second
  c.rate_seconds = 2;
  c.link = "https://app.example/acme?f=courier&s=neg";
  connectors_ = {c};
  start();
  upsert(courier_topics());
  std::vector<post> posts;
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    post p;
    p.id = "burst" + std::to_string(i);
    p.text = "курьер потерял заказ номер " + std::to_string(i);
    posts.push_back(p);
  }
  publish(posts);
  const std::string labels = "{tenant=\"acme\",connector=\"tg\"}";
  auto accounted = [&] {
    return metric("sito_connector_delivered_total" + labels) + metric("sito_connector_digested_total" + labels) >= 10;
  };
  ASSERT_TRUE(dest.wait_for(accounted, 30s));
  uint64_t single = 0, digests = 0, summed = 0;
  for (const auto& q : dest.requests()) {
    const std::string t = json::parse(q.body)["text"];
    if (t.find("<b>Topic:</b>") != std::string::npos) {
      ++single;
      continue;
    }
    ++digests;
    ASSERT_EQ(t.rfind("<b>", 0), 0u) << t;
    const uint64_t n = std::stoull(t.substr(3));
    summed += n;
    EXPECT_NE(t.find(std::to_string(n) + " more "), std::string::npos) << t;
    EXPECT_NE(t.find("mentions in the last minute</b>"), std::string::npos) << t;
    EXPECT_NE(t.find("delivery: " + std::to_string(n)), std::string::npos) << t;
    EXPECT_NE(t.find("<a href=\"https://app.example/acme?f=courier&amp;s=neg\">"), std::string::npos) << t;
  }
  EXPECT_GE(digests, 1u) << "10 mentions at once over a limit of 2 need a digest";
  EXPECT_LE(single, 3u);
  EXPECT_EQ(single + summed, 10u) << "every mention is either its own message or counted in a digest";
  EXPECT_EQ(metric_settled("sito_connector_delivered_total" + labels, static_cast<double>(single)), static_cast<double>(single));
  EXPECT_EQ(metric_settled("sito_connector_digested_total" + labels, static_cast<double>(summed)), static_cast<double>(summed));
}

TEST(ConnectorsProcess, SecretsNeverReachTheLog) {
  const fs::path dir = temp_dir("connector-secrets");
  fake_http_destination dest;
  dest.script({{500, "{\"ok\":false,\"description\":\"Internal\"}"}, {500}, {502}, {500}});
  const std::string bot_token = "987654:BOT-SECRET-never-logged";
  const std::string header_secret = "Bearer HEADER-SECRET-never-logged";
  std::ofstream(dir / "bot.token") << bot_token << "\n";
  std::ofstream(dir / "crm.header") << "Authorization: " << header_secret << "\n";
  std::ofstream(dir / "sitod.yaml")
      << "listen: 127.0.0.1:0\nhttp: 127.0.0.1:0\ndata_dir: " << (dir / "data").string() << "\n"
      << "tenants:\n  - name: acme\n    tokens:\n"
      << "      - {sha256: " << server::sha256_hex(token_producer) << ", role: producer}\n"
      << "      - {sha256: " << server::sha256_hex(token_admin) << ", role: admin}\n"
      << "    connectors:\n"
      << "      - {name: tg, kind: telegram, chat_id: '-100', bot_token_file: " << (dir / "bot.token").string()
      << ", api_base: '" << dest.url("") << "', backoff: {initial_ms: 20, max_ms: 100}}\n"
      << "      - {name: crm, kind: webhook, url: '" << dest.url("/hook") << "', header_file: "
      << (dir / "crm.header").string() << ", flush_ms: 0, backoff: {initial_ms: 20, max_ms: 100}}\n";
  testing::sitod_child child(SITOD_PATH, dir / "sitod.yaml");
  ASSERT_TRUE(child.start(dir / "sitod.log"));
  {
    auto admin = client::connection::open(opts(child.port(), token_admin, client::role::admin));
    ASSERT_TRUE(admin.ok());
    ASSERT_TRUE((*admin)->upsert_topics(courier_topics()).ok());
    auto producer = client::connection::open(opts(child.port(), token_producer, client::role::producer));
    ASSERT_TRUE(producer.ok());
    std::vector<post> posts;
    courier_posts("s", 6, posts);
    ASSERT_TRUE((*producer)->publish(posts).ok());
  }
  auto delivered_both = [&] {
    bool tg = false, crm = false;
    for (const auto& q : dest.requests()) {
      if (q.answered != 200) continue;
      tg |= q.target.find("/sendMessage") != std::string::npos;
      crm |= q.target == "/hook";
    }
    return tg && crm;
  };
  ASSERT_TRUE(dest.wait_for(delivered_both, 30s));
  std::string metrics;
  for (int i = 0; i < 100; ++i) {  // the connectors count a delivery a moment after the answer
    metrics = testing::http_get(child.http_port(), "/metrics");
    if (testing::metric_value(metrics, "sito_connector_delivered_total{tenant=\"acme\",connector=\"tg\"}") >= 1 &&
        testing::metric_value(metrics, "sito_connector_delivered_total{tenant=\"acme\",connector=\"crm\"}") >= 1)
      break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GE(testing::metric_value(metrics, "sito_connector_delivered_total{tenant=\"acme\",connector=\"tg\"}"), 1.0);
  EXPECT_GE(testing::metric_value(metrics, "sito_connector_delivered_total{tenant=\"acme\",connector=\"crm\"}"), 1.0);
  EXPECT_EQ(metrics.find("SECRET"), std::string::npos);
  child.signal(SIGTERM);
  for (int i = 0; i < 200 && child.running(); ++i) std::this_thread::sleep_for(50ms);
  std::ifstream in(dir / "sitod.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("connector delivery failed"), std::string::npos) << "the failures were logged:\n" << log;
  EXPECT_NE(log.find("connector started"), std::string::npos);
  EXPECT_EQ(log.find("BOT-SECRET"), std::string::npos) << log;
  EXPECT_EQ(log.find("HEADER-SECRET"), std::string::npos) << log;
  fs::remove_all(dir);
}

TEST(ConnectorsProcess, ABadConnectorConfigIsRefusedNamingTheKey) {
  const fs::path dir = temp_dir("connector-badconfig");
  std::ofstream(dir / "sitod.yaml") << "listen: 127.0.0.1:0\nhttp: off\ndata_dir: " << (dir / "data").string() << "\n"
                                    << "tenants:\n  - name: acme\n    connectors:\n"
                                    << "      - {name: tg, kind: telegram, bot_token_env: HOME, filter: 'sentiment:negative'}\n";
  testing::sitod_child child(SITOD_PATH, dir / "sitod.yaml");
  EXPECT_FALSE(child.start(dir / "sitod.log")) << "sitod must refuse to start";
  std::ifstream in(dir / "sitod.log");
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find("bad config"), std::string::npos) << log;
  EXPECT_NE(log.find("tenants[0].connectors[0]: missing 'chat_id'"), std::string::npos) << log;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sito::sitod_testing
