// Private: what makes two published posts "the same post" for idempotent
// ingest (store.hpp).
//
//   * Identity: (producer tenant, source, id). A vendor's ids are unique per
//     source, and two tenants' producers may use the same ids independently.
//   * Content: a 64-bit fingerprint of everything matching reads — the text
//     fields (title, text, image text), the images' bytes, and the metadata
//     topics filter on (language, source type, channel, place, URL, author,
//     time, reply and repost). Counters that change as a post lives (reach,
//     engagement, follower counts) are left out: re-sending a post with a
//     new like count is a duplicate, not an edit.
//
// Both are stored (the dedup key is the post_ids key, the fingerprint its
// value), so the hash under them is a persistent format: stored_hash() is
// frozen — wyhash over the bytes as it was when the store first wrote it,
// built here from token_hash.hpp's primitives rather than by calling the
// engine's token_hash(), which is free to change between builds. A test
// pins its values.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sito/model/post.hpp"

namespace sito::server::detail {

/// The stored hash (never change it: keys on disk depend on it).
uint64_t stored_hash(std::string_view bytes);

/// The dedup key: an 8-byte hash of the rest (big-endian; the store's
/// hash-bucketed memtable and prefix blooms key on it), then
/// producer_tenant \0 source \0 id.
inline constexpr size_t dedup_key_prefix = 8;
std::string dedup_key(const std::string& producer_tenant, const post& p);

/// The content fingerprint (see above); equal content gives equal values.
uint64_t content_fingerprint(const post& p);

}  // namespace sito::server::detail
