// sitod's near-duplicate stage end to end (issue 12, "Near-duplicates and
// campaigns"): a wave of edited giveaway posts by distinct authors, checked
// once per post in stream order; what the mentions carry, and a restart that
// keeps the window.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "server/sitod_fixture.hpp"
#include "support/http_get.hpp"

namespace sito::sitod_testing {
namespace {

/// The giveaway and its edits (each a near-duplicate of the first: Jaccard
/// of word bigrams 0.85), then a post on the same topic that is not one.
const std::vector<std::string> giveaway = {
    "Розыгрыш iPhone 15! Сделай репост и подпишись на наш канал, итоги в пятницу",
    "Репост: РОЗЫГРЫШ iPhone 15!!! сделай репост и подпишись на наш канал, итоги в пятницу 🔥 #конкурс",
    "Розыгрыш iPhone 15! Сделай репост и подпишись на наш канал, итоги в субботу",
    "розыгрыш iphone 15 - сделай репост и подпишись на наш канал! итоги в пятницу 🎁🎁",
    "РОЗЫГРЫШ IPHONE 15. Сделай репост и подпишись на наш канал, итоги в пятницу. Удачи",
    "Розыгрыш iPhone 15! Сделай репост и подпишись на наш канал, итоги в пятницу #giveaway",
};
const std::string unrelated = "Купил iPhone 15 в магазине у дома, доставка была быстрой и курьер вежливый";

post giveaway_post(const std::string& id, const std::string& text, const std::string& author) {
  post p;
  p.id = id;
  p.text = text;
  p.source = "vk";
  p.source_type = "social";
  p.author.id = author;
  return p;
}

/// g0, g1, …: the first `n` giveaway posts, each by its own author (a0,
/// a1, …), then u0, the unrelated post, when `unrelated_too`.
std::vector<post> wave(size_t n, bool unrelated_too = true) {
  std::vector<post> posts;
  for (size_t i = 0; i < n && i < giveaway.size(); ++i)
    posts.push_back(giveaway_post("g" + std::to_string(i), giveaway[i], "a" + std::to_string(i)));
  if (unrelated_too) posts.push_back(giveaway_post("u0", unrelated, "a9"));
  return posts;
}

/// Every mention of the tenant from offset `from` on, by (post id, topic).
std::map<std::pair<std::string, std::string>, client::mention> read_all(uint16_t port, uint64_t from,
                                                                        client::subscription_options so = {}) {
  so.name = so.name.empty() ? "all" : so.name;
  so.start = client::start_from::offset;
  so.offset = from;
  client::subscriber sub(opts(port, token_subscriber, client::role::subscriber), so);
  std::map<std::pair<std::string, std::string>, client::mention> out;
  for (;;) {
    auto b = sub.next(700ms);
    EXPECT_TRUE(b.ok());
    if (!b.ok() || b->empty()) break;
    for (auto& m : *b) out[{m.p.id, m.topic}] = m;
  }
  return out;
}

TEST_F(Sitod, NearDuplicatesCarryTheirClusterOncePerPostAndSurviveARestart) {
  auto admin = connect(token_admin, client::role::admin);
  // Two topics match every giveaway post: the post is still checked once,
  // so both mentions carry the same cluster size.
  ASSERT_TRUE(admin->upsert_topics({{"acme", "giveaway", "", "розыгрыш", {}, {}},
                                    {"acme", "iphone", "", "iphone", {}, {}}})
                  .ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(wave(3)).ok());
  ASSERT_TRUE(server_->wait_until_matched());

  auto got = read_all(server_->port(), 0);
  ASSERT_EQ(got.size(), 7u) << "three giveaway posts in two topics, the unrelated one in iphone";
  for (const std::string topic : {"giveaway", "iphone"}) {
    const auto& first = got.at({"g0", topic});
    EXPECT_EQ(first.duplicate_of, "") << "the first post of a cluster carries neither";
    EXPECT_EQ(first.duplicates, 0u);
    EXPECT_EQ(got.at({"g1", topic}).duplicate_of, "g0") << topic;
    EXPECT_EQ(got.at({"g1", topic}).duplicates, 2u) << topic;
    EXPECT_EQ(got.at({"g2", topic}).duplicate_of, "g0") << topic;
    EXPECT_EQ(got.at({"g2", topic}).duplicates, 3u) << topic << ": one check per post, not per topic";
  }
  EXPECT_EQ(got.at({"u0", "iphone"}).duplicate_of, "");
  const std::string metrics = testing::http_get(server_->http_port(), "/metrics");
  EXPECT_EQ(testing::metric_value(metrics, "sito_near_duplicate_checks_total"), 4);
  EXPECT_EQ(testing::metric_value(metrics, "sito_near_duplicates_total"), 2);

  // The window is rebuilt from the retained logs: an edit published after a
  // restart still joins the cluster of the post before it.
  admin.reset();
  producer.reset();
  restart();
  EXPECT_EQ(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"),
                                  "sito_near_duplicate_window_posts"),
            4);
  producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({giveaway_post("g3", giveaway[3], "a3")}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  got = read_all(server_->port(), 0);
  EXPECT_EQ(got.at({"g3", "giveaway"}).duplicate_of, "g0");
  EXPECT_EQ(got.at({"g3", "giveaway"}).duplicates, 4u);
  EXPECT_EQ(got.at({"g1", "giveaway"}).duplicate_of, "g0") << "stored mentions keep what they carried";
}

TEST_F(Sitod, IsDuplicateRulesDropOrTagReposts) {
  auto admin = connect(token_admin, client::role::admin);
  topic_spec firsts{"acme", "giveaway", "", "розыгрыш", {}, {}};
  firsts.rules = {{"reposts", "is:duplicate", {{}, "", std::nullopt, false, /*drop=*/true}}};
  topic_spec watch{"acme", "watch", "", "iphone", {}, {}};
  watch.tags = {{"Дубль", "is:duplicate"}};
  watch.rules = {{"originals", "NOT is:duplicate", {{"Оригинал"}}}};
  ASSERT_TRUE(admin->upsert_topics({firsts, watch}).ok());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(wave(3)).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  auto got = read_all(server_->port(), 0);
  EXPECT_TRUE(got.count({"g0", "giveaway"}));
  EXPECT_FALSE(got.count({"g1", "giveaway"})) << "dropped by is:duplicate";
  EXPECT_FALSE(got.count({"g2", "giveaway"})) << "dropped by is:duplicate";
  EXPECT_EQ(got.at({"g0", "watch"}).tags, std::vector<std::string>{"Оригинал"});
  EXPECT_EQ(got.at({"g1", "watch"}).tags, std::vector<std::string>{"Дубль"});
  EXPECT_EQ(got.at({"g2", "watch"}).tags, std::vector<std::string>{"Дубль"});
  EXPECT_EQ(got.at({"g2", "watch"}).duplicates, 3u);
  EXPECT_EQ(got.at({"u0", "watch"}).tags, std::vector<std::string>{"Оригинал"});
  EXPECT_EQ(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"),
                                  "sito_mentions_dropped_by_rules_total"),
            2);
}

TEST_F(Sitod, FirstPostsOnlySubscriptionsSkipNearDuplicates) {
  auto admin = connect(token_admin, client::role::admin);
  ASSERT_TRUE(admin->upsert_topics({{"acme", "giveaway", "", "розыгрыш OR iphone", {}, {}}}).ok());
  const std::vector<post> posts = wave(giveaway.size());
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(posts).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  EXPECT_EQ(read_all(server_->port(), 0).size(), posts.size()) << "a plain subscription gets every mention";
  client::subscription_options firsts;
  firsts.name = "firsts";
  firsts.first_posts_only = true;
  auto got = read_all(server_->port(), 0, firsts);
  std::vector<std::string> ids;
  for (const auto& [key, m] : got) ids.push_back(key.first);
  EXPECT_EQ(ids, (std::vector<std::string>{"g0", "u0"})) << "one mention per cluster";

  // The same through `sito subscribe --first-posts-only`, with the JSON names of `sito match`.
  const fs::path out = dir_ / "subscribe.jsonl";
  const std::string command = std::string("SITO_TOKEN=") + token_subscriber + " '" + SITO_CLI_PATH +
                              "' subscribe --server 127.0.0.1:" + std::to_string(server_->port()) +
                              " --name cli --from offset:0 --count 2 --first-posts-only >'" + out.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(out);
  std::string line, lines;
  while (std::getline(in, line)) lines += line + "\n";
  EXPECT_NE(lines.find("\"post_id\":\"g0\""), std::string::npos) << lines;
  EXPECT_NE(lines.find("\"post_id\":\"u0\""), std::string::npos) << lines;
  EXPECT_EQ(lines.find("duplicate_of"), std::string::npos) << lines;
  const fs::path all = dir_ / "subscribe_all.jsonl";
  const std::string plain = std::string("SITO_TOKEN=") + token_subscriber + " '" + SITO_CLI_PATH +
                            "' subscribe --server 127.0.0.1:" + std::to_string(server_->port()) +
                            " --name cli2 --from offset:0 --count 2 >'" + all.string() + "'";
  ASSERT_EQ(std::system(plain.c_str()), 0) << plain;
  std::ifstream in_all(all);
  lines.clear();
  while (std::getline(in_all, line)) lines += line + "\n";
  EXPECT_NE(lines.find("\"duplicate_of\":\"g0\",\"duplicates\":2"), std::string::npos) << lines;
}

TEST_F(Sitod, ACampaignAlertComesOncePerClusterAndTopicAndSurvivesARestart) {
  auto admin = connect(token_admin, client::role::admin);
  // giveaway: the wave of edits by distinct authors. spam: one author
  // posting the same text again and again is no campaign (distinct authors).
  ASSERT_TRUE(admin->upsert_topics({{"acme", "giveaway", "", "розыгрыш", {}, {}},
                                    {"acme", "spam", "", "акция", {}, {}}})
                  .ok());
  client::subscription_options so{.name = "alerts", .topics = {}, .tags = {}, .start = client::start_from::latest};
  so.alerts = true;
  client::subscriber sub(opts(server_->port(), token_subscriber, client::role::subscriber), so);
  ASSERT_TRUE(sub.next(50ms).ok());
  std::vector<post> posts = wave(giveaway.size(), false);  // six authors: the fifth reaches min_authors (5, the default)
  for (int i = 0; i < 8; ++i)
    posts.push_back(giveaway_post("s" + std::to_string(i),
                                  "Акция только сегодня: скидка на все букеты при заказе до полуночи " +
                                      std::string(i % 2 ? "🔥" : "!!!"),
                                  "one-author"));
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(posts).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  std::vector<client::alert> campaigns;
  auto drain = [&] {
    for (;;) {
      auto b = sub.next(700ms);
      EXPECT_TRUE(b.ok());
      for (auto& a : sub.take_alerts())
        if (a.kind == "campaign") campaigns.push_back(a);
      if (!b.ok() || b->empty()) break;
    }
  };
  drain();
  ASSERT_EQ(campaigns.size(), 1u) << "one alert for the giveaway cluster, none for one author's repeats";
  EXPECT_EQ(campaigns[0].topic, "giveaway");
  EXPECT_EQ(campaigns[0].first_post, "g0");
  EXPECT_EQ(campaigns[0].authors, 5u) << "raised by the mention that reached min_authors";
  EXPECT_EQ(campaigns[0].count, 5u);
  EXPECT_EQ(campaigns[0].threshold, 5);
  EXPECT_EQ(campaigns[0].tag, "");

  // More of the same wave: no second alert.
  ASSERT_TRUE(producer->publish({giveaway_post("g6", giveaway[1] + " Успей!", "a6"),
                                 giveaway_post("g7", giveaway[2] + " 🎉", "a7")})
                  .ok());
  ASSERT_TRUE(server_->wait_until_matched());
  drain();
  EXPECT_EQ(campaigns.size(), 1u) << "once per cluster and topic";

  // Listed in Stats with the spikes, and counted in /metrics.
  auto stats = admin->full_stats();
  ASSERT_TRUE(stats.ok());
  size_t listed = 0;
  for (const auto& a : stats->alerts)
    if (a.kind == "campaign") {
      ++listed;
      EXPECT_EQ(a.first_post, "g0");
      EXPECT_EQ(a.authors, 5u);
    }
  EXPECT_EQ(listed, 1u);
  EXPECT_EQ(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"), "sito_campaign_alerts_total"),
            1);

  // After a restart the counts are rebuilt silently: the same cluster does
  // not page again.
  admin.reset();
  producer.reset();
  restart();
  client::subscriber again(opts(server_->port(), token_subscriber, client::role::subscriber), so);
  ASSERT_TRUE(again.next(50ms).ok());
  producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish({giveaway_post("g8", giveaway[3] + " Ура", "a8")}).ok());
  ASSERT_TRUE(server_->wait_until_matched());
  size_t after_restart = 0;
  for (;;) {
    auto b = again.next(700ms);
    ASSERT_TRUE(b.ok());
    for (auto& a : again.take_alerts()) after_restart += a.kind == "campaign";
    if (b->empty()) break;
  }
  EXPECT_EQ(after_restart, 0u);
  EXPECT_EQ(testing::metric_value(testing::http_get(server_->http_port(), "/metrics"), "sito_campaign_alerts_total"),
            0);
}

}  // namespace
}  // namespace sito::sitod_testing

