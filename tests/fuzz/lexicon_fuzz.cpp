// libFuzzer: the sentiment lexicon parser and what the compiler does with a
// tenant's lexicon. Any bytes give a lexicon or an error naming the line; a
// parsed lexicon compiles (bad entries reported, not fatal) and scans.
#include <cstdint>
#include <string_view>

#include "sito/compile/compiler.hpp"
#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/scan/batch_scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto lex = sito::rules::parse_lexicon(text, "fuzz");
  if (!lex.ok()) {
    if (lex.error().message().rfind("fuzz:", 0) != 0) __builtin_trap();  // errors name the origin and line
    return 0;
  }
  if (lex->entries.size() > 64) return 0;  // keep each run fast
  sito::compile_options options;
  options.tenant_lexicons["t"] = *lex;
  std::vector<sito::topic_spec> topics = {{"t", "a", "", "", {"c"}, {}}};
  topics[0].rules = {{"r", "sentiment:negative", {{"Neg"}}}};
  sito::compile_report report;
  auto snap = sito::compile_topics(topics, options, &report);
  if (!snap.ok()) return 0;
  sito::batch_scanner scanner(*snap);
  sito::post p;
  p.id = "p";
  p.channel = "c";
  p.text = "не очень хорошо, но в целом отлично 😍 жақсы емес #реклама erid";
  for (const auto& e : lex->entries) p.text += " " + e.term;  // every entry occurs
  sito::scan_output out;
  scanner.scan_serial(std::span<const sito::post>(&p, 1), out);
  return 0;
}
