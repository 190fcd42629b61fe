// File: bench/support/tenant_generator.hpp
//
// Deterministic topic sets shaped like real monitoring tenants (the sample
// tenant in ops/sample/tenant.yaml and the case studies): made-up brand
// names with Latin and Cyrillic spelling variants, a misspelling, the
// hashtag and the account; OR-lists of products and service words; NEAR,
// ONEAR and phrases; proximity phrases; wildcards; exact forms and
// case-sensitive terms; exclusions; metadata filters; channel topics (review
// cards whose every post belongs to the topic); and a tag tree per topic
// (Субъект/…, Тачпоинт/…, NPS/…, Источник/…). Every query is in the real sito
// query language (DESIGN §3) and compiles; tests/bench/workload_test.cpp
// checks that for several seeds.
//
//   auto vocab = sito::bench::corpus_vocabulary();
//   auto set = sito::bench::generate_tenants({.topics = 10000, .seed = 42}, vocab);
//   // set.topics: 10 000 topic_spec, set.terms: leaf terms in all queries,
//   // set.brand_spellings: words a firehose_generator can inject.
//
// Scale: about 10 leaf terms per topic plus tags, so 100 topics ≈ 1k terms
// and 100k topics ≈ 1M terms (tags add about 3 per tagged topic).
//
// Rules, shaped like the sample tenant's (ops/sample/tenant.yaml): topics
// with a tag tree (`ruled_share` of them) also get an "our answers" rule
// (is:own → processed), an escalation (sentiment:negative on reviews → tag
// and priority) and a risk word list (→ tag, sentiment negative).
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sito/model/topic.hpp"

namespace sito::bench {

struct tenant_options {
  size_t topics = 1000;
  uint64_t seed = 42;
  size_t topics_per_tenant = 200;  ///< tenants are "tenant0", "tenant1", ...
  double tagged_share = 0.5;       ///< share of topics that carry a tag tree (1–4 tags)
  double channel_share = 0.05;     ///< share of topics that also watch a review card
  double ruled_share = 1.0;        ///< share of tagged topics that also carry three rules
  /// Scales the features that make topics match ordinary posts, and so the
  /// mention rate at scale: brands that are ordinary words (one in ten at
  /// 1), four-letter brand-prefix wildcards (one brand in five at 1) and the
  /// common word of generic industry topics (a rare one otherwise). 1, the
  /// default, is the match-heavy stress workload (about 13.5 mentions per
  /// post at 100k topics); bench/RESULTS.md gives the rate other values
  /// measure.
  double match_scale = 1.0;
};

struct tenant_set {
  std::vector<topic_spec> topics;
  /// Brand spellings that occur in the queries (Latin and Cyrillic forms),
  /// for firehose_generator to inject.
  std::vector<std::string> brand_spellings;
  size_t terms = 0;      ///< leaf terms (terms, phrase words, wildcards, tags, ...) in topic queries
  size_t tag_terms = 0;  ///< leaf terms in tag queries
  size_t rules = 0;      ///< rules generated over all topics
};

/// Normalized words of the Russian corpus (fortunes-ru), 4 letters or more,
/// by descending frequency. Loaded once per process; thread-safe.
const std::vector<std::string>& corpus_vocabulary();

/// Precondition: `vocabulary` has at least 100 words (the first 5 000 are
/// used as common context words, the rest as rare ones).
tenant_set generate_tenants(const tenant_options& options, const std::vector<std::string>& vocabulary);

/// Leaf terms of one query (0 when it does not parse).
size_t count_leaf_terms(const std::string& query);

}  // namespace sito::bench
