// File: sito/scan/batch_enricher.hpp
//
// What follows a scan in a stream, as `sito match` and a Kafka node run it on
// each batch (issue 12): the matched posts through the near-duplicate
// detector in stream order (their bigrams from the scan, which must be made
// with scan_options::near_duplicate_bigrams), `is:duplicate` and the
// semantic tags as stream facts, and the facts applied to the scan's
// output, so that tags and rules see both before the mentions are final.
//
//   sito::batch_enricher enricher;                        // one per stream
//   scanner.scan(posts, out);
//   status st = enricher.apply(scanner, posts, times_ms, out, backend.get());
//   // out.matches final; enricher.duplicates()[m.post] for each match
//
// sitod's matcher runs the same steps as stages of its own (the detector on
// the stream, semantic tags on the live and the delta ruleset:
// server/src/matcher.cpp).
//
// Thread-safety: not thread-safe (the detector's window, the tagger's
// buffers); one per stream.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/dedup/near_duplicates.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/scan/semantic_facts.hpp"

namespace sito {

class batch_enricher {
 public:
  /// `near_duplicates` false: no detector (every post is a first post).
  explicit batch_enricher(dedup::near_duplicate_options options = {}, bool near_duplicates = true)
      : near_duplicates_(near_duplicates), index_(options) {}

  /// After scanner.scan(posts, out): checks the matched posts at times_ms[i]
  /// (times_ms.size() == posts.size()), decides the semantic tags on
  /// `backend` when the scanner's ruleset has any (`backend` may be null for
  /// a ruleset without them) and applies the facts to `out`.
  /// Errors: a missing backend or the backend's; the mentions are then made
  /// without semantic tags, everything else as usual.
  status apply(const batch_scanner& scanner, std::span<const post> posts, std::span<const int64_t> times_ms,
               scan_output& out, enrich::embedding_backend* backend);

  /// Per post of the last batch: what the detector said (default for posts
  /// that did not match or were not checked).
  const std::vector<dedup::near_duplicate_match>& duplicates() const { return duplicates_; }

 private:
  bool near_duplicates_;
  dedup::near_duplicate_index index_;
  std::optional<semantic_tagger> tagger_;
  enrich::embedding_backend* tagger_backend_ = nullptr;
  std::vector<dedup::near_duplicate_match> duplicates_;
  std::vector<stream_facts> facts_;
};

}  // namespace sito
