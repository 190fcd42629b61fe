// libFuzzer: sitod's config reader (server/include/sito/server/config.hpp).
// Any bytes give a config or an error that starts with the file's name, so
// an operator always learns which file is broken; never a crash, an
// exception or a hang. A config that parses names its listeners with ports
// and every token with a 64-digit digest and a role. Seeds:
// tests/fuzz/corpus/config (ops/sample/sitod.yaml and variants).
#include <cstdint>
#include <string>

#include "sito/server/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto c = sito::server::parse_config(text, "fuzz.yaml");
  if (!c.ok()) {
    if (c.error().message().rfind("fuzz.yaml:", 0) != 0) __builtin_trap();  // errors name the file
    return 0;
  }
  for (const auto& t : c->tenants) {
    if (t.name.empty()) __builtin_trap();  // a tenant without a name is an error
    for (const auto& tok : t.tokens)
      if (tok.sha256_hex.size() != 64) __builtin_trap();
  }
  return 0;
}
