// File: sito/scan/semantic_facts.hpp
//
// Semantic tags in a scan (issue 12): a first scan lists, for the posts its
// matched topics' semantic tags concern, which tags to decide
// (scan_output::semantic_wanted); this embeds those posts once each, in one
// batch on an embedding backend, decides the tags by their examples
// (sito/enrich/semantic_tags.hpp) and records the tags that hold as stream
// facts; batch_scanner::apply_facts then rebuilds those posts' mentions, so
// tags and rules see semantic tags like any other (`tag:"…"`).
//
//   scanner.scan(posts, out);
//   std::vector<sito::stream_facts> facts(posts.size());
//   sito::semantic_tagger tagger(*backend);          // one per thread or stream
//   tagger.decide(*scanner.snapshot(), posts, out, facts);
//   scanner.apply_facts(posts, facts, out);
//
// What a post contributes: its title, body and picture text (OCR), a line
// apart. Embeddings are computed only for the posts listed, off the scan's
// allocation-free path.
//
// Thread-safety: a semantic_tagger is not thread-safe (its preparer and
// buffers); the backend may be shared.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito {

/// The text a semantic tag compares for `p`.
std::string semantic_text_of(const post& p);

class semantic_tagger {
 public:
  explicit semantic_tagger(enrich::embedding_backend& backend) : backend_(&backend) {}

  /// Sets facts[i].semantic for every post `out.semantic_wanted` lists (the
  /// held tags, sorted); facts is resized to posts.size() when smaller.
  /// Does nothing for a ruleset without semantic tags.
  /// Errors: the backend's (facts are then left without semantic tags).
  status decide(const ruleset_snapshot& s, std::span<const post> posts, const scan_output& out,
                std::vector<stream_facts>& facts);

  /// Posts embedded so far (each once per decide call).
  uint64_t posts_embedded() const { return posts_embedded_; }

 private:
  enrich::embedding_backend* backend_;
  enrich::text_preparer prep_;
  enrich::prepared_batch batch_;
  std::vector<uint32_t> which_;
  std::vector<std::vector<uint32_t>> wanted_;
  std::vector<std::vector<enrich::semantic_decision>> decisions_;
  uint64_t posts_embedded_ = 0;
};

}  // namespace sito
