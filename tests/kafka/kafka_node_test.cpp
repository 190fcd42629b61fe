// sitod's Kafka mode against librdkafka's in-process mock cluster (label
// `kafka`): nodes in one process share a posts topic, and the mentions topic
// must hold exactly what `sito match` gives for the same posts and topics.
//
// The data: ops/sample/make_firehose.py (600 posts, seed 3, half of them
// mentioning the sample brand) and the sample tenant's topics less the tag
// that reads `is:duplicate` (near-duplicates are found per node, among the
// posts of its own partitions: README "Scale-out"); the nodes run without
// the near-duplicate check and the comparison leaves duplicate_of out.
//
// The mock cluster stores plain offset commits but drops the offsets sent
// with a transaction and shows aborted records (mock_cluster_facts_test.cpp):
// the crash test runs at_least_once and proves "nothing lost" plus "nothing
// twice after the reader's dedup"; the exactly_once test proves the
// transactional path runs and gives the same mentions when nothing fails.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "kafka/kafka_node.hpp"
#include "kafka/mention_dedup.hpp"
#include "kafka/mock_cluster.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::server::kafka {
namespace {

using json = nlohmann::json;
using testing::eventually;
using testing::mock_cluster;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

/// The fields compared between `sito match` and the mentions topic.
std::string comparable(const json& m) {
  json c;
  for (const char* k : {"tenant", "topic", "post_id", "tags", "sentiment", "sentiment_source", "priority", "processed",
                        "wom", "highlights"})
    c[k] = m.contains(k) ? m[k] : json();
  return c.dump();
}
std::string key_of(const json& m) {
  return m.value("tenant", "") + "|" + m.value("topic", "") + "|" + m.value("post_id", "");
}

/// Shared data: the posts (JSON lines), the topics file and what `sito match` gives.
struct data_set {
  std::filesystem::path dir;
  std::vector<std::string> posts;
  tenant_file topics;
  std::map<std::string, std::string> expected;  ///< key_of → comparable
  std::map<std::string, std::string> expected_for(size_t from, size_t to) const {
    std::set<std::string> ids;
    for (size_t i = from; i < to; ++i) ids.insert(json::parse(posts[i])["id"].get<std::string>());
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : expected)
      if (ids.count(json::parse(v)["post_id"].get<std::string>())) out[k] = v;
    return out;
  }
};

