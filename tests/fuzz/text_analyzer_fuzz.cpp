// libFuzzer: the text analyzer on arbitrary bytes. Invalid UTF-8 must be an
// error, never a crash; on valid input every token must point inside both
// the folded text and the original bytes, in order, with the hash of its
// key; and every implementation (analyzer_implementation) must give the
// same output, byte for byte, token for token.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"
#include "sito/text/token_hash.hpp"

namespace {
bool same_tokens(const sito::text::token& a, const sito::text::token& b) {
  return a.fold_begin == b.fold_begin && a.fold_end == b.fold_end && a.orig_begin == b.orig_begin &&
         a.orig_end == b.orig_end && a.position == b.position && a.is_emoji == b.is_emoji && a.has_tag == b.has_tag &&
         a.tag_fold_begin == b.tag_fold_begin && a.tag_fold_end == b.tag_fold_end &&
         a.tag_orig_begin == b.tag_orig_begin && a.tag_orig_end == b.tag_orig_end && a.hash == b.hash &&
         a.tag_hash == b.tag_hash;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sito::text::analyzer analyzer(sito::text::analyzer_implementation::fast);
  static sito::text::analyzer general(sito::text::analyzer_implementation::general);
  // Fast where the CPU lacks them.
  static sito::text::analyzer simd(sito::text::analyzer_implementation::avx2);
  static sito::text::analyzer wide(sito::text::analyzer_implementation::avx512);
  sito::text::analyzed_text out, ref, no_map, simd_out, wide_out;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const sito::status st = analyzer.analyze(input, out, /*with_byte_map=*/true);
  const sito::status gst = general.analyze(input, ref, /*with_byte_map=*/true);
  if (st.ok() != gst.ok() || st.message() != gst.message()) std::abort();
  if (!st.ok()) return 0;
  if (out.folded != ref.folded || out.orig_begin_of != ref.orig_begin_of || out.orig_end_of != ref.orig_end_of ||
      out.tokens.size() != ref.tokens.size())
    std::abort();
  for (size_t k = 0; k < out.tokens.size(); ++k)
    if (!same_tokens(out.tokens[k], ref.tokens[k])) std::abort();
  // Without the byte map: the same tokens, in every implementation.
  if (!analyzer.analyze(input, no_map).ok() || no_map.folded != out.folded || no_map.tokens.size() != out.tokens.size())
    std::abort();
  if (!simd.analyze(input, simd_out).ok() || simd_out.folded != out.folded || simd_out.tokens.size() != out.tokens.size())
    std::abort();
  if (!wide.analyze(input, wide_out).ok() || wide_out.folded != out.folded || wide_out.tokens.size() != out.tokens.size())
    std::abort();
  for (size_t k = 0; k < out.tokens.size(); ++k)
    if (!same_tokens(simd_out.tokens[k], out.tokens[k]) || !same_tokens(no_map.tokens[k], out.tokens[k]) ||
        !same_tokens(wide_out.tokens[k], out.tokens[k]))
      std::abort();
  uint32_t position = 0;
  for (const auto& t : out.tokens) {
    if (t.fold_begin >= t.fold_end || t.fold_end > out.folded.size()) std::abort();
    if (t.orig_end > size || t.orig_begin > t.orig_end) std::abort();
    if (t.position != position++) std::abort();
    if (sito::text::fold(sito::text::unfold(out.key(t))) != out.key(t)) std::abort();
    if (t.hash != sito::text::token_hash(out.key(t))) std::abort();
    if (t.has_tag && t.tag_hash != sito::text::token_hash(out.tag_key(t))) std::abort();
  }
  if (out.orig_begin_of.size() != out.folded.size()) std::abort();
  // The fast path and the general path must agree with plain normalization.
  if (out.folded != sito::text::fold(sito::text::normalize(input))) std::abort();
  return 0;
}
