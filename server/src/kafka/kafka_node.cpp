// sitod's Kafka node (kafka_node.hpp): the group member's loop, the two
// delivery modes, the crash drill and the node's metrics.
//
// Decisions worth knowing:
// - One loop thread does poll, match, produce and commit. The rebalance
//   callback runs inside its poll, so no transaction is ever open during a
//   rebalance; a revocation while a batch is being gathered drops the batch
//   (nothing of it was produced or committed; the new owner reads it).
// - Skipped records advance the offsets like matched ones.
// - librdkafka 2.0.2's mock cluster accepts every transactional request but
//   keeps none of the semantics (README "Scale-out"); the tests prove the
//   at_least_once path end to end and the transactional calls only run.
#include "kafka/kafka_node.hpp"

#include <chrono>
#include <sstream>

#include "sito/protocol/mention_json.hpp"
#include "kafka/kafka_config.hpp"
#include "sito/server/json_log.hpp"

namespace sito::server::kafka {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t micros_since(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count());
}

rd_list_ptr offsets_list(const std::string& topic, const std::map<int32_t, int64_t>& offsets) {
  rd_list_ptr l(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& [p, o] : offsets) rd_kafka_topic_partition_list_add(l.get(), topic.c_str(), p)->offset = o;
  return l;
}

}  // namespace

const char* to_string(group_state s) {
  switch (s) {
    case group_state::starting: return "starting";
    case group_state::joining: return "joining";
    case group_state::active: return "active";
    case group_state::rebalancing: return "rebalancing";
    case group_state::stopped: return "stopped";
    case group_state::failed: return "failed";
  }
  return "unknown";
}

kafka_node::kafka_node(kafka_node_options options)
    : options_(std::move(options)),
      definitions_(options_.config, options_.compile, scan_options{.near_duplicate_bigrams = options_.near_duplicates}),
      match_(options_.near_duplicates, options_.near_duplicate_options),
      spikes_(options_.spikes) {}

result<std::unique_ptr<kafka_node>> kafka_node::start(kafka_node_options options) {
  std::unique_ptr<kafka_node> node(new kafka_node(std::move(options)));
  SITO_RETURN_IF_ERROR(node->definitions_.start(node->options_.start_timeout_ms));
  SITO_RETURN_IF_ERROR(node->connect());
  node->state_ = group_state::joining;
  node->thread_ = std::thread([n = node.get()] { n->loop(); });
  log_info("kafka node started")
      .with("node", node->options_.config.node)
      .with("group", node->options_.config.group)
      .with("delivery", server::to_string(node->options_.config.delivery))
      .with("topics", node->ruleset()->topics.size());
  return node;
}

kafka_node::~kafka_node() { stop(); }

status kafka_node::connect() {
  const kafka_config& c = options_.config;
  const bool txn = c.delivery == kafka_delivery::exactly_once;
  rd_properties consumer_props{
      {"bootstrap.servers", c.brokers},
      {"client.id", c.node},
      {"group.id", c.group},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"isolation.level", "read_committed"},
      {"session.timeout.ms", std::to_string(c.session_timeout_ms)},
      {"heartbeat.interval.ms", std::to_string(std::max<uint32_t>(100, c.session_timeout_ms / 10))}};
  rd_properties producer_props{{"bootstrap.servers", c.brokers},
                               {"client.id", c.node},
                               {"enable.idempotence", "true"},
                               {"linger.ms", "5"}};
  if (txn) producer_props.emplace_back("transactional.id", c.group + "-" + c.node);
  for (const auto& [k, v] : c.properties) {
    consumer_props.emplace_back(k, v);
    producer_props.emplace_back(k, v);
  }
  // A property meant for the other client only is ignored with a warning by librdkafka.
  SITO_ASSIGN_OR_RETURN(consumer_, make_client(RD_KAFKA_CONSUMER, consumer_props, [this](rd_kafka_conf_t* conf) {
                          rd_kafka_conf_set_opaque(conf, this);
                          rd_kafka_conf_set_rebalance_cb(conf, &kafka_node::on_rebalance);
                        }));
  SITO_ASSIGN_OR_RETURN(producer_, make_client(RD_KAFKA_PRODUCER, producer_props, [this](rd_kafka_conf_t* conf) {
                          rd_kafka_conf_set_opaque(conf, this);
                          rd_kafka_conf_set_dr_msg_cb(conf, &kafka_node::on_delivery);
                        }));
  if (txn)
    if (rd_kafka_error_t* e = rd_kafka_init_transactions(producer_.get(), options_.start_timeout_ms))
      return unavailable("kafka: init_transactions: " + take_error(e));
  rd_kafka_poll_set_consumer(consumer_.get());
  rd_list_ptr topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), c.posts_topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unavailable("kafka: subscribe to " + c.posts_topic + ": " + rd_kafka_err2str(err));
  return ok_status();
}

