// The `kafka:` section of sitod's config (kafka_config.hpp).
#include "kafka/kafka_config.hpp"

#include <unistd.h>

#include "sito/base/known_keys.hpp"

namespace sito::server {
namespace {

result<std::string> text_of(const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar() || n.Scalar().empty()) return invalid_argument(what + ": expected a non-empty string");
  return n.Scalar();
}

result<uint32_t> number_of(const YAML::Node& n, const std::string& what, uint64_t lo, uint64_t hi) {
  const std::string expected = "expected a number from " + std::to_string(lo) + " to " + std::to_string(hi);
  if (!n.IsScalar()) return invalid_argument(what + ": " + expected);
  const std::string& s = n.Scalar();
  uint64_t v = 0;
  bool digits = !s.empty() && s.size() <= 10;
  for (const char ch : s) {
    if (ch < '0' || ch > '9') {
      digits = false;
      break;
    }
    v = v * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (!digits || v < lo || v > hi) return invalid_argument(what + ": " + expected + ", got '" + s + "'");
  return static_cast<uint32_t>(v);
}

/// A topic name Kafka accepts: 1..249 of [a-zA-Z0-9._-].
status check_topic_name(const std::string& name, const std::string& what) {
  if (name.size() > 249) return invalid_argument(what + ": a Kafka topic name has at most 249 characters");
  for (const char ch : name)
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
          ch == '-'))
      return invalid_argument(what + ": '" + name + "' has a character other than letters, digits, '.', '_', '-'");
  return ok_status();
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "sito-node";
  return buf;
}

}  // namespace

const char* to_string(kafka_delivery d) {
  return d == kafka_delivery::exactly_once ? "exactly_once" : "at_least_once";
}

result<kafka_config> parse_kafka_config(const YAML::Node& n, const std::string& origin) {
  const std::string at = origin + ": kafka";
  if (!n.IsMap()) return invalid_argument(at + ": expected a map with at least brokers: host:port,...");
  SITO_RETURN_IF_ERROR(check_known_keys(n,
                                        {"brokers", "group", "node", "posts_topic", "mentions_topic", "alerts_topic",
                                         "topics_topic", "delivery", "batch_posts", "batch_ms", "session_timeout_ms",
                                         "max_record_bytes", "properties"},
                                        origin, "kafka"));
  kafka_config c;
  if (!n["brokers"]) return invalid_argument(at + ".brokers: required (bootstrap servers, host:port,...)");
  SITO_ASSIGN_OR_RETURN(c.brokers, text_of(n["brokers"], at + ".brokers"));
  if (n["group"]) { SITO_ASSIGN_OR_RETURN(c.group, text_of(n["group"], at + ".group")); }
  if (n["node"]) { SITO_ASSIGN_OR_RETURN(c.node, text_of(n["node"], at + ".node")); }
  if (c.node.empty()) c.node = host_name();
  // The names become client ids, a transactional.id and metric labels.
  SITO_RETURN_IF_ERROR(check_topic_name(c.group, at + ".group"));
  SITO_RETURN_IF_ERROR(check_topic_name(c.node, at + ".node"));
  struct topic_key {
    const char* key;
    std::string* value;
  };
  for (const auto& [key, value] : {topic_key{"posts_topic", &c.posts_topic}, topic_key{"mentions_topic", &c.mentions_topic},
                                   topic_key{"alerts_topic", &c.alerts_topic}, topic_key{"topics_topic", &c.topics_topic}}) {
    if (!n[key]) continue;
    SITO_ASSIGN_OR_RETURN(*value, text_of(n[key], at + "." + key));
    SITO_RETURN_IF_ERROR(check_topic_name(*value, at + "." + key));
  }
  if (c.posts_topic == c.mentions_topic || c.posts_topic == c.topics_topic || c.mentions_topic == c.topics_topic ||
      c.alerts_topic == c.posts_topic || c.alerts_topic == c.topics_topic)
    return invalid_argument(at + ": posts_topic, mentions_topic and topics_topic must differ, and alerts_topic "
                                 "may not be the posts or the topics topic");
  if (const YAML::Node d = n["delivery"]) {
    const std::string v = d.IsScalar() ? d.Scalar() : std::string();
    if (v == "exactly_once") c.delivery = kafka_delivery::exactly_once;
    else if (v == "at_least_once") c.delivery = kafka_delivery::at_least_once;
    else return invalid_argument(at + ".delivery: expected exactly_once or at_least_once, got '" + v + "'");
  }
  if (n["batch_posts"]) { SITO_ASSIGN_OR_RETURN(c.batch_posts, number_of(n["batch_posts"], at + ".batch_posts", 1, 100000)); }
  if (n["batch_ms"]) { SITO_ASSIGN_OR_RETURN(c.batch_ms, number_of(n["batch_ms"], at + ".batch_ms", 1, 60000)); }
  if (n["session_timeout_ms"]) { SITO_ASSIGN_OR_RETURN(c.session_timeout_ms,
                          number_of(n["session_timeout_ms"], at + ".session_timeout_ms", 3000, 3600000)); }
  if (n["max_record_bytes"]) { SITO_ASSIGN_OR_RETURN(c.max_record_bytes, number_of(n["max_record_bytes"], at + ".max_record_bytes", 64, 1u << 30)); }
  if (const YAML::Node p = n["properties"]) {
    if (!p.IsMap()) return invalid_argument(at + ".properties: expected a map of librdkafka properties");
    for (auto it = p.begin(); it != p.end(); ++it) {
      if (!it->first.IsScalar() || !it->second.IsScalar())
        return invalid_argument(at + ".properties: expected name: value pairs of text");
      c.properties[it->first.Scalar()] = it->second.Scalar();
    }
  }
  return c;
}

}  // namespace sito::server
