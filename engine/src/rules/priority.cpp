#include "sito/rules/priority.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace sito::rules {

namespace {
float source_weight(std::string_view type) {
  std::string t(type);
  for (char& c : t)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (t == "review" || t == "app_store" || t == "maps" || t == "marketplace") return 15;
  if (t == "news") return 10;
  if (t == "social" || t == "video" || t == "blog" || t == "forum" || t == "messenger") return 5;
  return 0;
}
}  // namespace

priority_post_terms priority_terms_of(std::optional<int64_t> followers, int64_t reach, std::string_view source_type,
                                      bool verified) {
  priority_post_terms t;
  const double audience = static_cast<double>(std::max<int64_t>({followers.value_or(0), reach, 0}));
  t.audience = static_cast<float>(std::min(30.0, 5.0 * std::log10(1.0 + audience)));
  t.source = source_weight(source_type);
  t.verified = verified ? 5.f : 0.f;
  return t;
}

float priority_score(const priority_post_terms& post_terms, sentiment mood, bool wom) {
  float score = mood == sentiment::negative ? 40.f : mood == sentiment::neutral ? 15.f : 5.f;
  score += post_terms.audience;
  score += post_terms.source;
  score += post_terms.verified;
  if (wom) score += 10;
  return std::clamp(score, 0.f, 100.f);
}

float priority_score(const priority_inputs& in) {
  return priority_score(priority_terms_of(in.followers, in.reach, in.source_type, in.verified), in.mood, in.wom);
}

}  // namespace sito::rules