void kafka_node::on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                              void* opaque) {
  auto* self = static_cast<kafka_node*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, parts);
    self->owned_.clear();
    for (int i = 0; i < parts->cnt; ++i) self->owned_.insert(parts->elems[i].partition);
    self->metrics_.partitions_owned = self->owned_.size();
    ++self->metrics_.rebalances;
    self->state_ = group_state::active;
    log_info("kafka: partitions assigned").with("node", self->options_.config.node).with("partitions", parts->cnt);
  } else {
    rd_kafka_assign(rk, nullptr);
    self->owned_.clear();
    self->revoked_ = true;
    self->metrics_.partitions_owned = 0;
    if (self->state_ == group_state::active) self->state_ = group_state::rebalancing;
    {
      std::lock_guard lock(self->lag_mutex_);
      self->lag_.clear();
    }
    self->metrics_.consumer_lag = 0;
  }
}

void kafka_node::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
  auto* self = static_cast<kafka_node*>(opaque);
  ++self->batch_delivery_errors_;
  ++self->metrics_.produce_errors;
  log_warning("kafka: a mention was not delivered")
      .with("node", self->options_.config.node)
      .with("error", rd_kafka_err2str(m->err));
}

void kafka_node::loop() {
  const kafka_config& c = options_.config;
  std::vector<input> batch;
  std::map<int32_t, int64_t> first, next;  // per partition: the batch's first offset, the offset after its last
  while (!stopping_) {
    batch.clear();
    first.clear();
    next.clear();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(c.batch_ms);
    while (batch.size() < c.batch_posts && !stopping_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), static_cast<int>(left.count()));
      if (revoked_) {
        // Nothing of the batch was produced or committed: the partitions' new owner reads it.
        revoked_ = false;
        batch.clear();
        first.clear();
        next.clear();
      }
      if (m == nullptr) continue;
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
          log_warning("kafka: consumer error").with("node", c.node).with("error", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        continue;
      }
      first.try_emplace(m->partition, m->offset);
      next[m->partition] = m->offset + 1;
      post_or_skip r = decode_post_record({static_cast<const uint8_t*>(m->payload), m->len}, c.max_record_bytes,
                                          options_.limits);
      if (r.p) {
        batch.push_back({std::move(*r.p), m->partition, m->offset});
      } else {
        ++metrics_.skipped[static_cast<size_t>(r.reason)];
        log_warning("kafka: posts record skipped")
            .with("node", c.node)
            .with("partition", m->partition)
            .with("offset", m->offset)
            .with("reason", to_string(r.reason))
            .with("error", r.message);
      }
      rd_kafka_message_destroy(m);
    }
    // On stop the batch in hand is finished (committed) before the loop ends.
    if (!next.empty() && !process(batch, first, next)) return;
    update_lag();
  }
}

status kafka_node::produce(const std::string& topic, const std::string& key, const std::string& value) {
  for (;;) {
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return ok_status();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) return unavailable(std::string("produce: ") + rd_kafka_err2str(err));
    rd_kafka_poll(producer_.get(), 10);  // a full queue drains as deliveries complete
  }
}

void kafka_node::rewind(const std::map<int32_t, int64_t>& first) {
  rd_list_ptr l = offsets_list(options_.config.posts_topic, first);
  if (rd_kafka_error_t* e = rd_kafka_seek_partitions(consumer_.get(), l.get(), 5000))
    log_warning("kafka: rewind failed").with("node", options_.config.node).with("error", take_error(e));
}

