// Private: the candidate-selection stage of the scan — which topics' programs
// run for a post.
//
// A topic is indexed under one clause only: the cheapest (rarest) set of
// triggers (atoms or metadata keys) of which one must fire for the topic to
// be able to match (ruleset_snapshot, "triggers"). When one fires, the
// topic's second clause, if the planner found one, is checked directly
// against the post — an atom stamped by this post or a metadata key it
// carries — before the topic becomes a candidate. This selects exactly the
// topics whose every clause fired, while a common second clause (a context
// word, `lang:ru`) never fans out over the topics that name it.
//
// Output: ts.candidates, sorted, each topic once; the hit view's per-atom
// ranges (ts.atom_state at ts.stamp) and slot.meta are
// filled on the way.
//
// Thread-safety: as term_matcher.hpp.
#pragma once

#include "scan/scan_state.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/post.hpp"

namespace sito::detail {

/// Groups slot.hits by atom (group_hits) and selects the candidates.
/// Returns the stamp of the view.
uint32_t select_candidates(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// Reorders `hits` so that each atom's hits are contiguous, in the order
/// they were found, and stamps their ranges for a new view; returns its
/// stamp. O(hits), no comparison sort: within an atom, the term matcher's
/// order is already (field, position) — tokens are visited field by field in
/// position order, each atom once per token, and contains: atoms (only
/// those) come in stream order. Precondition: no duplicate hits.
uint32_t group_hits(thread_scratch& ts, std::vector<hit>& hits);

}  // namespace sito::detail
