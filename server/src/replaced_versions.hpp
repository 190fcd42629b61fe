// Private: what an edited post's earlier version matched (store.hpp,
// idempotent ingest), so the edit gives only the mentions that version
// would not have given. The live matcher and backfills both use it.
//
// The earlier version is re-read from the post log and scanned against the
// same ruleset as the edit; when retention has dropped it, the edit counts
// as a new post. Edits are rare, so this costs nothing on the common path.
//
// Thread-safety: as batch_scanner (one caller per scanner at a time).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

#include "sito/scan/batch_scanner.hpp"
#include "sito/server/store.hpp"

namespace sito::server::detail {

/// For each edit in `batch` (stored_post::replaces set), by the edit's
/// offset: the topics (indexes into the scanner's snapshot) that the version
/// it replaces matches. Edits whose earlier version is gone are left out.
std::map<uint64_t, std::set<uint32_t>> topics_of_replaced(const store& db, batch_scanner& scanner,
                                                          const std::vector<stored_post>& batch);

}  // namespace sito::server::detail