bool kafka_node::process(std::vector<input>& batch, const std::map<int32_t, int64_t>& first,
                         const std::map<int32_t, int64_t>& next) {
  const kafka_config& c = options_.config;
  const auto cycle_start = std::chrono::steady_clock::now();
  const bool txn = c.delivery == kafka_delivery::exactly_once;
  // One ruleset for the whole batch.
  const std::shared_ptr<const kafka_ruleset> rs = definitions_.current();
  std::vector<post> posts;
  std::vector<int64_t> times;
  posts.reserve(batch.size());
  for (auto& in : batch) {
    times.push_back(in.p.published_at * 1000);
    posts.push_back(std::move(in.p));
  }
  std::vector<matched_mention> mentions;
  if (!posts.empty())
    if (status st = match_.run(*rs, posts, times, mentions); !st.ok())
      log_warning("kafka: semantic tags skipped for a batch").with("node", c.node).with("error", st.message());
  const int64_t now = wall_ms();
  std::vector<std::pair<std::string, std::string>> mention_records, alert_records;
  mention_records.reserve(mentions.size());
  for (auto& mm : mentions) {
    const input& in = batch[mm.post];
    mention_record& r = mm.record;
    r.offset = static_cast<uint64_t>(in.offset);
    r.post_offset = static_cast<uint64_t>(in.offset);
    r.ingested_at_ms = now;
    r.matched_at_ms = now;
    nlohmann::json j = protocol::mention_json(r, posts[mm.post]);
    j["source"] = {{"topic", c.posts_topic}, {"partition", in.partition}, {"offset", in.offset}};
    j["node"] = c.node;
    mention_records.emplace_back(pair_key(r.tenant, r.topic),
                                 j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    for (auto& a : spikes_.record(r.tenant, r.topic, r.tags, static_cast<rules::sentiment>(r.sentiment), now))
      alert_records.emplace_back(pair_key(a.tenant, a.topic),
                                 protocol::alert_json(a, to_string(a.kind)).dump(-1, ' ', false,
                                                                                 nlohmann::json::error_handler_t::replace));
  }
  const auto commit_start = std::chrono::steady_clock::now();
  rd_list_ptr offsets = offsets_list(c.posts_topic, next);
  auto produce_all = [&]() -> status {
    for (const auto& [k, v] : mention_records) SITO_RETURN_IF_ERROR(produce(c.mentions_topic, k, v));
    for (const auto& [k, v] : alert_records) SITO_RETURN_IF_ERROR(produce(c.alerts_topic, k, v));
    return ok_status();
  };
  if (txn) {
    if (rd_kafka_error_t* e = rd_kafka_begin_transaction(producer_.get())) {
      log_error("kafka: begin_transaction").with("node", c.node).with("error", take_error(e));
      state_ = group_state::failed;
      return false;
    }
    status st = produce_all();
    if (crash_requested_) {
      rd_kafka_flush(producer_.get(), 10000);  // the mentions reach the topic, the offsets do not move
      crash_now();
      return false;
    }
    rd_kafka_error_t* e = nullptr;
    if (st.ok()) {
      rd_kafka_consumer_group_metadata_t* meta = rd_kafka_consumer_group_metadata(consumer_.get());
      e = rd_kafka_send_offsets_to_transaction(producer_.get(), offsets.get(), meta, 30000);
      rd_kafka_consumer_group_metadata_destroy(meta);
      if (e == nullptr) e = rd_kafka_commit_transaction(producer_.get(), 60000);
    }
    if (!st.ok() || e != nullptr) {
      const bool fatal = e != nullptr && rd_kafka_error_is_fatal(e);
      const std::string why = e != nullptr ? take_error(e) : st.message();
      if (fatal) {
        log_error("kafka: fatal transaction error; the node stops").with("node", c.node).with("error", why);
        state_ = group_state::failed;
        return false;
      }
      // Abortable (or a produce that failed locally): abort, read the batch again.
      if (rd_kafka_error_t* a = rd_kafka_abort_transaction(producer_.get(), 30000))
        log_warning("kafka: abort_transaction").with("node", c.node).with("error", take_error(a));
      ++metrics_.transaction_aborts;
      log_warning("kafka: transaction aborted; the batch is read again").with("node", c.node).with("error", why);
      rewind(first);
      return true;
    }
    ++metrics_.transactions;
  } else {
    batch_delivery_errors_ = 0;
    status st = produce_all();
    rd_kafka_flush(producer_.get(), 60000);
    if (crash_requested_) {
      crash_now();
      return false;
    }
    if (!st.ok() || batch_delivery_errors_ != 0 || rd_kafka_outq_len(producer_.get()) != 0) {
      if (!st.ok()) ++metrics_.produce_errors;
      log_warning("kafka: mentions not all delivered; the batch is read again").with("node", c.node);
      rewind(first);
      return true;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_commit(consumer_.get(), offsets.get(), 0);
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // The mentions are out; the next owner of these partitions repeats them.
      ++metrics_.commit_failures;
      log_warning("kafka: offset commit failed").with("node", c.node).with("error", rd_kafka_err2str(err));
    }
  }
  metrics_.commit_us += micros_since(commit_start);
  metrics_.cycle_us += micros_since(cycle_start);
  ++metrics_.batches;
  metrics_.posts += posts.size();
  metrics_.mentions += mention_records.size();
  metrics_.alerts += alert_records.size();
  return true;
}

void kafka_node::update_lag() {
  if (!consumer_ || owned_.empty()) return;
  const std::string& topic = options_.config.posts_topic;
  std::map<int32_t, int64_t> none;
  for (const int32_t p : owned_) none[p] = RD_KAFKA_OFFSET_INVALID;
  rd_list_ptr positions = offsets_list(topic, none);
  rd_kafka_position(consumer_.get(), positions.get());
  std::map<int32_t, int64_t> lag;
  int64_t total = 0;
  for (int i = 0; i < positions->cnt; ++i) {
    const auto& e = positions->elems[i];
    int64_t lo = 0, hi = 0;
    if (e.offset < 0 || rd_kafka_get_watermark_offsets(consumer_.get(), topic.c_str(), e.partition, &lo, &hi) !=
                            RD_KAFKA_RESP_ERR_NO_ERROR || hi < 0)
      continue;
    lag[e.partition] = std::max<int64_t>(0, hi - e.offset);
    total += lag[e.partition];
  }
  metrics_.consumer_lag = total;
  std::lock_guard lock(lag_mutex_);
  lag_ = std::move(lag);
}

void kafka_node::crash_now() {
  // As a killed process: no commit, no abort, no group leave. The group
  // evicts the member after session.timeout.ms and its partitions move.
  rd_kafka_destroy_flags(consumer_.release(), RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  producer_.reset();  // no abort_transaction: an open transaction stays open
  owned_.clear();
  metrics_.partitions_owned = 0;
  state_ = group_state::stopped;
  crashed_ = true;
  log_warning("kafka: crash drill: clients dropped without commit or close").with("node", options_.config.node);
}

void kafka_node::crash_before_next_commit() { crash_requested_ = true; }

void kafka_node::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (consumer_) {
    rd_kafka_consumer_close(consumer_.get());  // leaves the group: the partitions move at once
    consumer_.reset();
  }
  if (producer_) {
    rd_kafka_flush(producer_.get(), 10000);
    producer_.reset();
  }
  {
    std::lock_guard lock(admin_mutex_);
    if (admin_producer_) {
      rd_kafka_flush(admin_producer_.get(), 10000);
      admin_producer_.reset();
    }
  }
  definitions_.stop();
  if (state_ != group_state::failed) state_ = group_state::stopped;
}

status kafka_node::publish_topics(const std::string& tenant, const std::vector<topic_spec>& upserted,
                                  const std::vector<std::string>& deleted, compile_report* report) {
  if (tenant.empty()) return invalid_argument("publish_topics: empty tenant");
  std::vector<topic_spec> specs = upserted;
  for (auto& s : specs) {
    if (s.id.empty()) return invalid_argument("publish_topics: a topic without an id");
    s.tenant = tenant;
  }
  if (!specs.empty()) {
    compile_report local;
    compile_report& r = report ? *report : local;
    auto snap = compile_topics(specs, options_.compile, &r);
    if (!snap.ok()) return snap.error();
    if (!r.errors.empty())
      return invalid_argument("topic " + r.errors.front().tenant + "/" + r.errors.front().topic + ": " +
                              r.errors.front().diagnostic.message + " (nothing was written)");
  }
  std::lock_guard lock(admin_mutex_);
  if (!admin_producer_) {
    rd_properties props{{"bootstrap.servers", options_.config.brokers},
                        {"client.id", options_.config.node + "-admin"},
                        {"enable.idempotence", "true"}};
    for (const auto& [k, v] : options_.config.properties) props.emplace_back(k, v);
    SITO_ASSIGN_OR_RETURN(admin_producer_, make_client(RD_KAFKA_PRODUCER, props, [this](rd_kafka_conf_t* conf) {
                            rd_kafka_conf_set_opaque(conf, this);
                            rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* o) {
                              if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) ++static_cast<kafka_node*>(o)->admin_errors_;
                            });
                          }));
  }
  admin_errors_ = 0;
  const std::string& topic = options_.config.topics_topic;
  auto send = [&](const std::string& key, const std::vector<uint8_t>* value) -> status {
    // The RD_KAFKA_V_* macros cast their arguments unparenthesized: plain variables only.
    uint8_t* data = value ? const_cast<uint8_t*>(value->data()) : nullptr;  // null: a tombstone
    const size_t size = value ? value->size() : 0;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        admin_producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(data, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return unavailable("kafka: produce to " + topic + ": " + rd_kafka_err2str(err));
    return ok_status();
  };
  for (const auto& s : specs) {
    const std::vector<uint8_t> value = encode_topic_value(s);
    SITO_RETURN_IF_ERROR(send(pair_key(tenant, s.id), &value));
  }
  for (const auto& id : deleted) SITO_RETURN_IF_ERROR(send(pair_key(tenant, id), nullptr));
  rd_kafka_flush(admin_producer_.get(), 30000);
  if (admin_errors_ != 0 || rd_kafka_outq_len(admin_producer_.get()) != 0)
    return unavailable("kafka: " + std::to_string(admin_errors_.load()) + " topic definitions were not acknowledged by " + topic);
  return ok_status();
}