class KafkaNode : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new data_set;
    data_->dir = std::filesystem::temp_directory_path() / ("sito-kafka-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(data_->dir);
    const std::string posts_path = (data_->dir / "posts.jsonl").string();
    const std::string topics_path = (data_->dir / "topics.yaml").string();
    std::system(("/usr/bin/python3 " SITO_SOURCE_DIR "/ops/sample/make_firehose.py --count 600 --seed 3 "
                 "--mention-rate 0.5 --no-edge --out " + posts_path).c_str());
    {
      std::istringstream in(read_file(SITO_SOURCE_DIR "/ops/sample/tenant.yaml"));
      std::ofstream out(topics_path);
      for (std::string line; std::getline(in, line);)
        if (line.find("is:duplicate") == std::string::npos) out << line << "\n";
    }
    std::istringstream in(read_file(posts_path));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) data_->posts.push_back(line);
    auto t = load_tenant_file(topics_path);
    if (!t.ok()) throw std::runtime_error(t.error().message());
    data_->topics = std::move(*t);
    std::istringstream matched(run(SITO_CLI_PATH " match --topics " + topics_path + " --posts " + posts_path));
    for (std::string line; std::getline(matched, line);) {
      const json m = json::parse(line);
      data_->expected[key_of(m)] = comparable(m);
    }
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(data_->dir);
    delete data_;
  }

  /// The topics topic holds the sample tenant's definitions.
  void write_definitions() {
    for (const auto& t : data_->topics.topics) {
      const auto v = encode_topic_value(t);
      cluster_.produce("sito.topics", 0, pair_key(t.tenant, t.id), std::string(v.begin(), v.end()));
    }
    cluster_.flush();
  }
  void create_topics(int posts_partitions) {
    partitions_ = posts_partitions;
    cluster_.create_topic("sito.posts", posts_partitions);
    cluster_.create_topic("sito.mentions", 3);
    cluster_.create_topic("sito.alerts", 1);
    cluster_.create_topic("sito.topics", 1);
    write_definitions();
  }
  /// Posts [from, to) of the data set, round robin over the partitions.
  void produce_posts(size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
      cluster_.produce("sito.posts", static_cast<int32_t>(i % static_cast<size_t>(partitions_)), std::nullopt,
                       data_->posts[i]);
    cluster_.flush();
  }
  std::unique_ptr<kafka_node> start(const std::string& name, kafka_delivery delivery = kafka_delivery::at_least_once,
                                    uint32_t max_record_bytes = 1u << 20) {
    kafka_node_options o;
    o.config.brokers = cluster_.bootstraps();
    o.config.group = "sito-test";
    o.config.node = name;
    o.config.delivery = delivery;
    o.config.batch_posts = 50;
    o.config.batch_ms = 20;
    o.config.session_timeout_ms = 3000;  // the mock's rebalance waits session - 1 s; under 3 s a join never completes
    o.config.max_record_bytes = max_record_bytes;
    o.config.properties["log_level"] = "3";
    if (!data_->topics.sentiment_lexicon.empty())
      o.compile.tenant_lexicons[data_->topics.tenant] =
          rules::parse_lexicon(data_->topics.sentiment_lexicon, "lexicon").value();
    o.near_duplicates = false;
    o.start_timeout_ms = 10000;
    auto node = kafka_node::start(std::move(o));
    EXPECT_TRUE(node.ok()) << node.error().message();
    return node.ok() ? std::move(*node) : nullptr;
  }
  bool all_committed() {
    return cluster_.committed("sito-test", "sito.posts", partitions_) == cluster_.ends("sito.posts", partitions_);
  }
  std::vector<json> mentions() {
    std::vector<json> out;
    for (const auto& r : cluster_.read_all("sito.mentions", 3)) out.push_back(json::parse(r.value.value_or("{}")));
    return out;
  }

  static data_set* data_;
  mock_cluster cluster_;
  int partitions_ = 0;
};
data_set* KafkaNode::data_ = nullptr;

TEST_F(KafkaNode, ThreeNodesGiveExactlyTheMentionsOfSitoMatchOnce) {
  ASSERT_GT(data_->expected.size(), 300u);  // the comparison has something to compare
  create_topics(6);
  produce_posts(0, data_->posts.size());
  auto a = start("node-a"), b = start("node-b"), c = start("node-c");
  ASSERT_TRUE(a && b && c);
  ASSERT_TRUE(eventually([&] { return all_committed(); }));
  std::map<std::string, std::string> got;
  std::set<std::string> nodes;
  size_t repeats = 0;
  for (const json& m : mentions()) {
    if (!got.emplace(key_of(m), comparable(m)).second) ++repeats;
    nodes.insert(m["node"].get<std::string>());
    ASSERT_EQ(m["source"]["topic"], "sito.posts");
  }
  EXPECT_EQ(repeats, 0u);
  EXPECT_EQ(got.size(), data_->expected.size());
  for (const auto& [k, v] : data_->expected) {
    auto it = got.find(k);
    ASSERT_NE(it, got.end()) << "missing " << k;
    EXPECT_EQ(it->second, v) << k;
  }
  EXPECT_EQ(got, data_->expected);
  EXPECT_EQ(nodes, (std::set<std::string>{"node-a", "node-b", "node-c"}));  // each node owned partitions
  EXPECT_EQ(a->metrics().partitions_owned + b->metrics().partitions_owned + c->metrics().partitions_owned, 6u);
  EXPECT_EQ(a->metrics().posts + b->metrics().posts + c->metrics().posts, data_->posts.size());
  EXPECT_TRUE(a->healthy());
  EXPECT_NE(a->metrics_text().find("sito_kafka_partitions_owned{node=\"node-a\"} 2"), std::string::npos)
      << a->metrics_text();
  EXPECT_NE(a->health_json().find("\"state\":\"active\""), std::string::npos);
}

