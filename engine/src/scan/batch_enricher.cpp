#include "sito/scan/batch_enricher.hpp"

#include "sito/dedup/post_check.hpp"

namespace sito {

status batch_enricher::apply(const batch_scanner& scanner, std::span<const post> posts,
                             std::span<const int64_t> times_ms, scan_output& out,
                             enrich::embedding_backend* backend) {
  status result = ok_status();
  duplicates_.assign(posts.size(), {});
  if (near_duplicates_)
    dedup::check_posts(index_, posts, out.matched_posts, times_ms, duplicates_,
                       [&](uint32_t i) { return out.bigrams_of(i); });
  // is:duplicate in tags and rules: known now, before those mentions are final.
  facts_.assign(posts.size(), {});
  for (const uint32_t i : out.matched_posts) facts_[i].duplicate = duplicates_[i].duplicate;
  const ruleset_snapshot& snap = *scanner.snapshot();
  if (snap.semantic_tags) {
    if (!backend) {
      result = {status_code::failed_precondition, "the ruleset has semantic tags and no embedding backend was given"};
    } else {
      if (!tagger_ || tagger_backend_ != backend) {
        tagger_.emplace(*backend);
        tagger_backend_ = backend;
      }
      if (status st = tagger_->decide(snap, posts, out, facts_); !st.ok()) result = st;
    }
  }
  scanner.apply_facts(posts, facts_, out);
  return result;
}

}  // namespace sito
