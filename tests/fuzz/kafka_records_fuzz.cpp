// libFuzzer: the Kafka records a node reads from untrusted topics
// (server/src/kafka/records.hpp, mention_dedup.hpp). The first byte splits
// the input into a key and a value. Any bytes give a decoded record or a
// reason; never a crash, an exception or a hang. A topic definition that
// decodes has the key's tenant and id; a skipped post has a message. Seeds:
// tests/fuzz/corpus/kafka_records.
#include <cstdint>
#include <string>

#include "kafka/mention_dedup.hpp"
#include "kafka/records.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 256 * 1024) return 0;
  const size_t split = std::min<size_t>(data[0], size - 1);
  std::span<const uint8_t> key(data + 1, split);
  std::span<const uint8_t> value(data + 1 + split, size - 1 - split);
  using namespace sito::server::kafka;
  auto d = decode_topic_record(key, value.empty() ? nullptr : value.data(), value.size());
  if (d.ok()) {
    if (d->tenant.empty() || d->id.empty()) __builtin_trap();
    if (d->spec && (d->spec->id != d->id || d->spec->tenant != d->tenant)) __builtin_trap();
  }
  auto p = decode_post_record(value, 64 * 1024, {});
  if (!p.p && p.message.empty()) __builtin_trap();
  mention_dedup seen(4);
  const std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
  const bool first = seen.first_of_json(text);
  (void)first;
  return 0;
}
