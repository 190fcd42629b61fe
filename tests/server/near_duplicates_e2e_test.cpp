// sitod's near-duplicate stage end to end (issue 12, "Near-duplicates and
// campaigns"): a wave of edited giveaway posts by distinct authors, checked
// once per post in stream order; what the mentions carry, and a restart that
// keeps the window.
#include <gtest/gtest.h>

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
  std::vector<post> posts;
  for (size_t i = 0; i < 3; ++i) posts.push_back(giveaway_post("g" + std::to_string(i), giveaway[i], "a" + std::to_string(i)));
  posts.push_back(giveaway_post("u0", unrelated, "a9"));
  auto producer = connect(token_producer, client::role::producer);
  ASSERT_TRUE(producer->publish(posts).ok());
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

}  // namespace
}  // namespace sito::sitod_testing

namespace sito::sitod_testing {
namespace {

TEST(SitodConfig, NearDuplicatesWindowThresholdAndCapWithMessagesNamingTheKey) {
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
      {"near_duplicates: [1]\n", "near_duplicates: expected {window"}};
  for (const auto& [text, want] : bad) {
    auto r = server::parse_config(text, "s.yaml");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().message().rfind("s.yaml", 0), 0u) << r.error().message();
    EXPECT_NE(r.error().message().find(want), std::string::npos) << text << " → " << r.error().message();
  }
}

}  // namespace
}  // namespace sito::sitod_testing
