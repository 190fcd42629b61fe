// One batch through the engine (match_stage.hpp): the scan and batch_enricher, as `sito match`.
#include "kafka/match_stage.hpp"


namespace sito::server::kafka {

match_stage::match_stage(bool near_duplicates, dedup::near_duplicate_options options)
    : enricher_(options, near_duplicates) {}

match_stage::~match_stage() = default;

status match_stage::run(const kafka_ruleset& rs, std::span<const post> posts, std::span<const int64_t> times_ms,
                        std::vector<matched_mention>& out) {
  status result = ok_status();
  rs.scanner->scan(posts, scan_);
  if (rs.snapshot->semantic_tags && !backend_) {
    auto b = enrich::make_embedding_backend("cpu");
    if (b.ok()) backend_ = std::move(*b);
    else result = b.error();
  }
  if (status st = enricher_.apply(*rs.scanner, posts, times_ms, scan_, backend_.get()); !st.ok() && result.ok())
    result = st;
  dropped_ += scan_.dropped;
  for (const auto& m : scan_.matches) {
    matched_mention mm;
    mm.post = m.post;
    mm.record.snapshot_version = rs.version;
    annotate_mention(mm.record, scan_, m, *rs.snapshot);
    if (const auto& d = enricher_.duplicates()[m.post]; d.duplicate) {
      mm.record.duplicate_of = d.duplicate_of;
      mm.record.duplicates = d.cluster_size;
    }
    out.push_back(std::move(mm));
  }
  return result;
}

}  // namespace sito::server::kafka
