// File: sito/rules/priority.hpp
//
// The priority score of a mention: how urgently a person should look at it.
// Documented formula (0..100, higher first):
//
//   sentiment   negative 40, neutral 15, positive 5
//   audience    min(30, 5 * log10(1 + max(author followers, post reach)))
//               (1k → 15, 100k → 25, 1M+ → 30)
//   source      review, app_store, maps, marketplace 15; news 10;
//               social, video, blog, forum, messenger 5; unknown 0
//   verified    5 when the author is verified
//   wom         10 when the mention is word of mouth (a customer, not the brand)
//
// The sum is at most 100. A rule that sets a priority replaces the formula
// for that mention (the last such rule wins).
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::rules {

struct priority_inputs {
  sentiment mood = sentiment::neutral;
  std::optional<int64_t> followers;
  int64_t reach = 0;
  std::string_view source_type;  ///< as the post carries it (any case)
  bool verified = false;
  bool wom = false;
};

float priority_score(const priority_inputs& in);

/// The terms of the formula that depend on the post alone (audience, source,
/// verified), computed once per post when many mentions share it.
struct priority_post_terms {
  float audience = 0;
  float source = 0;
  float verified = 0;
};
priority_post_terms priority_terms_of(std::optional<int64_t> followers, int64_t reach, std::string_view source_type,
                                      bool verified);

/// The score from the post's terms and what the mention adds; equal, bit
/// for bit, to priority_score() of the same inputs (same order of sums).
float priority_score(const priority_post_terms& post_terms, sentiment mood, bool wom);

}  // namespace sito::rules
