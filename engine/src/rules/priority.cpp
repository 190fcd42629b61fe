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

float priority_score(const priority_inputs& in) {
  float score = in.mood == sentiment::negative ? 40.f : in.mood == sentiment::neutral ? 15.f : 5.f;
  const double audience = static_cast<double>(std::max<int64_t>({in.followers.value_or(0), in.reach, 0}));
  score += static_cast<float>(std::min(30.0, 5.0 * std::log10(1.0 + audience)));
  score += source_weight(in.source_type);
  if (in.verified) score += 5;
  if (in.wom) score += 10;
  return std::clamp(score, 0.f, 100.f);
}

}  // namespace sito::rules