std::string kafka_node::metrics_text() const {
  std::ostringstream o;
  const auto& m = metrics_;
  const std::string node = "node=\"" + options_.config.node + "\"";  // node names: host names, no quotes
  o << "# HELP sito_kafka_partitions_owned Posts partitions this node owns.\n# TYPE sito_kafka_partitions_owned gauge\n"
    << "sito_kafka_partitions_owned{" << node << "} " << m.partitions_owned << "\n";
  o << "# HELP sito_kafka_consumer_lag Records behind the end of the owned posts partitions.\n"
    << "# TYPE sito_kafka_consumer_lag gauge\n";
  {
    std::lock_guard lock(lag_mutex_);
    for (const auto& [p, lag] : lag_) o << "sito_kafka_consumer_lag{" << node << ",partition=\"" << p << "\"} " << lag << "\n";
  }
  o << "# TYPE sito_kafka_consumer_lag_total gauge\nsito_kafka_consumer_lag_total{" << node << "} " << m.consumer_lag
    << "\n";
  o << "# TYPE sito_kafka_transactions_total counter\n"
    << "sito_kafka_transactions_total{" << node << ",outcome=\"committed\"} " << m.transactions << "\n"
    << "sito_kafka_transactions_total{" << node << ",outcome=\"aborted\"} " << m.transaction_aborts << "\n";
  o << "# TYPE sito_kafka_produce_errors_total counter\nsito_kafka_produce_errors_total{" << node << "} "
    << m.produce_errors << "\n";
  o << "# TYPE sito_kafka_commit_failures_total counter\nsito_kafka_commit_failures_total{" << node << "} "
    << m.commit_failures << "\n";
  o << "# TYPE sito_kafka_records_skipped_total counter\n";
  for (size_t r = 0; r < static_cast<size_t>(skip_reason::count_); ++r)
    o << "sito_kafka_records_skipped_total{" << node << ",reason=\"" << to_string(static_cast<skip_reason>(r)) << "\"} "
      << m.skipped[r] << "\n";
  o << "# TYPE sito_kafka_posts_total counter\nsito_kafka_posts_total{" << node << "} " << m.posts << "\n";
  o << "# TYPE sito_kafka_mentions_total counter\nsito_kafka_mentions_total{" << node << "} " << m.mentions << "\n";
  o << "# TYPE sito_kafka_alerts_total counter\nsito_kafka_alerts_total{" << node << "} " << m.alerts << "\n";
  o << "# TYPE sito_kafka_batches_total counter\nsito_kafka_batches_total{" << node << "} " << m.batches << "\n";
  o << "# TYPE sito_kafka_rebalances_total counter\nsito_kafka_rebalances_total{" << node << "} " << m.rebalances << "\n";
  o << "# TYPE sito_kafka_definitions_rejected_total counter\nsito_kafka_definitions_rejected_total{" << node << "} "
    << definitions_.records_rejected() << "\n";
  const auto rs = definitions_.current();
  o << "# TYPE sito_kafka_ruleset_version gauge\nsito_kafka_ruleset_version{" << node << "} " << (rs ? rs->version : 0)
    << "\n";
  o << "# TYPE sito_kafka_group_state gauge\n";
  for (group_state s : {group_state::starting, group_state::joining, group_state::active, group_state::rebalancing,
                        group_state::stopped, group_state::failed})
    o << "sito_kafka_group_state{" << node << ",state=\"" << to_string(s) << "\"} " << (state_ == s ? 1 : 0) << "\n";
  return o.str();
}

std::string kafka_node::health_json() const {
  const auto rs = definitions_.current();
  return nlohmann::json{{"mode", "kafka"},
                        {"node", options_.config.node},
                        {"group", options_.config.group},
                        {"state", to_string(state_.load())},
                        {"partitions", metrics_.partitions_owned.load()},
                        {"lag", metrics_.consumer_lag.load()},
                        {"ruleset_version", rs ? rs->version : 0}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace sito::server::kafka
