// libFuzzer target for sito::query::parse.
//
// Checks, for every input: parse() returns without crashing; a result with a
// root has no errors and one without has at least one; every diagnostic lies
// inside the source; and for every tree parse() accepts, parse(print(root))
// is the same tree and printing is a fixed point. Aborts on any mismatch.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view source, const std::string& printed) {
  std::fprintf(stderr, "%s\nsource:  %.*s\nprinted: %s\n", what, int(source.size()), source.data(),
               printed.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sito::query;
  // The first byte picks allow_without_positive, so both modes get fuzzed.
  bool allow = size > 0 && (data[0] & 1);
  std::string_view source(reinterpret_cast<const char*>(data), size);
  parse_result r = parse(source, allow);

  bool has_error = false;
  for (const diagnostic& d : r.diagnostics) {
    if (d.level == severity::error) has_error = true;
    if (d.offset > source.size() || d.line == 0 || d.column == 0 || d.message.empty()) {
      fail("diagnostic out of range", source, "");
    }
  }
  if (r.ok() == has_error) fail("ok() disagrees with the errors", source, "");
  if (!r.ok()) {
    if (!r.diagnostics.empty()) (void)format_with_caret(source, r.diagnostics.front());
    return 0;
  }

  std::string printed = print(*r.root);
  parse_result again = parse(printed, allow);
  if (!again.ok()) fail("printed query does not parse", source, printed);
  if (!same_tree(*r.root, *again.root)) fail("printed query parses to a different tree", source, printed);
  if (print(*again.root) != printed) fail("print is not a fixed point", source, printed);
  return 0;
}
