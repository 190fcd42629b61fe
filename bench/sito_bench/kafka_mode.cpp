// sito-bench kafka: posts/s per node through librdkafka's in-process mock
// cluster (README "Scale-out"), both delivery modes, 1..N nodes in this
// process, and what the transactions cost. The mock brokers live in this
// process and answer over loopback without disks, replication or network:
// the figures bound the node's own cost (decode, match, produce, commit),
// not a real cluster's.
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include <nlohmann/json.hpp>

#include "kafka/kafka_config.hpp"
#include "kafka/kafka_node.hpp"
#include "kafka/mock_cluster.hpp"
#include "sito_bench/bench_options.hpp"
#include "support/firehose_generator.hpp"
#include "support/tenant_generator.hpp"

namespace sito::bench {

using namespace std::chrono;
namespace k = sito::server::kafka;

void run_kafka(const bench_options& o, report& r) {
  const auto& vocab = corpus_vocabulary();
  const int partitions = static_cast<int>(o.kafka_partitions);
  std::printf("\n== kafka: nodes in one process over the in-process mock cluster, %d partitions, %zu posts per run\n",
              partitions, o.kafka_posts);
  std::printf("%8s %14s %6s %12s %14s %12s %10s\n", "topics", "delivery", "nodes", "posts/s", "posts/s/node",
              "mentions/s", "commit %");
  for (size_t n : o.topics) {
    auto tenants = generate_tenants({.topics = n, .seed = o.seed, .match_scale = o.match_scale}, vocab);
    firehose_generator gen({.seed = o.seed, .brand_rate = o.brand_rate, .median_chars = o.median_chars},
                           tenants.brand_spellings);
    std::vector<std::string> lines;
    for (const post& p : gen.take(o.kafka_posts)) lines.push_back(post_to_json(p));
    for (const auto delivery : {server::kafka_delivery::at_least_once, server::kafka_delivery::exactly_once}) {
      for (size_t nodes : o.kafka_nodes) {
        k::testing::mock_cluster cluster;
        cluster.create_topic("sito.posts", partitions);
        cluster.create_topic("sito.mentions", partitions);
        cluster.create_topic("sito.alerts", 1);
        cluster.create_topic("sito.topics", 1);
        for (const auto& t : tenants.topics) {
          const auto v = k::encode_topic_value(t);
          cluster.produce("sito.topics", 0, k::pair_key(t.tenant, t.id), std::string(v.begin(), v.end()));
        }
        for (size_t i = 0; i < lines.size(); ++i)
          cluster.produce("sito.posts", static_cast<int32_t>(i % static_cast<size_t>(partitions)), std::nullopt, lines[i]);
        cluster.flush();
        std::vector<std::unique_ptr<k::kafka_node>> group;
        for (size_t i = 0; i < nodes; ++i) {
          k::kafka_node_options no;
          no.config.brokers = cluster.bootstraps();
          no.config.group = "bench";
          no.config.node = "bench-" + std::to_string(i);
          no.config.delivery = delivery;
          no.config.batch_posts = static_cast<uint32_t>(o.batch.front());
          no.config.session_timeout_ms = 3000;
          no.config.properties["log_level"] = "3";
          no.start_timeout_ms = 60000;
          auto node = k::kafka_node::start(std::move(no));
          if (!node.ok()) {
            std::fprintf(stderr, "sito-bench kafka: %s\n", node.error().message().c_str());
            return;
          }
          group.push_back(std::move(*node));
        }
        auto total = [&](auto field) {
          uint64_t s = 0;
          for (auto& g : group) s += (g->metrics().*field).load();
          return s;
        };
        // The clock starts when the group has assigned every partition (the
        // mock's first join takes about 3 s, not a cost of matching).
        while (total(&k::kafka_node_metrics::partitions_owned) < static_cast<uint64_t>(partitions))
          std::this_thread::sleep_for(milliseconds(2));
        const uint64_t posts0 = total(&k::kafka_node_metrics::posts);
        const auto t0 = steady_clock::now();
        while (total(&k::kafka_node_metrics::posts) < lines.size()) std::this_thread::sleep_for(milliseconds(2));
        const double s = duration<double>(steady_clock::now() - t0).count();
        const double rate = double(lines.size() - posts0) / s;
        const double mentions = double(total(&k::kafka_node_metrics::mentions));
        const double commit_share =
            100.0 * double(total(&k::kafka_node_metrics::commit_us)) / double(std::max<uint64_t>(1, total(&k::kafka_node_metrics::cycle_us)));
        const char* mode = server::to_string(delivery);
        std::printf("%8zu %14s %6zu %12.0f %14.0f %12.0f %10.1f\n", n, mode, nodes, rate, rate / double(nodes),
                    mentions / s, commit_share);
        r.add("kafka", {{"topics", n},
                        {"delivery", mode},
                        {"nodes", nodes},
                        {"partitions", partitions},
                        {"posts", lines.size()},
                        {"posts_per_s", rate},
                        {"posts_per_s_per_node", rate / double(nodes)},
                        {"mentions_per_s", mentions / s},
                        {"commit_share_pct", commit_share},
                        {"transactions", total(&k::kafka_node_metrics::transactions)},
                        {"batches", total(&k::kafka_node_metrics::batches)}});
        for (auto& g : group) g->stop();
      }
    }
  }
}

}  // namespace sito::bench
