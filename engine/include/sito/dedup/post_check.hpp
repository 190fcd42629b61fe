// File: sito/dedup/post_check.hpp
//
// The near-duplicate detector (near_duplicates.hpp) applied to posts, in one
// place for `sito match` and sitod: what of a post it reads and how a batch's
// matched posts are checked in order.
//
//   sito::dedup::near_duplicate_index index;              // one per stream
//   scanner.scan(posts, out);
//   std::vector<sito::dedup::near_duplicate_match> dups;
//   sito::dedup::check_posts(index, posts, out.matched_posts, times_ms, dups,
//                            [&](uint32_t i) { return out.bigrams_of(i); });
//   // dups[i].duplicate, dups[i].duplicate_of for every i of out.matched_posts
//
// What a post contributes: the text is the title and the body, one line
// apart (picture text is not compared: OCR output of the same meme differs
// run to run); the author is "source:id", or "source:handle" when the post
// has no author id, or "source:" when it has neither (one anonymous author
// per source).
//
// Thread-safety: pure functions over an index the caller owns; the index is
// not thread-safe (near_duplicates.hpp), so one thread checks one stream.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sito/dedup/near_duplicates.hpp"
#include "sito/model/post.hpp"

namespace sito::dedup {

/// The author the detector counts for `p` (cluster_authors, campaigns).
std::string author_of(const post& p);

/// The text the detector compares for `p`.
std::string text_of(const post& p);

/// Where a post's bigrams may already be: given post i, its bigrams (as
/// shingler::shingle(text_of(posts[i])) would give them), or nullopt.
using bigram_source = std::function<std::optional<std::span<const uint64_t>>(uint32_t post)>;

/// Checks posts[i] for every i of `which` (ascending indexes into `posts`),
/// in that order, at times_ms[i], adding each to `index`. `results` is
/// resized to posts.size(); results[i] is left default (not indexed, not a
/// duplicate) for a post not in `which` and for one the detector refuses
/// (invalid UTF-8, which a scanned post cannot have). Each post's bigrams
/// come from `known` where it has them (a scan made with
/// scan_options::near_duplicate_bigrams: scan_output::bigrams_of); otherwise
/// its text is shingled.
/// Preconditions: times_ms.size() == posts.size().
void check_posts(near_duplicate_index& index, std::span<const post> posts, std::span<const uint32_t> which,
                 std::span<const int64_t> times_ms, std::vector<near_duplicate_match>& results,
                 const bigram_source& known = nullptr);

}  // namespace sito::dedup