namespace sito::sitod_testing {
namespace {

TEST(SitodConfig, NearDuplicatesAndCampaignsWithMessagesNamingTheKey) {
  auto defaults = server::parse_config("listen: 127.0.0.1:1\n", "s.yaml");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->near_duplicates.enabled);
  EXPECT_EQ(defaults->near_duplicates.window_ms, 24 * 3600 * 1000);
  EXPECT_EQ(defaults->near_duplicates.threshold, 0.5);
  EXPECT_EQ(defaults->near_duplicates.max_posts, 200'000u);
  auto map = server::parse_config("near_duplicates: {window: 90m, threshold: 0.7, max_posts: 5000}\n", "s.yaml");
  ASSERT_TRUE(map.ok()) << map.error().to_string();
  EXPECT_EQ(map->near_duplicates.window_ms, 90 * 60'000);
  EXPECT_EQ(map->near_duplicates.threshold, 0.7);
  EXPECT_EQ(map->near_duplicates.max_posts, 5000u);
  for (const auto& [text, ms] : std::vector<std::pair<std::string, int64_t>>{
           {"3600", 3'600'000}, {"45s", 45'000}, {"2d", 2 * 86'400'000}, {"12h", 12 * 3'600'000}}) {
    auto r = server::parse_config("near_duplicates: {window: " + text + "}\n", "s.yaml");
    ASSERT_TRUE(r.ok()) << text << ": " << r.error().to_string();
    EXPECT_EQ(r->near_duplicates.window_ms, ms) << text;
  }
  auto campaign = server::parse_config(
      "tenants:\n  - {name: a, campaign: {min_authors: 3, minutes: 15}}\n  - {name: b, campaign: off}\n  - {name: c}\n",
      "s.yaml");
  ASSERT_TRUE(campaign.ok()) << campaign.error().to_string();
  EXPECT_EQ(campaign->tenants[0].campaign, (server::campaign_config{true, 3, 15}));
  EXPECT_FALSE(campaign->tenants[1].campaign.enabled);
  EXPECT_EQ(campaign->tenants[2].campaign, (server::campaign_config{true, 5, 60})) << "the documented defaults";
  auto off = server::parse_config("near_duplicates: off\n", "s.yaml");
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->near_duplicates.enabled);
  const std::pair<const char*, const char*> bad[] = {
      {"near_duplicates: {window: 24x}\n", "near_duplicates: window: expected a duration such as 24h"},
      {"near_duplicates: {window: -1h}\n", "near_duplicates: window: expected a duration"},
      {"near_duplicates: {window: 0h}\n", "near_duplicates: window must be more than 0"},
      {"near_duplicates: {window: 400d}\n", "at most 366d"},
      {"near_duplicates: {window: [1]}\n", "near_duplicates: window: expected a duration"},
      {"near_duplicates: {threshold: 0}\n", "near_duplicates: threshold must be above 0 and at most 1"},
      {"near_duplicates: {threshold: 1.5}\n", "near_duplicates: threshold must be above 0 and at most 1"},
      {"near_duplicates: {threshold: half}\n", "near_duplicates: threshold: expected a number in (0, 1], got 'half'"},
      {"near_duplicates: {max_posts: 0}\n", "near_duplicates: max_posts must be 1..100000000"},
      {"near_duplicates: {max_posts: lots}\n", "near_duplicates: max_posts: expected a whole number, got 'lots'"},
      {"near_duplicates: {treshold: 0.5}\n", "did you mean 'threshold'"},
      {"near_duplicates: [1]\n", "near_duplicates: expected {window"},
      {"tenants: [{name: a, campaign: {min_authors: 1}}]\n", "tenants[0]: campaign: min_authors must be 2..100000"},
      {"tenants: [{name: a, campaign: {min_authors: many}}]\n", "campaign: min_authors: expected a whole number, got 'many'"},
      {"tenants: [{name: a, campaign: {minutes: 0}}]\n", "tenants[0]: campaign: minutes must be 1..10080"},
      {"tenants: [{name: a, campaign: {minutes: 1h}}]\n", "campaign: minutes: expected a whole number of minutes, got '1h'"},
      {"tenants: [{name: a, campaign: {min_autors: 5}}]\n", "did you mean 'min_authors'"},
      {"tenants: [{name: a, campaign: 5}]\n", "campaign: expected {min_authors: 5, minutes: 60} or off"}};
  for (const auto& [text, want] : bad) {
    auto r = server::parse_config(text, "s.yaml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message().rfind("s.yaml", 0), 0u) << r.error().message();
    EXPECT_NE(r.error().message().find(want), std::string::npos) << text << " → " << r.error().message();
  }
}

}  // namespace
}  // namespace sito::sitod_testing
