// File: sito/server/kafka_config.hpp
//
// sitod's `kafka:` section (README "Scale-out"): with it sitod runs as one
// node of a consumer group over a partitioned posts topic, producing
// mentions and alerts to Kafka topics and reading topic definitions from a
// compacted topic (DESIGN §8). Without it sitod is the standalone appliance.
//
//   kafka:
//     brokers: kafka-1:9092,kafka-2:9092,kafka-3:9092
//     group: sito                   # consumer group of the nodes (and the transactional.id prefix)
//     node: sito-a                  # this node's name: client.id, transactional.id = group-node
//     posts_topic: sito.posts       # JSON lines of `sito match`, one post per record
//     mentions_topic: sito.mentions # JSON mentions keyed ["tenant","topic"]
//     alerts_topic: sito.alerts
//     topics_topic: sito.topics     # compacted; key ["tenant","id"], value a wire Topic, null deletes
//     delivery: exactly_once        # or at_least_once
//     batch_posts: 1000             # posts per read-process-write cycle, at most
//     batch_ms: 50                  # how long a cycle waits to fill its batch
//     session_timeout_ms: 10000
//     properties: {security.protocol: SASL_SSL, ...}   # passed to librdkafka as is
//
// Plain data, no behaviour: parse_kafka_config checks it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace sito::server {

/// How a node turns a batch of posts into mentions durably (README "Scale-out").
enum class kafka_delivery {
  /// Read-process-write in one Kafka transaction: the batch's mentions and
  /// its input offsets commit together (send_offsets_to_transaction), so a
  /// crash or a rebalance neither loses nor repeats a mention for consumers
  /// that read with isolation.level=read_committed.
  exactly_once,
  /// Mentions produced and acknowledged, then the offsets committed: a crash
  /// between the two repeats the batch's mentions. Consumers drop repeats by
  /// (tenant, topic, post id) (kafka/mention_dedup.hpp).
  at_least_once,
};

struct kafka_config {
  std::string brokers;                   ///< bootstrap.servers
  std::string group = "sito";            ///< group.id; the transactional.id is group + "-" + node
  std::string node;                      ///< client.id; default: the host name
  std::string posts_topic = "sito.posts";
  std::string mentions_topic = "sito.mentions";
  std::string alerts_topic = "sito.alerts";
  std::string topics_topic = "sito.topics";
  kafka_delivery delivery = kafka_delivery::exactly_once;
  uint32_t batch_posts = 1000;           ///< posts per cycle, at most
  uint32_t batch_ms = 50;                ///< a cycle waits at most this long for its batch to fill
  uint32_t session_timeout_ms = 10000;   ///< group session: how long a dead node holds its partitions
  uint32_t max_record_bytes = 1u << 20;  ///< a larger posts record is skipped (reason "too_large")
  std::map<std::string, std::string> properties;  ///< extra librdkafka properties, applied last
  bool operator==(const kafka_config&) const = default;
};

}  // namespace sito::server
