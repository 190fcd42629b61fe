// The connectors' parts without a server (server/src/connectors/): the
// formatters field by field, the backoff and Retry-After parsing, the rate
// limiter, the mention filter, and config errors that name their key.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "connectors/delivery_policy.hpp"
#include "connectors/formatters.hpp"
#include "connectors/http_client.hpp"
#include "connectors/mention_filter.hpp"
#include "sito/server/config.hpp"

namespace sito::server {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

mention_record sample_mention() {
  mention_record m;
  m.offset = 7;
  m.tenant = "acme";
  m.topic = "delivery";
  m.tags = {"Тачпоинт/Доставка/Опоздание", "Эскалация"};
  m.sentiment = static_cast<uint8_t>(rules::sentiment::negative);
  m.priority = 84.6f;
  m.processed = false;
  // "Курьер" in "Курьер опоздал & <3 часа" (bytes 0..12), "опоздал" (13..27).
  m.highlights = {{"text", 0, 12, "курьер"}, {"text", 13, 27, "опоздать"}};
  return m;
}

post sample_post() {
  post p;
  p.id = "vk:1";
  p.source = "vk";
  p.url = "https://vk.com/wall1_2?a=1&b=2";
  p.author.name = "Иван <Admin>";
  p.author.handle = "ivan";
  p.text = "Курьер опоздал & <3 часа";
  return p;
}

TEST(ConnectorFormat, TelegramMessageFieldByField) {
  const std::string body = telegram_body("-100123", telegram_text(sample_mention(), sample_post()));
  const json j = json::parse(body);
  EXPECT_EQ(j["chat_id"], "-100123");
  EXPECT_EQ(j["parse_mode"], "HTML");
  EXPECT_EQ(j["disable_web_page_preview"], true);
  const std::string t = j["text"];
  EXPECT_NE(t.find("<b>Topic:</b> delivery\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Tags:</b> Тачпоинт/Доставка/Опоздание, Эскалация\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Sentiment:</b> negative\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<b>Priority:</b> 85\n"), std::string::npos) << t;
  // The author's name is the post's: escaped.
  EXPECT_NE(t.find("<b>Author:</b> Иван &lt;Admin&gt; @ivan, vk\n"), std::string::npos) << t;
  // Hit terms in <b>, the rest escaped (& and <).
  EXPECT_NE(t.find("<b>Курьер</b> <b>опоздал</b> &amp; &lt;3 часа"), std::string::npos) << t;
  EXPECT_NE(t.find("<a href=\"https://vk.com/wall1_2?a=1&amp;b=2\">Open the post</a>"), std::string::npos) << t;
  // Nothing unescaped from the post made it through.
  EXPECT_EQ(t.find("<Admin>"), std::string::npos);
  EXPECT_EQ(t.find("<3"), std::string::npos);
}

TEST(ConnectorFormat, TelegramTextIsCutOnACharacterBoundary) {
  mention_record m = sample_mention();
  m.highlights.clear();
  post p = sample_post();
  p.text.clear();
  for (int i = 0; i < 3000; ++i) p.text += "ж";  // 6000 bytes
  const std::string t = telegram_text(m, p);
  EXPECT_LT(t.size(), 4096u);
  EXPECT_NE(t.find("…"), std::string::npos);
  EXPECT_FALSE(json::parse(telegram_body("1", t)).is_discarded());  // still valid UTF-8 for JSON
}

TEST(ConnectorFormat, AHighlightThatWouldSplitACharacterIsLeftUnmarked) {
  mention_record m = sample_mention();
  m.highlights = {{"text", 1, 12, "курьер"}};  // byte 1 is inside "К"
  const std::string t = telegram_text(m, sample_post());
  EXPECT_NE(t.find("\nКурьер опоздал &amp; &lt;3 часа\n"), std::string::npos) << t;
}

TEST(ConnectorFormat, WebhookBodyIsTheSubscribeJson) {
  std::vector<outgoing_mention> ms{{sample_mention(), sample_post()}};
  const json a = json::parse(webhook_body(ms));
  ASSERT_TRUE(a.is_array());
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0]["offset"], 7);
  EXPECT_EQ(a[0]["post_id"], "vk:1");
  EXPECT_EQ(a[0]["topic"], "delivery");
  EXPECT_EQ(a[0]["sentiment"], "negative");
  EXPECT_EQ(a[0]["priority"], 84.6);
  EXPECT_EQ(a[0]["highlights"][1]["term"], "опоздать");
  EXPECT_EQ(a[0]["post"]["text"], "Курьер опоздал & <3 часа");
  EXPECT_FALSE(a[0].contains("duplicate_of"));
}

