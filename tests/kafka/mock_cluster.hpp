// Test support: librdkafka's in-process mock cluster (test.mock.num.brokers
// style, made explicitly so that several clients share it) with helpers to
// create topics, produce records, read a topic whole and read a group's
// committed offsets. The brokers listen on loopback; every client in the
// process reaches them through bootstraps().
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kafka/rd_client.hpp"

namespace sito::server::kafka::testing {

struct record {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;  ///< nullopt: a tombstone
};

class mock_cluster {
 public:
  explicit mock_cluster(int brokers = 3) {
    auto owner = make_client(RD_KAFKA_PRODUCER, {{"log_level", "3"}});
    if (!owner.ok()) throw std::runtime_error(owner.error().message());
    owner_ = std::move(*owner);
    cluster_ = rd_kafka_mock_cluster_new(owner_.get(), brokers);
    if (cluster_ == nullptr) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
    auto p = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstraps_}, {"linger.ms", "1"}});
    if (!p.ok()) throw std::runtime_error(p.error().message());
    producer_ = std::move(*p);
  }
  ~mock_cluster() {
    producer_.reset();
    rd_kafka_mock_cluster_destroy(cluster_);
    owner_.reset();
  }
  mock_cluster(const mock_cluster&) = delete;
  mock_cluster& operator=(const mock_cluster&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  rd_kafka_mock_cluster_t* handle() { return cluster_; }

  void create_topic(const std::string& name, int partitions) {
    if (rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 3) != RD_KAFKA_RESP_ERR_NO_ERROR)
      throw std::runtime_error("mock topic " + name);
  }

  /// Produces one record (value null: a tombstone); partition -1: by key.
  void produce(const std::string& topic, int32_t partition, const std::optional<std::string>& key,
               const std::optional<std::string>& value) {
    // The RD_KAFKA_V_* macros cast their arguments unparenthesized: plain variables only.
    const int32_t part = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
    const char* key_data = key ? key->data() : nullptr;
    const size_t key_size = key ? key->size() : 0;
    char* value_data = value ? const_cast<char*>(value->data()) : nullptr;
    const size_t value_size = value ? value->size() : 0;
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(part),
        RD_KAFKA_V_KEY(key_data, key_size), RD_KAFKA_V_VALUE(value_data, value_size),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(std::string("produce: ") + rd_kafka_err2str(err));
  }
  void flush() {
    if (rd_kafka_flush(producer_.get(), 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("flush");
  }

  /// Every record of `topic` from the beginning to its end as of the call.
  std::vector<record> read_all(const std::string& topic, int partitions) {
    // librdkafka 2.0.2 refuses assign() without a group.id; this reader never joins or commits.
    auto c = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstraps_}, {"group.id", "test-reader"},
                                             {"enable.partition.eof", "false"}, {"log_level", "3"}});
    if (!c.ok()) throw std::runtime_error(c.error().message());
    std::vector<int64_t> end(static_cast<size_t>(partitions)), next(static_cast<size_t>(partitions), 0);
    rd_list_ptr l(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
      int64_t lo = 0;
      rd_kafka_query_watermark_offsets(c->get(), topic.c_str(), p, &lo, &end[static_cast<size_t>(p)], 5000);
      rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(c->get(), l.get());
    std::vector<record> out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto done = [&] {
      for (size_t p = 0; p < end.size(); ++p)
        if (next[p] < end[p]) return false;
      return true;
    };
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c->get(), 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        record r;
        r.partition = m->partition;
        r.offset = m->offset;
        if (m->key) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) r.value.emplace(static_cast<const char*>(m->payload), m->len);
        out.push_back(std::move(r));
        next[static_cast<size_t>(m->partition)] = m->offset + 1;
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c->get());
    return out;
  }

  /// End offsets of `topic`'s partitions.
  std::vector<int64_t> ends(const std::string& topic, int partitions) {
    std::vector<int64_t> out;
    for (int p = 0; p < partitions; ++p) {
      int64_t lo = 0, hi = 0;
      rd_kafka_query_watermark_offsets(producer_.get(), topic.c_str(), p, &lo, &hi, 5000);
      out.push_back(hi);
    }
    return out;
  }

  /// The offsets `group` committed for `topic`'s partitions (-1001: none).
  std::vector<int64_t> committed(const std::string& group, const std::string& topic, int partitions) {
    auto c = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstraps_}, {"group.id", group}, {"log_level", "3"}});
    if (!c.ok()) throw std::runtime_error(c.error().message());
    rd_list_ptr l(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), p);
    rd_kafka_committed(c->get(), l.get(), 5000);
    std::vector<int64_t> out;
    for (int i = 0; i < l->cnt; ++i) out.push_back(l->elems[i].offset);
    rd_kafka_consumer_close(c->get());
    return out;
  }

 private:
  rd_kafka_ptr owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  std::string bootstraps_;
  rd_kafka_ptr producer_;
};

/// Polls `pred` every 50 ms until it holds or `timeout` passes; its last answer.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace sito::server::kafka::testing
