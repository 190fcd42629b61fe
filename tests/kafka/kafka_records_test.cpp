// sito's records on Kafka (server/src/kafka/records.hpp) and the `kafka:`
// config section (kafka_config.hpp): good input decodes, bad input gets a
// reason that names what is wrong.
#include <gtest/gtest.h>

#include "kafka/records.hpp"
#include "sito/server/config.hpp"

namespace sito::server::kafka {
namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST(KafkaRecords, APostsRecordDecodesOrSaysWhyNot) {
  const post_limits limits;
  auto good = decode_post_record(bytes(R"({"id":"p1","source":"vk","text":"доставка опоздала"})"), 1024, limits);
  ASSERT_TRUE(good.p.has_value()) << good.message;
  EXPECT_EQ(good.p->id, "p1");
  EXPECT_EQ(decode_post_record(bytes(""), 1024, limits).reason, skip_reason::empty);
  EXPECT_EQ(decode_post_record(bytes(" \n"), 1024, limits).reason, skip_reason::empty);
  auto big = decode_post_record(bytes(R"({"id":"p1","text":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})"), 32, limits);
  EXPECT_EQ(big.reason, skip_reason::too_large);
  EXPECT_NE(big.message.find("max_record_bytes"), std::string::npos);
  auto bad = decode_post_record(bytes("{not json"), 1024, limits);
  EXPECT_FALSE(bad.p.has_value());
  EXPECT_EQ(bad.reason, skip_reason::bad_json);
  EXPECT_FALSE(bad.message.empty());
  EXPECT_EQ(decode_post_record(bytes(R"({"id":"","text":"x"})"), 1024, limits).reason, skip_reason::invalid);
  EXPECT_EQ(decode_post_record(bytes("\xff\xfe"), 1024, limits).reason, skip_reason::bad_json);
  EXPECT_STREQ(to_string(skip_reason::too_large), "too_large");
}

TEST(KafkaRecords, PairKeysRoundTripAndRejectOtherShapes) {
  const std::string k = pair_key("acme", "brand \"x\"/y");
  EXPECT_EQ(k, R"(["acme","brand \"x\"/y"])");
  auto back = parse_pair_key(bytes(k));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->first, "acme");
  EXPECT_EQ(back->second, "brand \"x\"/y");
  for (std::string_view bad : {"", "acme/brand", R"(["acme"])", R"(["acme",""])", R"(["a","b","c"])", R"([1,2])",
                               R"({"tenant":"a"})"})
    EXPECT_FALSE(parse_pair_key(bytes(bad)).ok()) << bad;
}

TEST(KafkaRecords, TopicDefinitionsRoundTripAndTombstonesDelete) {
  topic_spec spec;
  spec.tenant = "acme";
  spec.id = "brand";
  spec.name = "Brand";
  spec.query = "flowwow OR фловвов";
  spec.tags.push_back({.path = "Доставка", .query = "доставк*"});
  const std::string key = pair_key("acme", "brand");
  const std::vector<uint8_t> value = encode_topic_value(spec);
  auto d = decode_topic_record(bytes(key), value.data(), value.size());
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_TRUE(d->spec.has_value());
  EXPECT_EQ(d->spec->tenant, "acme");
  EXPECT_EQ(d->spec->query, spec.query);
  ASSERT_EQ(d->spec->tags.size(), 1u);
  EXPECT_EQ(d->spec->tags[0].path, "Доставка");

  auto gone = decode_topic_record(bytes(key), nullptr, 0);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->spec.has_value());
  EXPECT_EQ(gone->id, "brand");

  // The value's id must be the key's.
  const std::string other = pair_key("acme", "other");
  auto mismatch = decode_topic_record(bytes(other), value.data(), value.size());
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.error().message().find("'brand'"), std::string::npos);
  // Garbage is no Topic.
  const std::string junk = "not a flatbuffer at all";
  auto j = decode_topic_record(bytes(key), reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.error().message().find("not a wire Topic"), std::string::npos);
  EXPECT_FALSE(decode_topic_record(bytes("brand"), value.data(), value.size()).ok());
}

TEST(KafkaConfig, TheSectionParsesWithDefaults) {
  auto c = parse_config("kafka:\n  brokers: k1:9092,k2:9092\n  node: sito-a\n");
  ASSERT_TRUE(c.ok()) << c.error().message();
  ASSERT_TRUE(c->kafka.has_value());
  EXPECT_EQ(c->kafka->brokers, "k1:9092,k2:9092");
  EXPECT_EQ(c->kafka->node, "sito-a");
  EXPECT_EQ(c->kafka->group, "sito");
  EXPECT_EQ(c->kafka->delivery, kafka_delivery::exactly_once);
  EXPECT_EQ(c->kafka->posts_topic, "sito.posts");
  EXPECT_FALSE(parse_config("listen: 127.0.0.1:7400\n")->kafka.has_value());

  auto full = parse_config(
      "kafka:\n  brokers: k:9092\n  group: g1\n  node: n1\n  posts_topic: p\n  mentions_topic: m\n  alerts_topic: a\n"
      "  topics_topic: t\n  delivery: at_least_once\n  batch_posts: 200\n  batch_ms: 20\n  session_timeout_ms: 6000\n"
      "  max_record_bytes: 4096\n  properties: {security.protocol: SASL_SSL, sasl.mechanism: PLAIN}\n");
  ASSERT_TRUE(full.ok()) << full.error().message();
  EXPECT_EQ(full->kafka->delivery, kafka_delivery::at_least_once);
  EXPECT_EQ(full->kafka->batch_posts, 200u);
  EXPECT_EQ(full->kafka->session_timeout_ms, 6000u);
  EXPECT_EQ(full->kafka->properties.at("sasl.mechanism"), "PLAIN");
}

TEST(KafkaConfig, BadValuesNameTheKey) {
  struct bad_case {
    const char* yaml;
    const char* expect;
  };
  for (const auto& [yaml, expect] : {
           bad_case{"kafka: yes\n", "kafka: expected a map"},
           bad_case{"kafka:\n  group: g\n", "kafka.brokers: required"},
           bad_case{"kafka:\n  brokers: k:1\n  delivery: twice\n", "kafka.delivery: expected exactly_once or at_least_once"},
           bad_case{"kafka:\n  brokers: k:1\n  batch_posts: lots\n", "kafka.batch_posts: expected a number"},
           bad_case{"kafka:\n  brokers: k:1\n  batch_posts: 0\n", "kafka.batch_posts"},
           bad_case{"kafka:\n  brokers: k:1\n  session_timeout_ms: 10\n", "kafka.session_timeout_ms"},
           bad_case{"kafka:\n  brokers: k:1\n  posts_topic: 'a b'\n", "kafka.posts_topic"},
           bad_case{"kafka:\n  brokers: k:1\n  posts_topic: x\n  mentions_topic: x\n", "must differ"},
           bad_case{"kafka:\n  brokers: k:1\n  node: 'a\"b'\n", "kafka.node"},
           bad_case{"kafka:\n  brokers: k:1\n  brokerz: k:2\n", "unknown key"},
           bad_case{"kafka:\n  brokers: [a, b]\n", "kafka.brokers: expected a non-empty string"},
           bad_case{"kafka:\n  brokers: k:1\n  properties: [a]\n", "kafka.properties"},
       }) {
    auto c = parse_config(yaml, "sitod.yaml");
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_NE(c.error().message().find(expect), std::string::npos) << c.error().message();
    EXPECT_EQ(c.error().message().rfind("sitod.yaml", 0), 0u) << c.error().message();
  }
}

}  // namespace
}  // namespace sito::server::kafka