TEST(ConnectorFormat, SlackEscapesAndMarks) {
  const json j = json::parse(slack_body(slack_text(sample_mention(), sample_post())));
  const std::string t = j["text"];
  EXPECT_NE(t.find("*delivery* · negative · priority 85"), std::string::npos) << t;
  EXPECT_NE(t.find("*Курьер* *опоздал* &amp; &lt;3 часа"), std::string::npos) << t;
  EXPECT_NE(t.find("<https://vk.com/wall1_2?a=1&amp;b=2|Open the post>"), std::string::npos) << t;
}

TEST(ConnectorFormat, DigestSaysHowManyAndWhichSentiment) {
  std::vector<outgoing_mention> ms;
  for (int i = 0; i < 12; ++i) {
    mention_record m = sample_mention();
    m.topic = i < 8 ? "delivery" : "brand";
    m.matched_at_ms = 1'000'000 + i * 1000;
    ms.push_back({m, sample_post()});
  }
  const digest_summary d = summarize(ms);
  EXPECT_EQ(d.count, 12u);
  EXPECT_EQ(d.negative, 12u);
  EXPECT_EQ(digest_headline(d), "12 more negative mentions in the last minute");
  const std::string t = telegram_digest_text(d, "https://app.example/x?a&b");
  EXPECT_NE(t.find("delivery: 8\nbrand: 4\n"), std::string::npos) << t;
  EXPECT_NE(t.find("<a href=\"https://app.example/x?a&amp;b\">"), std::string::npos) << t;
  ms[0].m.sentiment = static_cast<uint8_t>(rules::sentiment::positive);
  ms.back().m.matched_at_ms = 1'000'000 + 5 * 60'000;
  EXPECT_EQ(digest_headline(summarize(ms)), "12 more mentions in the last 5 minutes");
}

TEST(ConnectorRetry, BackoffDoublesWithJitterUpToTheCap) {
  std::mt19937_64 rng(1);
  backoff b(100ms, 1000ms);
  const int64_t expected_max[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t hi : expected_max) {
    const auto d = b.next(rng).count();
    EXPECT_GE(d, hi / 2);
    EXPECT_LE(d, hi);
  }
  // Jitter: draws differ.
  std::set<int64_t> seen;
  for (int i = 0; i < 20; ++i) {
    backoff one(1000ms, 1000ms);
    seen.insert(one.next(rng).count());
  }
  EXPECT_GT(seen.size(), 5u);
}

TEST(ConnectorRetry, RetryAfterSecondsAndDate) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("120", now), std::chrono::milliseconds(120'000));
  EXPECT_EQ(parse_retry_after(" 0 ", now), std::chrono::milliseconds(0));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), std::chrono::milliseconds(30'000));
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now), std::chrono::milliseconds(0));
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
  EXPECT_EQ(telegram_retry_after(R"({"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}})"),
            std::chrono::milliseconds(7000));
  EXPECT_FALSE(telegram_retry_after(R"({"ok":false,"error_code":400})"));
  EXPECT_FALSE(telegram_retry_after("<html>"));
}

TEST(ConnectorRetry, RateLimiterBurstsThenSpaces) {
  rate_limiter r(2, 2000ms);  // 2 per 2 s: a burst of 2, then one a second
  const auto t0 = rate_limiter::clock::now();
  EXPECT_TRUE(r.try_take(t0));
  EXPECT_TRUE(r.try_take(t0));
  EXPECT_FALSE(r.try_take(t0));
  const auto free_at = r.next_free(t0);
  EXPECT_GE(free_at - t0, 999ms);
  EXPECT_LE(free_at - t0, 1001ms);
  EXPECT_FALSE(r.try_take(t0 + 900ms));
  EXPECT_TRUE(r.try_take(t0 + 1001ms));
  rate_limiter off(0, 1000ms);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(off.try_take(t0));
}

