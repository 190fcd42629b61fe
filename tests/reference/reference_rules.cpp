#include "reference/reference_rules.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "reference/reference_morphology.hpp"

namespace sito::reference {
namespace {

std::string ascii_lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

model_sentiment score_model(std::vector<lexicon_hit> hits) {
  using rules::lexicon_role;
  constexpr uint32_t negator_before = 3, negator_after = 2, intensifier_before = 2;
  constexpr float negated_scale = 0.75f, threshold = 0.75f;

  // What each token is, after all entries that hit it.
  struct token_roles {
    bool polar = false;
    float weight = 0;  // the one polar weight that counts
    bool emoji = false;
    bool negator = false, negator_after = false;
    std::optional<float> intensifier;  // the strongest factor on this token
  };
  model_sentiment r;
  std::map<std::pair<int, uint32_t>, token_roles> tokens;  // ordered by field, then position
  for (const lexicon_hit& h : hits) {
    token_roles& t = tokens[{h.field, h.position}];
    switch (h.role) {
      case lexicon_role::polar:
        if (h.weight == 0) break;  // switched off
        if (!t.polar || std::abs(h.weight) > std::abs(t.weight) ||
            (std::abs(h.weight) == std::abs(t.weight) && h.weight < t.weight)) {
          t.polar = true;
          t.weight = h.weight;
          t.emoji = h.emoji;
        }
        break;
      case lexicon_role::negator: t.negator = true; break;
      case lexicon_role::negator_after: t.negator_after = true; break;
      case lexicon_role::intensifier: t.intensifier = std::max(t.intensifier.value_or(h.weight), h.weight); break;
      case lexicon_role::ad_marker: r.ad_marked = true; break;
    }
  }
  auto at = [&](int field, int64_t position) -> const token_roles* {
    if (position < 0) return nullptr;
    auto it = tokens.find({field, static_cast<uint32_t>(position)});
    return it == tokens.end() ? nullptr : &it->second;
  };
  for (const auto& [where, t] : tokens) {
    if (!t.polar) continue;
    const auto [field, p] = where;
    bool negated = false;
    std::optional<float> factor;
    for (uint32_t d = 1; d <= std::max(negator_before, intensifier_before); ++d) {
      const token_roles* b = at(field, int64_t(p) - d);
      if (!b) continue;
      if (b->polar) break;  // the modifiers further back serve that term
      if (b->negator && d <= negator_before) negated = true;
      if (b->intensifier && d <= intensifier_before) factor = std::max(factor.value_or(*b->intensifier), *b->intensifier);
    }
    for (uint32_t d = 1; d <= negator_after; ++d) {
      const token_roles* a = at(field, int64_t(p) + d);
      if (!a) continue;
      if (a->polar) break;
      if (a->negator_after) negated = true;
    }
    float w = t.weight * factor.value_or(1.f);
    if (negated && !t.emoji) w = -w * negated_scale;
    r.score += w;
  }
  r.label = r.score >= threshold ? rules::sentiment::positive
            : r.score <= -threshold ? rules::sentiment::negative
                                    : rules::sentiment::neutral;
  return r;
}

float priority(rules::sentiment mood, std::optional<int64_t> followers, int64_t reach,
               const std::string& source_type, bool verified, bool wom) {
  double score = mood == rules::sentiment::negative ? 40 : mood == rules::sentiment::neutral ? 15 : 5;
  const int64_t audience = std::max<int64_t>({followers.value_or(0), reach, 0});
  score += std::min(30.0, 5.0 * std::log10(1.0 + static_cast<double>(audience)));
  const std::string type = ascii_lower(source_type);
  if (type == "review" || type == "app_store" || type == "maps" || type == "marketplace") score += 15;
  else if (type == "news") score += 10;
  else if (type == "social" || type == "video" || type == "blog" || type == "forum" || type == "messenger") score += 5;
  if (verified) score += 5;
  if (wom) score += 10;
  return static_cast<float>(std::clamp(score, 0.0, 100.0));
}

std::string account_key(const std::string& account) {
  size_t at = 0;
  while (at < account.size() && account[at] == '@') ++at;
  return normalize(account.substr(at));
}

bool word_of_mouth(bool own, bool ad_marked, const std::string& source_type) {
  return !own && !ad_marked && ascii_lower(source_type) != "news";
}

const char* mood_name(rules::sentiment s) {
  switch (s) {
    case rules::sentiment::negative: return "negative";
    case rules::sentiment::positive: return "positive";
    case rules::sentiment::neutral: break;
  }
  return "neutral";
}

std::optional<rules::sentiment> mood_from_name(const std::string& s) {
  const std::string l = ascii_lower(s);
  if (l == "negative") return rules::sentiment::negative;
  if (l == "neutral") return rules::sentiment::neutral;
  if (l == "positive") return rules::sentiment::positive;
  return std::nullopt;
}

}  // namespace sito::reference
