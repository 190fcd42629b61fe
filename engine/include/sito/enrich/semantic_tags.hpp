// File: sito/enrich/semantic_tags.hpp
//
// Semantic tags by example (issue 12): a tag defined by `examples` (phrases
// that should get it) and optional `counter_examples` (close phrases that
// should not). A post gets the tag when, among the tag's examples and
// counter-examples, the one nearest to the post (the highest score: the
// maximum cosine over the post's sentence segments, embedding.hpp) is an
// example and its score is at least min_similarity. Each tag is decided on
// its own. A tag that also has a `query` needs both (the engine checks the
// query; this decides the similarity part).
//
//   std::vector<sito::enrich::semantic_tag_definition> defs = {
//       {"Тачпоинт/Доставка/Опоздание", {"курьер опоздал на два часа", "заказ привезли с опозданием"},
//        {"курьер приехал вовремя"}, 0.55f}};
//   auto set = sito::enrich::semantic_tag_set::compile(defs, *backend).value();
//   sito::enrich::text_preparer prep;
//   sito::enrich::prepared_batch posts;
//   prep.add_post("Курьер опоздал на два часа!", posts);
//   std::vector<std::vector<sito::enrich::semantic_decision>> d;
//   set.decide(*backend, posts, {}, d);          // every tag for every post
//   // d[0][0].tagged == true, d[0][0].example == "курьер опоздал на два часа"
//
// Ties: an example and a counter-example at the same score: not tagged (the
// analyst said such text should not get it). An example without words after
// normalization (emoji only, a link) is an error at compile time, naming the
// tag and the example.
//
// Thread-safety: a compiled set is immutable; decide() may run on many
// threads at once (the backend must allow it, as both built-in ones do).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::enrich {

/// The default min_similarity (bench/RESULTS.md, "semantic-tag model").
inline constexpr float default_min_similarity = 0.30f;

struct semantic_tag_definition {
  std::string path;
  std::vector<std::string> examples;
  std::vector<std::string> counter_examples;
  float min_similarity = default_min_similarity;
};

/// One tag's decision for one post.
struct semantic_decision {
  bool tagged = false;
  float example_score = 0;          ///< the nearest example's score
  int32_t example = -1;             ///< its index in the definition's examples
  float counter_score = 0;          ///< the nearest counter-example's score (when any)
  int32_t counter_example = -1;     ///< its index, -1 when the tag has none
};

/// Checks a definition without compiling it (sito validate --as tag):
/// a path, at least one example, every example and counter-example with
/// words, min_similarity in (0, 1].
status validate_semantic_tag(const semantic_tag_definition& def, text_preparer& prep);

class semantic_tag_set {
 public:
  /// Embeds every example and counter-example and uploads them to `backend`:
  /// with the built-in embedding, or with `model` when given (posts are then
  /// embedded by the same model in decide()).
  static result<semantic_tag_set> compile(std::span<const semantic_tag_definition> defs, embedding_backend& backend,
                                          std::shared_ptr<const segment_embedder> model = nullptr);

  semantic_tag_set();
  ~semantic_tag_set();
  semantic_tag_set(semantic_tag_set&&) noexcept;
  semantic_tag_set& operator=(semantic_tag_set&&) noexcept;

  size_t tags() const;
  const semantic_tag_definition& definition(size_t tag) const;
  /// All examples and counter-examples, tag by tag.
  const example_matrix& examples() const;
  /// The model the set was compiled with; null: the built-in embedding.
  const segment_embedder* model() const;

  /// Decides, for every text of `posts`, the tags `wanted[t]` (indices into
  /// the definitions; an empty `wanted` means every tag for every post).
  /// out[t] holds one decision per wanted tag, in wanted's order. The CPU
  /// backend scores only the wanted tags' examples; another backend scores
  /// all of them in one call (a GEMM is cheaper than a gather).
  status decide(embedding_backend& backend, const prepared_batch& posts,
                std::span<const std::vector<uint32_t>> wanted,
                std::vector<std::vector<semantic_decision>>& out) const;

  /// The decision of `tag` from a row of scores against examples() (for
  /// callers that scored themselves).
  semantic_decision decide_row(size_t tag, std::span<const float> row) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::enrich
