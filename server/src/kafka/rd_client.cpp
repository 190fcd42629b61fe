// librdkafka handles (rd_client.hpp).
#include "kafka/rd_client.hpp"

namespace sito::server::kafka {

result<rd_kafka_ptr> make_client(rd_kafka_type_t type, const rd_properties& properties,
                                 const std::function<void(rd_kafka_conf_t*)>& customize) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return invalid_argument("kafka property " + name + ": " + err);
    }
  }
  if (customize) customize(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return invalid_argument(std::string("kafka client: ") + err);
  }
  return rd_kafka_ptr(rk);
}

std::string take_error(rd_kafka_error_t* e) {
  if (e == nullptr) return {};
  std::string s = rd_kafka_error_string(e);
  rd_kafka_error_destroy(e);
  return s;
}

}  // namespace sito::server::kafka
