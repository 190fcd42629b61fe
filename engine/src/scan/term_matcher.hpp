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
// Two passes: group 0 (atoms of topic queries) for every post, group 1
// (atoms only tags, rules and the sentiment lexicon use) only for posts
// that matched a topic, visiting just the tokens the first pass recorded.
//
// Thread-safety: the functions are safe to call concurrently with distinct
// thread_scratch objects; the snapshot is read-only.
#pragma once

#include <span>

#include "scan/scan_state.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/post.hpp"

namespace sito::detail {

/// First pass: appends the hits of group-0 atoms of every token of `slot`
/// to slot.hits and records in slot.deferred the tokens with group-1 atoms.
void collect_query_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// Second pass (a post that matched): appends the hits of group-1 atoms
/// of the tokens recorded by the first pass.
void collect_condition_hits(const ruleset_snapshot& s, thread_scratch& ts, const post& p, post_slot& slot);

/// Scans the folded fields of the first `nslots` slots with the contains:
/// database and appends those hits, with original byte ranges. Requires s.text_db.
void collect_contains_hits(const ruleset_snapshot& s, thread_scratch& ts, std::span<const post> posts,
                           size_t nslots);

}  // namespace sito::detail