TEST(ConnectorUrl, TakesHttpAndHttpsOnly) {
  auto u = parse_http_url("https://api.telegram.org/botX/sendMessage");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "api.telegram.org");
  EXPECT_EQ(u->port, "443");
  EXPECT_EQ(u->target, "/botX/sendMessage");
  u = parse_http_url("http://127.0.0.1:8080");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/");
  EXPECT_FALSE(parse_http_url("ftp://x/").ok());
  EXPECT_FALSE(parse_http_url("http://:80/").ok());
  EXPECT_FALSE(parse_http_url("http://u:secret@host/").ok());
}

TEST(ConnectorFilter, PassesOnlyMatchingMentions) {
  auto f = mention_filter::compile("sentiment:negative AND tag:\"Эскалация\" AND NOT is:processed");
  ASSERT_TRUE(f.ok()) << f.error().message();
  mention_record m = sample_mention();
  const post p = sample_post();
  EXPECT_TRUE(f->matches(m, p));
  m.processed = true;
  EXPECT_FALSE(f->matches(m, p));
  m.processed = false;
  m.sentiment = static_cast<uint8_t>(rules::sentiment::neutral);
  EXPECT_FALSE(f->matches(m, p));
  // A tag filter takes the path's subtree, case-folded as rules do.
  auto sub = mention_filter::compile("tag:\"тачпоинт/доставка\"");
  ASSERT_TRUE(sub.ok());
  EXPECT_TRUE(sub->matches(sample_mention(), p));
  auto other = mention_filter::compile("tag:\"Тачпоинт/Дост\"");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->matches(sample_mention(), p));
  // The post's metadata, as in a rule.
  auto src = mention_filter::compile("source:vk OR source:telegram");
  ASSERT_TRUE(src.ok());
  EXPECT_TRUE(src->matches(sample_mention(), p));
  post tg = p;
  tg.source = "otzovik";
  EXPECT_FALSE(src->matches(sample_mention(), tg));
  // Empty: everything.
  auto all = mention_filter::compile("  ");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->matches(sample_mention(), tg));
}

TEST(ConnectorFilter, RefusesWhatAStoredMentionCannotAnswer) {
  auto words = mention_filter::compile("sentiment:negative AND курьер");
  ASSERT_FALSE(words.ok());
  EXPECT_NE(words.error().message().find("at 24"), std::string::npos) << words.error().message();
  EXPECT_FALSE(mention_filter::compile("is:own").ok());
  auto bad = mention_filter::compile("sentiment:angry");
  ASSERT_FALSE(bad.ok());
  auto open = mention_filter::compile("(sentiment:negative");
  ASSERT_FALSE(open.ok());
}

std::string tenant_yaml(const std::string& connector) {
  return "tenants:\n  - name: acme\n    connectors:\n      - " + connector + "\n";
}

TEST(ConnectorConfig, BadConfigNamesTheKey) {
  auto expect_error = [](const std::string& connector, const std::string& needle) {
    auto c = parse_config(tenant_yaml(connector), "sitod.yaml");
    ASSERT_FALSE(c.ok()) << connector;
    EXPECT_NE(c.error().message().find(needle), std::string::npos) << c.error().message();
  };
  expect_error("{name: t, kind: telegram, chatid: '1', bot_token_env: X}", "unknown key 'chatid'");
  expect_error("{name: t, kind: telegram, chatid: '1', bot_token_env: X}", "did you mean 'chat_id'");
  expect_error("{name: t, kind: telegram, bot_token_env: X}", "tenants[0].connectors[0]: missing 'chat_id'");
  expect_error("{name: t, kind: pigeon, url: 'http://x/'}", "tenants[0].connectors[0].kind: expected webhook, telegram or slack");
  expect_error("{name: w, kind: webhook, url: 'ftp://x/'}", "tenants[0].connectors[0].url: expected an http:// or https:// URL");
  expect_error("{name: w, kind: webhook, url: 'http://x/', filter: 'курьер'}", "tenants[0].connectors[0].filter: at 1:");
  expect_error("{name: w, kind: webhook, url: 'http://x/', batch: 0}", "tenants[0].connectors[0].batch: expected a whole number 1..10000");
  expect_error("{name: w, kind: webhook, url: 'http://x/', chat_id: '1'}", "tenants[0].connectors[0].chat_id: not a key of a webhook connector");
  expect_error("{name: t, kind: telegram, chat_id: '1', bot_token_file: /nonexistent/bot.token}",
               "tenants[0].connectors[0].bot_token_file: cannot read '/nonexistent/bot.token'");
  expect_error("{name: t, kind: telegram, chat_id: '1', bot_token_env: SITO_TEST_UNSET_VARIABLE}",
               "bot_token_env: the environment variable 'SITO_TEST_UNSET_VARIABLE' is not set");
  expect_error("{name: w, kind: webhook, url: 'http://x/', rate: {messages: 1}}", "tenants[0].connectors[0].rate: expected both");
  expect_error("{name: w, kind: webhook, url: 'http://x/', history: 101}", "tenants[0].connectors[0].history: expected a whole number 0..100");
  expect_error("{name: s, kind: slack, url: 'http://x/', history: 2}", "tenants[0].connectors[0].history: not a key of a slack connector");
  auto pane = parse_config(tenant_yaml("{name: w, kind: webhook, url: 'http://x/', history: 3}"), "sitod.yaml");
  ASSERT_TRUE(pane.ok()) << pane.error().message();
  EXPECT_EQ(pane->tenants[0].connectors[0].history, 3u);
  auto dup = parse_config("tenants:\n  - name: acme\n    connectors:\n      - {name: a, kind: webhook, url: 'http://x/'}\n"
                          "      - {name: a, kind: slack, url: 'http://y/'}\n", "sitod.yaml");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("tenants[0].connectors[1].name"), std::string::npos) << dup.error().message();
}

