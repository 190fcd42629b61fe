// libFuzzer: the topics file reader (YAML and JSON; unknown keys, tags,
// rules). Any bytes give topics or an error that starts with the file's name;
// never a crash, an exception or a hang. Seeds: tests/fuzz/corpus/topics_file.
#include <cstdint>
#include <string>

#include "sito/model/topic.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto file = sito::parse_tenant_file(text, "fuzz.yaml");
  if (!file.ok()) {
    if (file.error().message().rfind("fuzz.yaml:", 0) != 0) __builtin_trap();  // errors name the file
    return 0;
  }
  for (const auto& t : file->topics)
    if (t.id.empty()) __builtin_trap();  // a topic without an id is an error, never a topic
  return 0;
}
