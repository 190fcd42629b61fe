// Private: the candidate-selection stage of the scan — which topics' programs
// run for a post.
//
// A topic is indexed under one clause only: the cheapest (rarest) set of
// triggers (atoms or metadata keys) of which one must fire for the topic to
// be able to match (ruleset_snapshot, "triggers"). When one fires, the
// topic's second clause, if the planner found one, is checked directly
// against the post — an atom in a filter of the post's atoms (which may say
// yes for one that did not hit: an extra candidate, which its program
// rejects) or a metadata key it carries — before the topic becomes a
// candidate. This selects exactly the
// topics whose every clause fired, while a common second clause (a context
// word, `lang:ru`) never fans out over the topics that name it.
//
// Triggers and second clauses are read from the matched tokens' cached
// entries (token_cache.hpp: trigger atoms carry a flag) and a filter of the
// post's query atoms, so finding the candidates writes no hit. A post where
// nothing fires (no trigger atom among its matched tokens, which the term
// matcher flags as it finds them, no metadata trigger, no topic evaluated
// for every post), or where no topic's second clause holds, is done after
// its metadata: no hit is written or grouped. A post with candidates gets
// only the hits its consumers read, those of atoms in the candidates'
// programs, tags and rules (ruleset_snapshot::topic_atoms) and of atoms a
// sentiment lexicon has: at 10k topics about 5 of 95.
//
// Output: ts.candidates, sorted, each topic once; slot.meta; when there are
// candidates, those hits in slot.hits and their per-atom ranges (ts.atom_state
// at the returned stamp). The view's has(a) is exact for every atom of the
// candidates' programs, tags and rules; for other atoms it may say no
// although they hit.
//
// Thread-safety: as term_matcher.hpp.
#pragma once

#include "scan/scan_state.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/post.hpp"

namespace sito::detail {

/// Selects the candidates and, when there are any, writes the hits they
/// read and groups them by atom. Returns the stamp of the view (0 without
/// candidates).
uint32_t select_candidates(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// Stamps each atom's hits for a new view (atom_hits, program_evaluator.hpp)
/// and lists the atoms in ts.distinct_atoms in the order they first hit;
/// returns the stamp. `hits` keep their order: an atom that hit once points
/// into them, the hits of an atom that hit more than once are gathered in
/// ts.grouped_hits. O(hits), no comparison sort: within an atom, the term
/// matcher's order is already (field, position) — tokens are visited field
/// by field in position order, each atom once per token, and contains:
/// atoms (only those) come in stream order. Precondition: no duplicate hits.
uint32_t group_hits(thread_scratch& ts, const std::vector<hit>& hits);

/// After hits[from, end) were appended to hits grouped at `stamp` (the
/// condition-only hits of a mention): groups the new ones into the same view
/// when none of their atoms hit before (always so for condition-only atoms),
/// else regroups everything under a new stamp. Returns the view's stamp.
uint32_t group_more_hits(thread_scratch& ts, const std::vector<hit>& hits, size_t from, uint32_t stamp);

/// The view of a post's hits grouped at `stamp`.
inline program_evaluator::hit_view view_of(const thread_scratch& ts, const std::vector<hit>& hits, uint32_t stamp) {
  return {hits, ts.grouped_hits, ts.atom_state.data(), stamp, &ts.hit_atoms};
}

}  // namespace sito::detail
