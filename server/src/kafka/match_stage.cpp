// One batch through the engine (match_stage.hpp), the steps of `sito match`.
#include "kafka/match_stage.hpp"

#include "sito/dedup/post_check.hpp"

namespace sito::server::kafka {

match_stage::match_stage(bool near_duplicates, dedup::near_duplicate_options options)
    : near_duplicates_(near_duplicates), index_(options) {}

match_stage::~match_stage() = default;

status match_stage::run(const kafka_ruleset& rs, std::span<const post> posts, std::span<const int64_t> times_ms,
                        std::vector<matched_mention>& out) {
  status result = ok_status();
  rs.scanner->scan(posts, scan_);
  duplicates_.assign(posts.size(), {});
  if (near_duplicates_)
    dedup::check_posts(index_, posts, scan_.matched_posts, times_ms, duplicates_,
                       [&](uint32_t i) { return scan_.bigrams_of(i); });
  facts_.assign(posts.size(), {});
  for (const uint32_t i : scan_.matched_posts) facts_[i].duplicate = duplicates_[i].duplicate;
  if (rs.snapshot->semantic_tags) {
    if (!tagger_) {
      auto b = enrich::make_embedding_backend("cpu");
      if (b.ok()) {
        backend_ = std::move(*b);
        tagger_ = std::make_unique<semantic_tagger>(*backend_);
      } else {
        result = b.error();
      }
    }
    if (tagger_)
      if (status st = tagger_->decide(*rs.snapshot, posts, scan_, facts_); !st.ok()) result = st;
  }
  rs.scanner->apply_facts(posts, facts_, scan_);
  dropped_ += scan_.dropped;
  for (const auto& m : scan_.matches) {
    matched_mention mm;
    mm.post = m.post;
    mm.record.snapshot_version = rs.version;
    annotate_mention(mm.record, scan_, m, *rs.snapshot);
    if (const auto& d = duplicates_[m.post]; d.duplicate) {
      mm.record.duplicate_of = d.duplicate_of;
      mm.record.duplicates = d.cluster_size;
    }
    out.push_back(std::move(mm));
  }
  return result;
}

}  // namespace sito::server::kafka
