// File: sito/compile/compiler.hpp
//
// Compiles topics into an immutable ruleset_snapshot.
//
//   std::vector<sito::topic_spec> topics = ...;
//   sito::compile_report report;
//   auto snap = sito::compile_topics(topics, {}, &report);
//   for (auto& e : report.errors) log(e.tenant, e.topic, format_one_line(e.diagnostic));
//   if (snap.ok()) scanner = sito::batch_scanner(*snap);
//
// A bad topic is reported with its tenant, id, position and reason and left
// out; the others compile. compile_topics fails as a whole only when a
// library fails (Hyperscan out of memory, ...).
//
// Thread-safety: compile_topics may run concurrently with scans of other
// snapshots and with other compiles; it shares only the immutable morphology.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/compile/ruleset_snapshot.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/diagnostic.hpp"
#include "sito/rules/sentiment_lexicon.hpp"

namespace sito::enrich {
class segment_embedder;  // sito/enrich/embedding.hpp
}

namespace sito {

struct compile_options {
  /// Null means morph::morphology::default_instance().
  std::shared_ptr<const morph::morphology> morphology;
  /// The lexicon of the built-in sentiment model; null means
  /// rules::builtin_lexicon(). Set `sentiment_model` false to leave every
  /// mention neutral unless a rule says otherwise.
  const rules::sentiment_lexicon* lexicon = nullptr;
  bool sentiment_model = true;
  /// Per-tenant additions and overrides of the lexicon, by tenant name.
  std::map<std::string, rules::sentiment_lexicon> tenant_lexicons;
  /// Semantic tags (issue 12): the model that embeds examples and posts
  /// (a fastText model, fasttext_embedder.hpp); null: the built-in
  /// embedding. A model's cosines have their own scale, hence:
  std::shared_ptr<const enrich::segment_embedder> embedding_model;
  /// min_similarity of tags that set none; < 0: enrich::default_min_similarity.
  float default_min_similarity = -1;
};

struct topic_diagnostic {
  std::string tenant;
  std::string topic;
  query::diagnostic diagnostic;
};

struct compile_report {
  std::vector<topic_diagnostic> errors;    ///< topics left out, with the reason
  std::vector<topic_diagnostic> warnings;  ///< compiled, but costly or suspicious
  size_t topics_compiled = 0;
  size_t atoms = 0;
  size_t wildcard_patterns = 0;
  size_t contains_patterns = 0;
  double seconds = 0;
};

result<std::shared_ptr<const ruleset_snapshot>> compile_topics(std::span<const topic_spec> topics,
                                                               const compile_options& options = {},
                                                               compile_report* report = nullptr);

}  // namespace sito
