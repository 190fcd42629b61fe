// Private: reads sitod's `kafka:` section (sito/server/kafka_config.hpp) from
// the config's YAML; config.cpp calls it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "sito/base/status.hpp"
#include "sito/server/kafka_config.hpp"

namespace sito::server {

/// The section `n` (a map) as a kafka_config; `origin` names the file in
/// errors, which also name the key: "sitod.yaml: kafka.batch_posts: expected
/// a number from 1 to 100000, got 'lots'". `brokers` is required; an unknown
/// key is an error (a typo must not silently change the delivery).
result<kafka_config> parse_kafka_config(const YAML::Node& n, const std::string& origin);

/// "exactly_once" / "at_least_once".
const char* to_string(kafka_delivery d);

}  // namespace sito::server
