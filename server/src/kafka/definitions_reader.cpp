// The topic definitions from the compacted topics topic (definitions_reader.hpp).
#include "kafka/definitions_reader.hpp"

#include <chrono>
#include <vector>

#include "kafka/records.hpp"
#include "sito/server/json_log.hpp"

namespace sito::server::kafka {

definitions_reader::definitions_reader(const kafka_config& config, compile_options compile, scan_options scan)
    : config_(config), compile_(std::move(compile)), scan_(scan) {}

definitions_reader::~definitions_reader() { stop(); }

std::shared_ptr<const kafka_ruleset> definitions_reader::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

status definitions_reader::start(int timeout_ms) {
  rd_properties props{{"bootstrap.servers", config_.brokers},
                      {"client.id", config_.node + "-definitions"},
                      // assign() needs a group.id (librdkafka 2.0.2); this reader never joins or commits.
                      {"group.id", config_.group + "-definitions"},
                      {"enable.auto.commit", "false"},
                      {"enable.partition.eof", "false"},
                      {"isolation.level", "read_committed"}};
  for (const auto& [k, v] : config_.properties) props.emplace_back(k, v);
  SITO_ASSIGN_OR_RETURN(consumer_, make_client(RD_KAFKA_CONSUMER, props));
  rd_kafka_t* rk = consumer_.get();
  // How many partitions the topic has (1 in the usual setup) and where each ends now.
  rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, config_.topics_topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, topic, &md, timeout_ms);
  rd_kafka_topic_destroy(topic);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unavailable("kafka: cannot read the metadata of " + config_.topics_topic + ": " + rd_kafka_err2str(err));
  int partitions = 0;
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) partitions = md->topics[0].partition_cnt;
  const rd_kafka_resp_err_t topic_err = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  rd_kafka_metadata_destroy(md);
  if (partitions == 0)
    return unavailable("kafka: the topics topic " + config_.topics_topic + " is not there (" +
                       rd_kafka_err2str(topic_err) + "); create it with cleanup.policy=compact");
  std::vector<int64_t> end(static_cast<size_t>(partitions), 0);
  rd_list_ptr assignment(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    err = rd_kafka_query_watermark_offsets(rk, config_.topics_topic.c_str(), p, &lo, &hi, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return unavailable("kafka: cannot read where " + config_.topics_topic + " ends: " + rd_kafka_err2str(err));
    end[static_cast<size_t>(p)] = hi;
    rd_kafka_topic_partition_list_add(assignment.get(), config_.topics_topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  err = rd_kafka_assign(rk, assignment.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return unavailable(std::string("kafka: assign: ") + rd_kafka_err2str(err));
  // Read whole: up to the ends taken above.
  std::vector<int64_t> next(static_cast<size_t>(partitions), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto caught_up = [&] {
    for (size_t p = 0; p < end.size(); ++p)
      if (next[p] < end[p]) return false;
    return true;
  };
  while (!caught_up()) {
    if (std::chrono::steady_clock::now() > deadline)
      return unavailable("kafka: " + config_.topics_topic + " was not read to its end within " +
                         std::to_string(timeout_ms) + " ms");
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      apply(*m);
      if (m->partition >= 0 && m->partition < partitions) next[static_cast<size_t>(m->partition)] = m->offset + 1;
    }
    rd_kafka_message_destroy(m);
  }
  compile_and_swap();
  thread_ = std::thread([this] { follow(); });
  return ok_status();
}

void definitions_reader::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_.get());
    consumer_.reset();
  }
}

bool definitions_reader::apply(const rd_kafka_message_t& m) {
  ++records_read_;
  auto d = decode_topic_record({static_cast<const uint8_t*>(m.key), m.key_len}, static_cast<const uint8_t*>(m.payload),
                               m.len);
  if (!d.ok()) {
    ++records_rejected_;
    log_warning("kafka: topic definition skipped")
        .with("topic", config_.topics_topic)
        .with("partition", m.partition)
        .with("offset", m.offset)
        .with("error", d.error().message());
    return false;
  }
  auto key = std::make_pair(d->tenant, d->id);
  if (d->spec) pending_[key] = std::move(*d->spec);
  else pending_.erase(key);
  return true;
}

void definitions_reader::compile_and_swap() {
  std::vector<topic_spec> topics;
  topics.reserve(pending_.size());
  for (const auto& [key, spec] : pending_) topics.push_back(spec);
  compile_report report;
  auto snap = compile_topics(topics, compile_, &report);
  for (const auto& e : report.errors)
    log_warning("kafka: topic not compiled")
        .with("tenant", e.tenant)
        .with("topic", e.topic)
        .with("error", e.diagnostic.message);
  if (!snap.ok()) {
    log_error("kafka: the definitions did not compile; the previous ruleset stays").with("error", snap.error().message());
    return;
  }
  auto rs = std::make_shared<kafka_ruleset>();
  rs->snapshot = *snap;
  rs->scanner = std::make_shared<const batch_scanner>(*snap, scan_);
  rs->topics = pending_;
  std::lock_guard lock(mutex_);
  rs->version = current_ ? current_->version + 1 : 1;
  current_ = std::move(rs);
}

void definitions_reader::follow() {
  // What arrived goes live in one swap when the topic falls quiet, or after
  // at most 200 ms of a steady stream of changes.
  bool changed = false;
  auto first_change = std::chrono::steady_clock::now();
  while (!stopping_) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), 50);
    if (m != nullptr) {
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && apply(*m) && !changed) {
        changed = true;
        first_change = std::chrono::steady_clock::now();
      }
      rd_kafka_message_destroy(m);
    }
    if (changed && (m == nullptr || std::chrono::steady_clock::now() - first_change > std::chrono::milliseconds(200))) {
      compile_and_swap();
      changed = false;
    }
  }
}

}  // namespace sito::server::kafka
