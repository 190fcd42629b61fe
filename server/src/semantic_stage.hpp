// Private: sitod's semantic-tag stage (issue 12, README "Semantic tags"):
// the posts whose matched topics have semantic tags, embedded once per post
// and batch on the configured backend (embeddings.backend: cpu, cuda or
// auto), their tags decided by the examples as stream facts before the
// mentions are final (sito/scan/semantic_facts.hpp).
//
// What is embedded: the posts a scan lists in scan_output::semantic_wanted
// (matched by a topic with semantic tags), once per ruleset that lists them
// (the full ruleset and, while a topic update compiles, its delta). The
// text is the title, body and picture text (semantic_text_of). A post the
// OCR lane matches through its pictures is decided when the lane finishes.
//
// A backend error (a device lost mid-run) leaves that batch's semantic tags
// unset, is counted and logged, and the batch's mentions go out: matching
// never stops for the embedding lane.
//
// Thread-safety: every member takes one mutex (the matcher thread decides
// batches; OCR workers single posts).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/scan/semantic_facts.hpp"
#include "sito/server/config.hpp"

namespace sito::server {

class semantic_stage {
 public:
  /// Creates the backend: unavailable when `cuda` is asked for and cannot
  /// be had; `auto` falls back to the CPU (fallback_reason() says why).
  static result<std::unique_ptr<semantic_stage>> create(const embeddings_config& config);

  /// Decides the semantic tags `out` lists into facts (see semantic_facts.hpp).
  /// Returns false when the backend failed (counted; facts left without them).
  bool decide(const ruleset_snapshot& s, std::span<const post> posts, const scan_output& out,
              std::vector<stream_facts>& facts);

  std::string backend_name() const { return std::string(backend_->name()); }
  const std::string& fallback_reason() const { return fallback_; }

  struct counters {
    uint64_t posts = 0;   ///< posts embedded and decided
    uint64_t errors = 0;  ///< batches the backend failed
  };
  counters snapshot() const;

 private:
  semantic_stage(std::unique_ptr<enrich::embedding_backend> backend, std::string fallback);

  std::unique_ptr<enrich::embedding_backend> backend_;
  std::string fallback_;
  mutable std::mutex mutex_;
  semantic_tagger tagger_;
  uint64_t errors_ = 0;
};

}  // namespace sito::server