TEST_F(KafkaNode, AKilledNodesPartitionsMoveAndNothingIsLostOrTwiceAfterDedup) {
  create_topics(4);
  const size_t half = data_->posts.size() / 2;
  produce_posts(0, half);
  auto a = start("node-a"), b = start("node-b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(eventually([&] { return b->metrics().batches > 0 && a->metrics().batches > 0; }));
  // Killed mid-stream: its next batch's mentions reach the topic, its offsets never move.
  b->crash_before_next_commit();
  produce_posts(half, data_->posts.size());
  ASSERT_TRUE(eventually([&] { return b->crashed(); }));
  ASSERT_TRUE(eventually([&] { return a->metrics().partitions_owned == 4; }, std::chrono::seconds(20)));
  ASSERT_TRUE(eventually([&] { return all_committed(); }));

  mention_dedup dedup;
  std::map<std::string, std::string> got;
  std::map<std::string, std::set<std::string>> producers;  // key → nodes that produced it
  size_t repeats = 0;
  for (const json& m : mentions()) {
    producers[key_of(m)].insert(m["node"].get<std::string>());
    if (!dedup.first_of_json(m.dump())) {
      ++repeats;
      continue;
    }
    got[key_of(m)] = comparable(m);
  }
  EXPECT_EQ(got, data_->expected);  // nothing lost, nothing changed
  // The drill really hit a batch in flight: its mentions came twice, once
  // from the killed node and once from the node that took its partitions.
  EXPECT_GT(repeats, 0u);
  for (const auto& [k, nodes] : producers)
    if (nodes.size() > 1) {
      EXPECT_EQ(nodes, (std::set<std::string>{"node-a", "node-b"})) << k;
    }
  EXPECT_TRUE(a->healthy());
  EXPECT_FALSE(b->healthy());
}

TEST_F(KafkaNode, ATopicUpsertReachesEveryNodeAndEachPostHasOneSnapshot) {
  create_topics(2);
  auto a = start("node-a"), b = start("node-b");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(eventually([&] { return a->metrics().partitions_owned == 1 && b->metrics().partitions_owned == 1; }));
  const std::string tenant = data_->topics.tenant;
  topic_spec zebra{.tenant = tenant, .id = "zebra", .name = "Zebra", .query = "зебр*"};
  // A topic that does not compile is refused and nothing is written.
  const int64_t before = cluster_.ends("sito.topics", 1)[0];
  topic_spec broken{.tenant = tenant, .id = "broken", .name = "Broken", .query = "(зебр* AND"};
  compile_report report;
  EXPECT_FALSE(a->publish_topics(tenant, {broken}, {}, &report).ok());
  EXPECT_FALSE(report.errors.empty());
  EXPECT_EQ(cluster_.ends("sito.topics", 1)[0], before);

  ASSERT_TRUE(a->publish_topics(tenant, {zebra}, {}).ok());
  auto has_zebra = [&](kafka_node& n) { return n.ruleset()->topics.count({tenant, "zebra"}) == 1; };
  ASSERT_TRUE(eventually([&] { return has_zebra(*a) && has_zebra(*b); }));
  for (int i = 0; i < 20; ++i)
    cluster_.produce("sito.posts", i % 2, std::nullopt,
                     json{{"id", "z" + std::to_string(i)}, {"source", "vk"}, {"text", "видели зебру у метро"}}.dump());
  cluster_.flush();
  ASSERT_TRUE(eventually([&] { return all_committed(); }));
  std::set<std::string> zebra_posts, zebra_nodes;
  std::map<std::string, std::set<uint64_t>> versions;  // post → snapshot versions of its mentions
  for (const json& m : mentions()) {
    versions[m["post_id"].get<std::string>() + "@" + m["node"].get<std::string>()].insert(m["snapshot_version"].get<uint64_t>());
    if (m["topic"] == "zebra") {
      zebra_posts.insert(m["post_id"].get<std::string>());
      zebra_nodes.insert(m["node"].get<std::string>());
    }
  }
  EXPECT_EQ(zebra_posts.size(), 20u);
  EXPECT_EQ(zebra_nodes, (std::set<std::string>{"node-a", "node-b"}));  // both nodes matched it
  for (const auto& [post, v] : versions) EXPECT_EQ(v.size(), 1u) << post;

  // A deletion (a tombstone) also reaches both.
  ASSERT_TRUE(b->publish_topics(tenant, {}, {"zebra"}).ok());
  ASSERT_TRUE(eventually([&] { return !has_zebra(*a) && !has_zebra(*b); }));
  for (int i = 20; i < 30; ++i)
    cluster_.produce("sito.posts", i % 2, std::nullopt,
                     json{{"id", "z" + std::to_string(i)}, {"source", "vk"}, {"text", "снова зебра"}}.dump());
  cluster_.flush();
  ASSERT_TRUE(eventually([&] { return all_committed(); }));
  size_t after = 0;
  for (const json& m : mentions())
    if (m["topic"] == "zebra") ++after;
  EXPECT_EQ(after, 20u);
}

TEST_F(KafkaNode, APoisonedRecordIsSkippedWithAReasonAndThePartitionMovesOn) {
  create_topics(1);
  auto a = start("node-a", kafka_delivery::at_least_once, 4096);
  ASSERT_TRUE(a);
  const std::string tenant = data_->topics.tenant;
  ASSERT_TRUE(a->publish_topics(tenant, {topic_spec{.tenant = tenant, .id = "zebra", .name = "Z", .query = "зебр*"}}, {}).ok());
  ASSERT_TRUE(eventually([&] { return a->ruleset()->topics.count({tenant, "zebra"}) == 1; }));
  auto post_line = [](const std::string& id, const std::string& text) {
    return json{{"id", id}, {"source", "vk"}, {"text", text}}.dump();
  };
  cluster_.produce("sito.posts", 0, std::nullopt, post_line("ok-1", "зебра"));
  cluster_.produce("sito.posts", 0, std::nullopt, std::string("{\"id\": \"broken"));
  cluster_.produce("sito.posts", 0, std::nullopt, std::nullopt);
  cluster_.produce("sito.posts", 0, std::nullopt, post_line("", "зебра без id"));
  cluster_.produce("sito.posts", 0, std::nullopt, post_line("huge", std::string(5000, 'x') + " зебра"));
  cluster_.produce("sito.posts", 0, std::nullopt, std::string("\xd0\x91\xff garbage bytes"));
  cluster_.produce("sito.posts", 0, std::nullopt, post_line("ok-2", "зебра после яда"));
  cluster_.flush();
  ASSERT_TRUE(eventually([&] { return all_committed(); }));
  const auto& m = a->metrics();
  EXPECT_EQ(m.skipped[static_cast<size_t>(skip_reason::bad_json)], 2u);
  EXPECT_EQ(m.skipped[static_cast<size_t>(skip_reason::empty)], 1u);
  EXPECT_EQ(m.skipped[static_cast<size_t>(skip_reason::invalid)], 1u);
  EXPECT_EQ(m.skipped[static_cast<size_t>(skip_reason::too_large)], 1u);
  EXPECT_EQ(m.posts, 2u);
  std::set<std::string> zebra_posts;
  for (const json& j : mentions())
    if (j["topic"] == "zebra") zebra_posts.insert(j["post_id"].get<std::string>());
  EXPECT_EQ(zebra_posts, (std::set<std::string>{"ok-1", "ok-2"}));  // the post after the poison too
  EXPECT_NE(a->metrics_text().find("sito_kafka_records_skipped_total{node=\"node-a\",reason=\"bad_json\"} 2"),
            std::string::npos);
}

TEST_F(KafkaNode, TransactionalNodesRunTheTransactionalPathAndGiveTheSameMentions) {
  create_topics(4);
  const size_t n = 300;
  produce_posts(0, n);
  auto a = start("node-a", kafka_delivery::exactly_once), b = start("node-b", kafka_delivery::exactly_once);
  ASSERT_TRUE(a && b);
  // The mock keeps no transactional offsets (mock_cluster_facts_test.cpp): wait on the nodes' counts.
  ASSERT_TRUE(eventually([&] { return a->metrics().posts + b->metrics().posts >= n; }));
  std::map<std::string, std::string> got;
  size_t repeats = 0;
  for (const json& m : mentions())
    if (!got.emplace(key_of(m), comparable(m)).second) ++repeats;
  EXPECT_EQ(repeats, 0u);
  EXPECT_EQ(got, data_->expected_for(0, n));
  EXPECT_GT(a->metrics().transactions + b->metrics().transactions, 0u);
  EXPECT_EQ(a->metrics().transaction_aborts + b->metrics().transaction_aborts, 0u);
  EXPECT_EQ(a->metrics().posts + b->metrics().posts, n);
}

}  // namespace
}  // namespace sito::server::kafka
