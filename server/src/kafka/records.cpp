// sito's records on Kafka (records.hpp): posts in, topic definitions, keys.
#include "kafka/records.hpp"

#include <flatbuffers/flatbuffers.h>
#include <nlohmann/json.hpp>

#include "sito/protocol/wire_convert.hpp"

namespace sito::server::kafka {

const char* to_string(skip_reason r) {
  switch (r) {
    case skip_reason::empty: return "empty";
    case skip_reason::too_large: return "too_large";
    case skip_reason::bad_json: return "bad_json";
    case skip_reason::invalid: return "invalid";
    case skip_reason::count_: break;
  }
  return "unknown";
}

post_or_skip decode_post_record(std::span<const uint8_t> value, size_t max_record_bytes, const post_limits& limits) {
  post_or_skip out;
  const std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.reason = skip_reason::empty;
    out.message = "the record has no value";
    return out;
  }
  if (value.size() > max_record_bytes) {
    out.reason = skip_reason::too_large;
    out.message = "the record has " + std::to_string(value.size()) + " bytes, over kafka.max_record_bytes " +
                  std::to_string(max_record_bytes);
    return out;
  }
  auto p = post_from_json(text);
  if (!p.ok()) {
    out.reason = skip_reason::bad_json;
    out.message = p.error().message();
    return out;
  }
  if (status st = validate_post(*p, limits); !st.ok()) {
    out.reason = skip_reason::invalid;
    out.message = st.message();
    return out;
  }
  out.p = std::move(*p);
  return out;
}

std::string pair_key(std::string_view a, std::string_view b) {
  return nlohmann::json::array({a, b}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

result<std::pair<std::string, std::string>> parse_pair_key(std::span<const uint8_t> key) {
  const auto j = nlohmann::json::parse(key.begin(), key.end(), nullptr, false);
  if (j.is_discarded() || !j.is_array() || j.size() != 2 || !j[0].is_string() || !j[1].is_string() ||
      j[0].get_ref<const std::string&>().empty() || j[1].get_ref<const std::string&>().empty())
    return invalid_argument("the key is not [\"tenant\",\"id\"] with two non-empty strings");
  return std::pair<std::string, std::string>(j[0].get<std::string>(), j[1].get<std::string>());
}

std::vector<uint8_t> encode_topic_value(const topic_spec& spec) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(protocol::topic_to_wire(b, spec));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

result<topic_definition> decode_topic_record(std::span<const uint8_t> key, const uint8_t* value, size_t value_len) {
  SITO_ASSIGN_OR_RETURN(auto names, parse_pair_key(key));
  topic_definition d;
  d.tenant = std::move(names.first);
  d.id = std::move(names.second);
  if (value == nullptr) return d;  // a tombstone: deleted
  flatbuffers::Verifier v(value, value_len);
  if (!v.VerifyBuffer<sito::wire::Topic>(nullptr))
    return invalid_argument("topic " + d.tenant + "/" + d.id + ": the value is not a wire Topic");
  const auto* t = flatbuffers::GetRoot<sito::wire::Topic>(value);
  topic_spec spec = protocol::topic_from_wire(*t, d.tenant);
  if (spec.id != d.id)
    return invalid_argument("topic " + d.tenant + "/" + d.id + ": the value's id is '" + spec.id + "'");
  d.spec = std::move(spec);
  return d;
}

}  // namespace sito::server::kafka
