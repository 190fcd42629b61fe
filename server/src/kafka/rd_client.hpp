// Private: librdkafka handles as RAII values, and their configuration with
// errors that name the property (kafka_node, definitions_reader, the tests).
#pragma once

#include <librdkafka/rdkafka.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sito/base/status.hpp"

namespace sito::server::kafka {

struct rd_kafka_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
/// A client handle; destroying it destroys the client (a consumer leaves its
/// group first unless it was closed). kafka_node::abandon releases it
/// without a close to play a crash.
using rd_kafka_ptr = std::unique_ptr<rd_kafka_t, rd_kafka_deleter>;

struct rd_list_deleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using rd_list_ptr = std::unique_ptr<rd_kafka_topic_partition_list_t, rd_list_deleter>;

using rd_properties = std::vector<std::pair<std::string, std::string>>;

/// A client of `type` with `properties` set in order (a later one wins);
/// `customize` may add callbacks and an opaque. Errors name the property.
result<rd_kafka_ptr> make_client(rd_kafka_type_t type, const rd_properties& properties,
                                 const std::function<void(rd_kafka_conf_t*)>& customize = nullptr);

/// An rd_kafka_error_t's text, and the error destroyed.
std::string take_error(rd_kafka_error_t* e);

}  // namespace sito::server::kafka
