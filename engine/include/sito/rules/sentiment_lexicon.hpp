// File: sito/rules/sentiment_lexicon.hpp
//
// The built-in sentiment model's data: a lexicon of polar terms, negators,
// intensifiers and advertising markers, in a small line format that
// analysts can read and extend per tenant.
//
//   auto base = sito::rules::builtin_lexicon();          // engine/data/sentiment_lexicon.txt
//   auto extra = sito::rules::parse_lexicon("neg треш 2\npos огонь 1.5\n", "acme");
//
// Format (one entry per line, `#` starts a comment, blank lines ignored):
//   pos <term> <weight>        positive term; weight in (0, 5]
//   neg <term> <weight>        negative term; weight in (0, 5]
//   negator <term>             flips a polar term up to 3 tokens after it (не, not, never)
//   negator_after <term>       flips a polar term up to 2 tokens before it (Kazakh: жақсы емес)
//   intensifier <term> <factor>  multiplies a polar term up to 2 tokens after it; factor in (0, 5]
//   ad <term>                  advertising marker: a mention with one is not word of mouth
//   # version: <text>          the lexicon's version, reported with every model sentiment
// A term is one token in query-language term syntax: a plain word matches all
// its forms (Russian morphology), `!word` only that form, an emoji itself.
// A per-tenant lexicon entry overrides the built-in entry with the same term
// as written; weight 0 switches a built-in term off for that tenant.
//
// Thread-safety: plain values; builtin_lexicon() is initialised once and
// then read-only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"

namespace sito::rules {

/// A mention's sentiment; the values match the wire enum.
enum class sentiment : uint8_t {
  neutral = 0,   ///< no polar terms, or they cancel out
  negative = 1,  ///< complaint, anger, disappointment
  positive = 2,  ///< praise, thanks, recommendation
};
const char* to_string(sentiment s);
/// "negative", "neutral" or "positive" (ASCII, any case).
std::optional<sentiment> sentiment_from_string(std::string_view s);

enum class lexicon_role : uint8_t {
  polar,          ///< weight > 0 positive, < 0 negative, 0 switched off
  negator,        ///< flips the polarity of a following polar term
  negator_after,  ///< flips the polarity of a preceding polar term
  intensifier,    ///< multiplies a following polar term by weight
  ad_marker,      ///< marks the post as advertising
};

struct lexicon_entry {
  std::string term;  ///< query-language term text (`понравиться`, `!не`, `😡`)
  lexicon_role role = lexicon_role::polar;
  float weight = 0;  ///< polar: signed weight; intensifier: factor; others 1
  uint32_t line = 0; ///< 1-based line in the source, for error messages
};

struct sentiment_lexicon {
  std::string version;  ///< from the `# version:` line; empty when absent
  std::vector<lexicon_entry> entries;
};

/// Parses the format above. Errors name `origin`, the line and the reason.
result<sentiment_lexicon> parse_lexicon(std::string_view text, std::string_view origin);

/// Reads and parses a lexicon file.
result<sentiment_lexicon> load_lexicon_file(const std::string& path);

/// The lexicon compiled into the library (engine/data/sentiment_lexicon.txt).
const sentiment_lexicon& builtin_lexicon();

}  // namespace sito::rules
