// libFuzzer: the text analyzer on arbitrary bytes. Invalid UTF-8 must be an
// error, never a crash; on valid input every token must point inside both
// the folded text and the original bytes, in order.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sito::text::analyzer analyzer;
  sito::text::analyzed_text out;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!analyzer.analyze(input, out, /*with_byte_map=*/true).ok()) return 0;
  uint32_t position = 0;
  for (const auto& t : out.tokens) {
    if (t.fold_begin >= t.fold_end || t.fold_end > out.folded.size()) std::abort();
    if (t.orig_end > size || t.orig_begin > t.orig_end) std::abort();
    if (t.position != position++) std::abort();
    if (sito::text::fold(sito::text::unfold(out.key(t))) != out.key(t)) std::abort();
  }
  if (out.orig_begin_of.size() != out.folded.size()) std::abort();
  // The fast path and the general path must agree with plain normalization.
  if (out.folded != sito::text::fold(sito::text::normalize(input))) std::abort();
  return 0;
}
