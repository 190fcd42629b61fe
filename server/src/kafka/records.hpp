// Private: what sito's records on Kafka look like (README "Scale-out").
//
//   posts topic     value: one post as a JSON line of `sito match` (post_from_json);
//                   the key is not read (producers should key by source or post id).
//   mentions topic  key:   ["tenant","topic"] (JSON);  value: the mention's JSON
//                   (sito/protocol/mention_json.hpp) plus "source": {"partition", "offset"}
//                   of the post's record and "node", the node that matched it.
//   alerts topic    key:   ["tenant","topic"];  value: alert_json (spikes, campaigns).
//   topics topic    key:   ["tenant","id"];  value: a wire `Topic` FlatBuffer
//                   (schemas/sito.fbs), or null (a tombstone) to delete the topic.
//                   Compacted: the last record per key is the definition in force.
//
// Pure functions, any thread. Every decoder takes untrusted bytes and answers
// with a reason, never a crash (tests/fuzz/kafka_records_fuzz.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"

namespace sito::server::kafka {

/// Why a posts record was skipped (sito_kafka_records_skipped_total{reason}).
enum class skip_reason {
  empty,       ///< no value (or only white space)
  too_large,   ///< over kafka.max_record_bytes
  bad_json,    ///< not a JSON object post_from_json reads
  invalid,     ///< a post validate_post refuses (limits, empty id, ...)
  count_,
};
const char* to_string(skip_reason r);

/// A posts record's value decoded, or why it is skipped (with the decoder's message).
struct post_or_skip {
  std::optional<post> p;
  skip_reason reason = skip_reason::empty;
  std::string message;
};
post_or_skip decode_post_record(std::span<const uint8_t> value, size_t max_record_bytes, const post_limits& limits);

/// ["a","b"] as compact JSON: the key of mentions, alerts and topic definitions.
std::string pair_key(std::string_view a, std::string_view b);
/// The two strings of a pair_key, or an error saying what is wrong.
result<std::pair<std::string, std::string>> parse_pair_key(std::span<const uint8_t> key);

/// One record of the topics topic: a definition, or a deletion (tombstone).
struct topic_definition {
  std::string tenant;
  std::string id;
  std::optional<topic_spec> spec;  ///< nullopt: deleted
};
/// The value of an upsert (a finished wire Topic buffer).
std::vector<uint8_t> encode_topic_value(const topic_spec& spec);
/// A record of the topics topic; `value` null means a tombstone. Fails on a
/// key that is no ["tenant","id"], a value that is no verified Topic, or a
/// Topic whose id is not the key's.
result<topic_definition> decode_topic_record(std::span<const uint8_t> key, const uint8_t* value, size_t value_len);

}  // namespace sito::server::kafka
