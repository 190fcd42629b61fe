// File: kafka/mention_dedup.hpp
//
// The reader's half of at_least_once delivery (kafka_config.hpp): a node
// that crashes after producing a batch's mentions and before committing its
// offsets leaves those mentions on the mentions topic, and the partitions'
// next owner produces them again. A reader keeps each (tenant, topic, post
// id) once:
//
//   kafka::mention_dedup seen;  // the last million keys
//   for (each record of the mentions topic)
//     if (seen.first_of_json(value)) deliver(value);
//
// With exactly_once on real brokers and isolation.level=read_committed no
// repeats reach the reader, and the filter passes everything through.
// Memory: about 100 bytes per key held. Not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace sito::server::kafka {

class mention_dedup {
 public:
  /// Holds the last `capacity` keys; a repeat older than that passes again.
  explicit mention_dedup(size_t capacity = 1'000'000) : capacity_(capacity) {}

  /// True the first time the key is seen (and remembers it).
  bool first(std::string_view tenant, std::string_view topic, std::string_view post_id) {
    std::string key;
    key.reserve(tenant.size() + topic.size() + post_id.size() + 2);
    key.append(tenant).push_back('\x1f');
    key.append(topic).push_back('\x1f');
    key.append(post_id);
    if (!seen_.insert(key).second) return false;
    order_.push_back(std::move(key));
    if (order_.size() > capacity_) {
      seen_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

  /// The same for a mention record's JSON value (records.hpp). A value that
  /// is not a mention passes (true): a filter never hides what it cannot read.
  bool first_of_json(std::string_view value) {
    const auto j = nlohmann::json::parse(value, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return true;
    const auto s = [&](const char* k) -> std::string {
      const auto it = j.find(k);
      return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    return first(s("tenant"), s("topic"), s("post_id"));
  }

  size_t size() const { return order_.size(); }

 private:
  size_t capacity_;
  std::unordered_set<std::string> seen_;
  std::deque<std::string> order_;
};

}  // namespace sito::server::kafka
