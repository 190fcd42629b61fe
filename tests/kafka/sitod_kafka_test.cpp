// sitod in Kafka mode (config `kafka:`), in process, against the mock
// cluster: the admin API writes topic definitions to the compacted topic,
// posts from the posts topic come out as mentions on the mentions topic,
// /health reflects the group state and /metrics carries the node's series.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/mock_cluster.hpp"
#include "kafka/records.hpp"
#include "server/sitod_fixture.hpp"
#include "support/http_get.hpp"

namespace sito::sitod_testing {
namespace {

using json = nlohmann::json;
using server::kafka::testing::eventually;
using server::kafka::testing::mock_cluster;

TEST(SitodKafkaMode, AdminWritesTheCompactedTopicAndPostsBecomeMentions) {
  mock_cluster cluster;
  cluster.create_topic("sito.posts", 2);
  cluster.create_topic("sito.mentions", 2);
  cluster.create_topic("sito.alerts", 1);
  cluster.create_topic("sito.topics", 1);
  const fs::path dir = temp_dir("sitod-kafka");
  server::server_config config = make_config(dir);
  auto parsed = server::parse_config("kafka:\n  brokers: " + cluster.bootstraps() +
                                     "\n  node: sitod-1\n  delivery: at_least_once\n  session_timeout_ms: 3000\n"
                                     "  batch_ms: 20\n  properties: {log_level: '3'}\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  config.kafka = parsed->kafka;
  auto s = server::sitod::create(config);
  ASSERT_TRUE(s.ok()) << s.error().message();
  ASSERT_TRUE((*s)->start().ok());
  const uint16_t http = (*s)->http_port();

  // Until the group assigns partitions the node is not healthy; then it is.
  ASSERT_TRUE(eventually([&] { return testing::http_get(http, "/health").find("200 OK") != std::string::npos; }));
  const std::string health = testing::http_get(http, "/health");
  EXPECT_NE(health.find("\"state\":\"active\""), std::string::npos) << health;
  EXPECT_NE(health.find("\"mode\":\"kafka\""), std::string::npos) << health;

  // The admin API in Kafka mode: the definition goes to the topics topic.
  auto admin = client::connection::open(opts((*s)->port(), token_admin, client::role::admin));
  ASSERT_TRUE(admin.ok()) << admin.error().message();
  auto up = (*admin)->upsert_topics({{"acme", "delivery", "Delivery", "доставк* OR курьер*", {}, {}}});
  ASSERT_TRUE(up.ok()) << up.error().message();
  const auto defs = cluster.read_all("sito.topics", 1);
  ASSERT_EQ(defs.size(), 1u);
  EXPECT_EQ(defs[0].key, server::kafka::pair_key("acme", "delivery"));

  // The node itself picked it up from there and matches posts from Kafka.
  cluster.produce("sito.posts", 0, std::nullopt, json{{"id", "k1"}, {"source", "vk"}, {"text", "курьер опоздал"}}.dump());
  cluster.produce("sito.posts", 1, std::nullopt, json{{"id", "k2"}, {"source", "vk"}, {"text", "про погоду"}}.dump());
  cluster.flush();
  std::vector<json> mentions;
  ASSERT_TRUE(eventually([&] {
    mentions.clear();
    for (const auto& r : cluster.read_all("sito.mentions", 2)) mentions.push_back(json::parse(r.value.value_or("{}")));
    return !mentions.empty();
  }));
  ASSERT_EQ(mentions.size(), 1u);
  EXPECT_EQ(mentions[0]["post_id"], "k1");
  EXPECT_EQ(mentions[0]["topic"], "delivery");
  EXPECT_EQ(mentions[0]["node"], "sitod-1");

  // A deletion through the admin API is a tombstone there.
  ASSERT_TRUE((*admin)->delete_topics({"delivery"}).ok());
  const auto after = cluster.read_all("sito.topics", 1);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_FALSE(after[1].value.has_value());

  const std::string metrics = testing::http_get(http, "/metrics");
  EXPECT_NE(metrics.find("sito_kafka_partitions_owned{node=\"sitod-1\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("sito_kafka_group_state{node=\"sitod-1\",state=\"active\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("sito_kafka_transactions_total"), std::string::npos);
  (*s)->stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sito::sitod_testing
