// What librdkafka 2.0.2's mock cluster does and does not implement, pinned
// so that an upgrade that changes it is noticed (README "Scale-out", FACTS).
// The transactional calls all succeed, but the mock keeps none of their
// meaning: offsets sent with a transaction are not stored, and records of an
// aborted or never-finished transaction are visible to read_committed
// consumers. Plain offset commits are stored. A compacted topic cannot be
// declared (no CreateTopics) and is never compacted: reading it whole gives
// every version, the last one per key wins.
#include <gtest/gtest.h>

#include "kafka/mock_cluster.hpp"

namespace sito::server::kafka {
namespace {

using testing::mock_cluster;

TEST(MockClusterFacts, TransactionsRunButKeepNoneOfTheirMeaning) {
  mock_cluster cluster;
  cluster.create_topic("out", 1);
  cluster.create_topic("in", 1);
  auto p = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", cluster.bootstraps()}, {"transactional.id", "facts"}});
  ASSERT_TRUE(p.ok()) << p.error().message();
  ASSERT_EQ(take_error(rd_kafka_init_transactions(p->get(), 10000)), "");
  auto send = [&](const char* v) {
    rd_kafka_producev(p->get(), RD_KAFKA_V_TOPIC("out"), RD_KAFKA_V_VALUE(const_cast<char*>(v), strlen(v)),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  };
  // Committed, with offsets for group "g".
  ASSERT_EQ(take_error(rd_kafka_begin_transaction(p->get())), "");
  send("committed");
  rd_list_ptr offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), "in", 0)->offset = 5;
  rd_kafka_consumer_group_metadata_t* meta = rd_kafka_consumer_group_metadata_new("g");
  EXPECT_EQ(take_error(rd_kafka_send_offsets_to_transaction(p->get(), offsets.get(), meta, 10000)), "");
  rd_kafka_consumer_group_metadata_destroy(meta);
  EXPECT_EQ(take_error(rd_kafka_commit_transaction(p->get(), 10000)), "");
  // Aborted.
  ASSERT_EQ(take_error(rd_kafka_begin_transaction(p->get())), "");
  send("aborted");
  rd_kafka_flush(p->get(), 5000);
  EXPECT_EQ(take_error(rd_kafka_abort_transaction(p->get(), 10000)), "");
  // Never finished: the producer goes away mid-transaction, a new one with the same id fences it.
  ASSERT_EQ(take_error(rd_kafka_begin_transaction(p->get())), "");
  send("unfinished");
  rd_kafka_flush(p->get(), 5000);
  p->reset();
  auto p2 = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", cluster.bootstraps()}, {"transactional.id", "facts"}});
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(take_error(rd_kafka_init_transactions(p2->get(), 10000)), "");

  // A read_committed reader sees all three: no transaction markers, no aborted list.
  std::vector<std::string> seen;
  for (const auto& r : cluster.read_all("out", 1)) seen.push_back(r.value.value_or(""));
  EXPECT_EQ(seen, (std::vector<std::string>{"committed", "aborted", "unfinished"}));
  // The offsets sent with the committed transaction were not stored.
  EXPECT_EQ(cluster.committed("g", "in", 1), std::vector<int64_t>{RD_KAFKA_OFFSET_INVALID});
}

TEST(MockClusterFacts, PlainCommitsAreStoredAndCompactedTopicsKeepEveryVersion) {
  mock_cluster cluster;
  cluster.create_topic("in", 1);
  cluster.create_topic("defs", 1);
  auto c = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", cluster.bootstraps()}, {"group.id", "g"}});
  ASSERT_TRUE(c.ok());
  rd_list_ptr offsets(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(offsets.get(), "in", 0)->offset = 7;
  EXPECT_EQ(rd_kafka_commit(c->get(), offsets.get(), 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_consumer_close(c->get());
  EXPECT_EQ(cluster.committed("g", "in", 1), std::vector<int64_t>{7});

  cluster.produce("defs", 0, "a", "v1");
  cluster.produce("defs", 0, "a", "v2");
  cluster.produce("defs", 0, "b", std::nullopt);
  cluster.flush();
  const auto all = cluster.read_all("defs", 1);
  ASSERT_EQ(all.size(), 3u);  // nothing compacted away
  EXPECT_EQ(all[1].value, "v2");
  EXPECT_FALSE(all[2].value.has_value());  // a tombstone arrives as a null value
}

}  // namespace
}  // namespace sito::server::kafka
