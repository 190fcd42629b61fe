// File: sito/text/analyzed_text.hpp
//
// Normalization and tokenization of one text field (DESIGN §3):
//
//   * NFKC, then Unicode lower-casing (simple per-code-point mapping), then
//     ё→е; variation selectors U+FE0E/U+FE0F are dropped. Kazakh letters stay.
//   * A token is a run of letters, combining marks and digits (L, M, Nd);
//     everything else separates (so `интернет-магазин` and `don't` yield
//     adjacent tokens). Positions count from 0 within the field.
//   * An emoji — a grapheme cluster of an Extended_Pictographic code point
//     with its modifiers, ZWJ sequences and tag characters, or a pair of
//     regional indicators (a flag) — is a token of its own.
//   * `#` or `@` directly before a token starts a hashtag/mention whose body
//     runs over letters, digits and `_`; the body splits into word tokens as
//     usual and the first of them also carries the whole tag (`#flowwow_ru`).
//
// Each token carries token_hash() of its key (and of its #tag key), computed
// as the token closes, so the term index never hashes the bytes again.
//
// Output is the folded text (fold.hpp) of the whole normalized field plus
// tokens that point both into it and into the original bytes, so every
// match maps back to a byte range of what the vendor sent.
//
// Invalid UTF-8 is rejected, never repaired: analyze() returns an error
// naming the byte offset, and the post is reported as not scanned.
//
// Thread-safety: analyzer is NOT safe for concurrent use (it owns scratch);
// give each thread its own. The tables behind it are shared and immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"

namespace sito::text {

struct token {
  uint32_t fold_begin = 0;  ///< the token's key: folded[fold_begin, fold_end)
  uint32_t fold_end = 0;
  uint32_t orig_begin = 0;  ///< the token's bytes in the original field text
  uint32_t orig_end = 0;
  uint32_t position = 0;    ///< ordinal within the field, from 0
  bool is_emoji = false;    ///< an emoji cluster token
  bool has_tag = false;     ///< this token also carries a whole #tag / @mention
  uint32_t tag_fold_begin = 0;  ///< the tag key (with its sigil) in folded text
  uint32_t tag_fold_end = 0;
  uint32_t tag_orig_begin = 0;  ///< the tag's bytes in the original text
  uint32_t tag_orig_end = 0;
  uint64_t hash = 0;      ///< token_hash() of the key (token_hash.hpp)
  uint64_t tag_hash = 0;  ///< token_hash() of the tag key, when has_tag
};

struct analyzed_text {
  std::string folded;          ///< the whole normalized field, folded
  std::vector<token> tokens;   ///< in text order
  /// For each folded byte, the original byte range of the code point it came
  /// from; filled only when requested (contains: highlights need it).
  std::vector<uint32_t> orig_begin_of;
  std::vector<uint32_t> orig_end_of;

  std::string_view key(const token& t) const {
    return std::string_view(folded).substr(t.fold_begin, t.fold_end - t.fold_begin);
  }
  std::string_view tag_key(const token& t) const {
    return std::string_view(folded).substr(t.tag_fold_begin, t.tag_fold_end - t.tag_fold_begin);
  }
  void clear() {
    folded.clear();
    tokens.clear();
    orig_begin_of.clear();
    orig_end_of.clear();
  }
};

/// The analyzer's implementations, which give identical output for any
/// bytes (the analyzer fuzz target asserts it); the suite runs once per
/// implementation (SITO_FORCE_IMPLEMENTATION, as simdjson's).
enum class analyzer_implementation : uint8_t {
  fast,     ///< table-driven one-pass scalar loop; one blank-delimited stretch at a
            ///< time goes through the general path when it needs ICU (always built)
  avx2,     ///< fast, with 32-byte blocks of ASCII and Cyrillic letters and separators
            ///< folded and tokenized in SIMD (text/simd_blocks.hpp)
            ///< (the default where the CPU has AVX2 but not AVX-512)
  general,  ///< every code point through the general, ICU-backed path
  avx512,   ///< avx2's blocks 64 bytes wide, compacted with vpcompressb
            ///< (AVX-512 BW and VBMI2; the default where the CPU has them)
};

inline constexpr analyzer_implementation all_analyzer_implementations[] = {
    analyzer_implementation::fast, analyzer_implementation::avx2, analyzer_implementation::general,
    analyzer_implementation::avx512};

/// "fast", "avx2", "avx512" or "general".
const char* to_string(analyzer_implementation impl);

/// Whether `impl` can run on this CPU (general and fast always can). An
/// analyzer asked for one that cannot runs `fast`.
bool supported_by_runtime_system(analyzer_implementation impl);

/// The implementation new analyzers use: SITO_FORCE_IMPLEMENTATION ("fast",
/// "avx2", "avx512" or "general") when set to a supported one, else the best
/// supported.
analyzer_implementation default_analyzer_implementation();

class analyzer {
 public:
  analyzer();
  explicit analyzer(analyzer_implementation impl);

  analyzer_implementation implementation() const { return impl_; }

  /// Normalizes and tokenizes `utf8` into `out` (cleared first). With
  /// `with_byte_map`, also fills out.orig_begin_of/orig_end_of.
  /// Errors: invalid_argument "invalid UTF-8 at byte N".
  status analyze(std::string_view utf8, analyzed_text& out, bool with_byte_map = false);

 private:
  /// The general path over bytes [start, end) of `utf8`: every segment
  /// through the tables or ICU, units, then tokens from position
  /// `next_position`, which it advances. Appends to `out`. The fast path
  /// calls it for one blank-delimited stretch at a time (a hashtag, an
  /// emoji, a combining sequence, another script), never for the rest of
  /// the field.
  status analyze_general(std::string_view utf8, size_t start, size_t end, analyzed_text& out, bool with_byte_map,
                         uint32_t& next_position);

  analyzer_implementation impl_;
  struct unit {
    char32_t cp;
    uint32_t orig_begin;
    uint32_t orig_end;
    uint32_t fold_begin;
  };
  std::vector<unit> units_;
  std::u32string segment_out_;
  std::u16string seg16_;
  std::u16string norm16_;
};

/// Normalized UTF-8 of arbitrary text: NFKC, lower case, ё→е, variation
/// selectors dropped. Used for query terms. Invalid bytes become U+FFFD.
std::string normalize(std::string_view utf8);

/// NFKC only, keeping case and ё: the form `{Case}` terms compare.
std::string normalize_keep_case(std::string_view utf8);

/// The normalized UTF-8 text of each token of `utf8`, as analyze() would
/// produce it (for query terms: `интернет-магазин` → {"интернет","магазин"}).
struct term_token {
  std::string text;      ///< normalized UTF-8
  std::string original;  ///< the bytes of the input this token came from
  bool is_emoji = false;
};
std::vector<term_token> tokenize_term(std::string_view utf8);

/// Character classes the tokenizer uses, exposed for the query parser and tests.
bool is_token_char(char32_t cp);   ///< Unicode L, M or Nd
bool is_emoji_start(char32_t cp);  ///< Extended_Pictographic or Regional_Indicator

}  // namespace sito::text
