// Private: one batch of posts through the engine, as `sito match` does it
// (server/tools/sito_local.cpp): the scan and sito::batch_enricher
// (near-duplicates among the matched posts, semantic tags, the stream facts
// applied), then one mention_record per match. The Kafka node's only matching code; one ruleset per batch.
//
// Near-duplicates are found among the posts this node matched (its own
// window): a copy whose original went to another node's partition is not
// seen as one (README "Scale-out": partition by source to keep copies together).
//
// Not thread-safe: one per node, used by its loop thread.
#pragma once

#include <memory>
#include <vector>

#include "kafka/definitions_reader.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/scan/batch_enricher.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server::kafka {

struct matched_mention {
  mention_record record;
  uint32_t post = 0;  ///< index into the batch
};

class match_stage {
 public:
  /// `near_duplicates` false: no near-duplicate check (every post is a first post).
  explicit match_stage(bool near_duplicates, dedup::near_duplicate_options options = {});
  ~match_stage();

  /// The mentions of `posts` under `rs` (appended to `out`); `times_ms` are
  /// the posts' times for the near-duplicate window. Errors: the semantic
  /// backend's (the batch's mentions are then made without semantic tags).
  status run(const kafka_ruleset& rs, std::span<const post> posts, std::span<const int64_t> times_ms,
             std::vector<matched_mention>& out);
  uint64_t dropped_by_rules() const { return dropped_; }

 private:
  batch_enricher enricher_;
  std::unique_ptr<enrich::embedding_backend> backend_;  ///< made on the first batch with semantic tags
  scan_output scan_;
  uint64_t dropped_ = 0;
};

}  // namespace sito::server::kafka
