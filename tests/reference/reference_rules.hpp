// File: tests/reference/reference_rules.hpp
//
// The reference's own mention arithmetic, written from the documented rules
// (sito/rules/sentiment_scorer.hpp, priority.hpp, mention_flags.hpp), not
// from the engine's code: the built-in sentiment model over the lexicon terms
// found in a post, the priority formula and the own-account / WOM flags.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::reference {

/// One lexicon entry found at one token.
struct lexicon_hit {
  int field = 0;          ///< 0 title, 1 text, 2 image
  uint32_t position = 0;  ///< token position in the field
  rules::lexicon_role role = rules::lexicon_role::polar;
  float weight = 0;
  bool emoji = false;
};

struct model_sentiment {
  rules::sentiment label = rules::sentiment::neutral;
  float score = 0;
  bool ad_marked = false;
};

/// The documented model, per field over token positions:
///  * one token counts once: when several polar entries (weight != 0) hit it,
///    the strongest |weight| counts, the negative one on a tie;
///  * a negator 1..3 tokens before a polar token, or a negator_after 1..2
///    after it, flips its sign and scales it by 0.75 (never for an emoji);
///  * the strongest intensifier 1..2 tokens before it multiplies it;
///  * a modifier serves only the nearest polar token: a polar token between
///    them (or on the modifier's own token) blocks it;
///  * the score is the sum over fields in order; >= 0.75 positive,
///    <= -0.75 negative, else neutral. Any ad marker marks the post.
model_sentiment score_model(std::vector<lexicon_hit> hits);

/// 40/15/5 by sentiment + min(30, 5·log10(1 + max(followers, reach, 0)))
/// + source type (review, app_store, maps, marketplace 15; news 10; social,
/// video, blog, forum, messenger 5; else 0; any case) + 5 verified + 10 WOM,
/// clamped to 0..100.
float priority(rules::sentiment mood, std::optional<int64_t> followers, int64_t reach,
               const std::string& source_type, bool verified, bool wom);

/// An account name compared case-insensitively, without leading '@'.
std::string account_key(const std::string& account);

/// Word of mouth: not an own account, no ad marker, source type not `news` (any case).
bool word_of_mouth(bool own, bool ad_marked, const std::string& source_type);

const char* mood_name(rules::sentiment s);
std::optional<rules::sentiment> mood_from_name(const std::string& s);

}  // namespace sito::reference
