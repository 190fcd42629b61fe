// File: sito/rules/sentiment_scorer.hpp
//
// The built-in sentiment model's arithmetic, separate from how lexicon terms
// are found (the scanner finds them through the same term index as topic
// queries, so the model costs one pass over a matched post's hits).
//
// Model, per field (title, text, image), over token positions:
//   * every polar term contributes its signed weight;
//   * a negator 1..3 tokens before it, or a negator_after 1..2 tokens after
//     it, flips the sign and scales by 0.75 ("не плохо" is milder praise than
//     "хорошо"); emoji are never negated;
//   * an intensifier 1..2 tokens before it multiplies the weight (the
//     strongest one applies);
//   * a negator or intensifier serves only the nearest polar term: another
//     polar term in between blocks it ("не понравилось, цветы завяли" has
//     one negated term and one plain one);
//   * the post's score is the sum; >= threshold is positive, <= -threshold
//     negative, anything between neutral (a mixed post stays neutral).
// Punctuation is not a token, so negation reaches across a comma.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>

#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::rules {

/// One lexicon term found in a post.
struct sentiment_event {
  uint8_t field = 0;      ///< 0 title, 1 text, 2 image
  uint32_t position = 0;  ///< token position within the field
  lexicon_role role = lexicon_role::polar;
  float weight = 0;       ///< as in lexicon_entry
  bool emoji = false;     ///< polar emoji are not negated
};

struct sentiment_params {
  uint32_t negator_window = 3;
  uint32_t negator_after_window = 2;
  uint32_t intensifier_window = 2;
  float negated_scale = 0.75f;
  float threshold = 0.75f;
};

struct sentiment_result {
  sentiment label = sentiment::neutral;
  float score = 0;
  uint32_t polar_terms = 0;  ///< polar terms that counted
  bool ad_marked = false;    ///< an ad marker was present
};

/// `events` must be sorted by (field, position); duplicates are harmless.
sentiment_result score_sentiment(std::span<const sentiment_event> events, const sentiment_params& params = {});

}  // namespace sito::rules
