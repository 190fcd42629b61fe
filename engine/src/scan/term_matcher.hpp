// Private: the term-matching stage of the scan — from a post's analyzed
// fields to its hits (atom, field, position, original bytes).
//
// Every token is resolved through the thread's token_cache: on a miss the
// term index (exact forms, #tags), morphology (Snowball stem, hunspell
// entries) and the wildcard database (Hyperscan over "\x01token\x01") run
// once for that token, and the result is cached with it, so a token that
// recurs costs one probe and no Hyperscan call. Only `contains:` atoms,
// which are substrings of the whole normalized field, are scanned per post:
// once per chunk over the concatenated folded fields; their highlights need
// the field's byte map, which is rebuilt only for fields where one hit.
//
// The term pass resolves every token and records the tokens with atoms
// (slot.matched) and whether a trigger is among them; hits are written
// from that record only where they are read: of group 0 (atoms of topic
// queries), for posts with candidates, those the candidates and the
// sentiment lexicon read (candidate_selector.hpp); group 1 (atoms only
// tags, rules and the sentiment lexicon use) for posts that matched.
//
// Thread-safety: the functions are safe to call concurrently with distinct
// thread_scratch objects; the snapshot is read-only.
#pragma once

#include <span>

#include "scan/scan_state.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/post.hpp"

namespace sito::detail {

/// The term pass: resolves every token of `slot`, records those with atoms
/// in slot.matched, and sets slot.trigger_hits and slot.condition_tokens.
/// Writes no hits.
void collect_query_hits(const ruleset_snapshot& s, thread_scratch& ts, post_slot& slot);

/// Appends the hits of the group-0 atoms of the matched tokens to slot.hits.
void add_query_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// The same for a post with candidates, only the hits its consumers read:
/// of `atoms` (the matched tokens' group-0 atoms, flattened), those in
/// `wanted` (the candidates' programs, tags and rules; the filter may say
/// yes for others, which costs only their hits) and those a sentiment
/// lexicon has (the mention builder scores every such hit).
void add_query_hits(const ruleset_snapshot& s, const post& p, post_slot& slot,
                    std::span<const thread_scratch::token_atom> atoms, const atom_filter& wanted);

/// Appends the hits of the group-1 atoms of the matched tokens (a post that
/// matched).
void collect_condition_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// Scans the folded fields of the first `nslots` slots with the contains:
/// database and appends those hits, with original byte ranges. Requires s.text_db.
void collect_contains_hits(const ruleset_snapshot& s, thread_scratch& ts, std::span<const post> posts,
                           size_t nslots);

}  // namespace sito::detail
