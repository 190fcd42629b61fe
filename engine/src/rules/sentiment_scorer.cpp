#include "sito/rules/sentiment_scorer.hpp"

#include <algorithm>
#include <cmath>

namespace sito::rules {

sentiment_result score_sentiment(std::span<const sentiment_event> events, const sentiment_params& params) {
  sentiment_result r;
  const size_t n = events.size();
  for (size_t i = 0; i < n; ++i) {
    const sentiment_event& e = events[i];
    if (e.role == lexicon_role::ad_marker) r.ad_marked = true;
    if (e.role != lexicon_role::polar || e.weight == 0) continue;
    // One token found through several entries (хорошо, хороший) counts once,
    // with its strongest weight; on a tie in strength the negative one wins,
    // so the outcome does not depend on the order of the events.
    auto beats = [](const sentiment_event& o, size_t oi, const sentiment_event& x, size_t xi) {
      const float ao = std::abs(o.weight), ax = std::abs(x.weight);
      if (ao != ax) return ao > ax;
      if (o.weight != x.weight) return o.weight < x.weight;
      return oi < xi;
    };
    bool shadowed = false;
    for (size_t j = i; j-- > 0 && events[j].field == e.field && events[j].position == e.position;)
      shadowed |= events[j].role == lexicon_role::polar && events[j].weight != 0 && beats(events[j], j, e, i);
    for (size_t j = i + 1; j < n && events[j].field == e.field && events[j].position == e.position; ++j)
      shadowed |= events[j].role == lexicon_role::polar && events[j].weight != 0 && beats(events[j], j, e, i);
    if (shadowed) continue;
    bool negated = false;
    float factor = 1;
    // Look back within the field for negators and intensifiers.
    for (size_t j = i; j-- > 0;) {
      const sentiment_event& b = events[j];
      if (b.field != e.field) break;
      if (b.position >= e.position) continue;
      const uint32_t gap = e.position - b.position;
      if (gap > std::max(params.negator_window, params.intensifier_window)) break;
      if (b.role == lexicon_role::polar && b.weight != 0) break;  // a modifier serves the next polar term only
      if (b.role == lexicon_role::negator && gap <= params.negator_window) negated = true;
      if (b.role == lexicon_role::intensifier && gap <= params.intensifier_window) factor = std::max(factor, b.weight);
    }
    for (size_t j = i + 1; j < n; ++j) {
      const sentiment_event& a = events[j];
      if (a.field != e.field) break;
      if (a.position <= e.position) continue;
      if (a.position - e.position > params.negator_after_window) break;
      if (a.role == lexicon_role::polar && a.weight != 0) break;
      if (a.role == lexicon_role::negator_after) negated = true;
    }
    float w = e.weight * factor;
    if (negated && !e.emoji) w = -w * params.negated_scale;
    r.score += w;
    ++r.polar_terms;
  }
  r.label = r.score >= params.threshold    ? sentiment::positive
            : r.score <= -params.threshold ? sentiment::negative
                                           : sentiment::neutral;
  return r;
}

}  // namespace sito::rules