TEST(ConnectorConfig, SecretsFromFilesAndEnvironmentAreNeverInMessages) {
  const auto dir = std::filesystem::temp_directory_path() / ("sito-connector-config-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "bot.token") << "123456:SECRET-token-xyz\n";
  std::ofstream(dir / "crm.header") << "# the CRM's key\nAuthorization: Bearer very-secret\nX-Tenant: acme\n";
  ::setenv("SITO_TEST_SLACK_URL", "https://hooks.slack.example/services/T0/B0/secret", 1);
  auto c = parse_config(
      "tenants:\n  - name: acme\n    connectors:\n"
      "      - {name: tg, kind: telegram, chat_id: '-100123', bot_token_file: " + (dir / "bot.token").string() +
          ", filter: 'sentiment:negative', alerts: true, api_base: 'http://127.0.0.1:9/'}\n"
          "      - {name: crm, kind: webhook, url: 'https://crm.example/hook', header_file: " + (dir / "crm.header").string() +
          ", headers: {X-Source: sito}, batch: 10, flush_ms: 200}\n"
          "      - {name: sl, kind: slack, url_env: SITO_TEST_SLACK_URL, rate: {messages: 5, seconds: 10}}\n",
      "sitod.yaml");
  ASSERT_TRUE(c.ok()) << c.error().message();
  const auto& cs = c->tenants[0].connectors;
  ASSERT_EQ(cs.size(), 3u);
  EXPECT_EQ(cs[0].bot_token, "123456:SECRET-token-xyz");
  EXPECT_EQ(cs[0].api_base, "http://127.0.0.1:9");
  EXPECT_EQ(cs[0].rate_messages, 20u);  // a group: 20 a minute
  EXPECT_EQ(cs[0].rate_seconds, 60u);
  EXPECT_TRUE(cs[0].alerts);
  EXPECT_EQ(cs[1].secret_headers.at("Authorization"), "Bearer very-secret");
  EXPECT_EQ(cs[1].secret_headers.at("X-Tenant"), "acme");
  EXPECT_EQ(cs[1].headers.at("X-Source"), "sito");
  EXPECT_EQ(cs[1].batch, 10u);
  EXPECT_EQ(cs[1].rate_messages, 0u);
  EXPECT_EQ(cs[2].url, "https://hooks.slack.example/services/T0/B0/secret");
  EXPECT_TRUE(cs[2].url_secret);
  EXPECT_EQ(cs[2].rate_messages, 5u);
  // A bad header file: the message names the line, not what is on it.
  std::ofstream(dir / "bad.header") << "Bearer very-secret\n";
  auto bad = parse_config(tenant_yaml("{name: w, kind: webhook, url: 'http://x/', header_file: " + (dir / "bad.header").string() + "}"),
                          "sitod.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("header_file: line 1"), std::string::npos) << bad.error().message();
  EXPECT_EQ(bad.error().message().find("very-secret"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sito::server
