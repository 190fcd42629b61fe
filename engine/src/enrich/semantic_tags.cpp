// Semantic tags by example: compile the definitions into one example matrix,
// decide by the nearest example (sito/enrich/semantic_tags.hpp).
#include "sito/enrich/semantic_tags.hpp"

#include <algorithm>

namespace sito::enrich {

namespace {

status check_phrase(const std::string& tag, const char* kind, size_t i, const std::string& text, text_preparer& prep,
                    prepared_batch& scratch) {
  scratch.clear();
  if (auto st = prep.add_phrase(text, scratch); !st.ok())
    return invalid_argument("tag '" + tag + "': " + kind + " " + std::to_string(i + 1) + ": " + st.message());
  if (scratch.segment_begin[1] == 0)
    return invalid_argument("tag '" + tag + "': " + kind + " " + std::to_string(i + 1) + " (\"" + text +
                            "\") has no words once emoji and links are dropped");
  return ok_status();
}

}  // namespace

status validate_semantic_tag(const semantic_tag_definition& def, text_preparer& prep) {
  if (def.path.empty()) return invalid_argument("a semantic tag needs a path");
  if (def.examples.empty())
    return invalid_argument("tag '" + def.path + "': examples: at least one example is needed");
  if (!(def.min_similarity > 0.0f && def.min_similarity <= 1.0f))
    return invalid_argument("tag '" + def.path + "': min_similarity must be in (0, 1], got " +
                            std::to_string(def.min_similarity));
  prepared_batch scratch;
  for (size_t i = 0; i < def.examples.size(); ++i)
    SITO_RETURN_IF_ERROR(check_phrase(def.path, "example", i, def.examples[i], prep, scratch));
  for (size_t i = 0; i < def.counter_examples.size(); ++i)
    SITO_RETURN_IF_ERROR(check_phrase(def.path, "counter-example", i, def.counter_examples[i], prep, scratch));
  return ok_status();
}

struct semantic_tag_set::impl {
  std::vector<semantic_tag_definition> defs;
  std::vector<uint32_t> first;  ///< tag t's examples are rows [first[t], first[t] + examples), then its counter-examples
  std::unique_ptr<example_matrix> matrix;
  std::shared_ptr<const segment_embedder> model;
};

semantic_tag_set::semantic_tag_set() : impl_(std::make_unique<impl>()) {}
semantic_tag_set::~semantic_tag_set() = default;
semantic_tag_set::semantic_tag_set(semantic_tag_set&&) noexcept = default;
semantic_tag_set& semantic_tag_set::operator=(semantic_tag_set&&) noexcept = default;

result<semantic_tag_set> semantic_tag_set::compile(std::span<const semantic_tag_definition> defs,
                                                   embedding_backend& backend,
                                                   std::shared_ptr<const segment_embedder> model) {
  semantic_tag_set set;
  text_preparer prep;
  prepared_batch phrases;
  for (const auto& d : defs) {
    SITO_RETURN_IF_ERROR(validate_semantic_tag(d, prep));
    set.impl_->first.push_back(static_cast<uint32_t>(phrases.texts()));
    for (const auto& e : d.examples) SITO_RETURN_IF_ERROR(prep.add_phrase(e, phrases));
    for (const auto& e : d.counter_examples) SITO_RETURN_IF_ERROR(prep.add_phrase(e, phrases));
    set.impl_->defs.push_back(d);
  }
  set.impl_->first.push_back(static_cast<uint32_t>(phrases.texts()));
  if (model) {
    std::vector<float> v;
    SITO_RETURN_IF_ERROR(model->embed(phrases, v));
    SITO_ASSIGN_OR_RETURN(set.impl_->matrix, backend.upload_examples(std::move(v), phrases.texts(), model->dim()));
    set.impl_->model = std::move(model);
  } else {
    SITO_ASSIGN_OR_RETURN(set.impl_->matrix, make_example_matrix(backend, phrases));
  }
  return set;
}

size_t semantic_tag_set::tags() const { return impl_->defs.size(); }
const semantic_tag_definition& semantic_tag_set::definition(size_t tag) const { return impl_->defs[tag]; }
const example_matrix& semantic_tag_set::examples() const { return *impl_->matrix; }
const segment_embedder* semantic_tag_set::model() const { return impl_->model.get(); }

semantic_decision semantic_tag_set::decide_row(size_t tag, std::span<const float> row) const {
  const auto& d = impl_->defs[tag];
  const uint32_t b = impl_->first[tag];
  semantic_decision out;
  for (size_t i = 0; i < d.examples.size(); ++i)
    if (out.example < 0 || row[b + i] > out.example_score) {
      out.example = static_cast<int32_t>(i);
      out.example_score = row[b + i];
    }
  const uint32_t c = b + static_cast<uint32_t>(d.examples.size());
  for (size_t i = 0; i < d.counter_examples.size(); ++i)
    if (out.counter_example < 0 || row[c + i] > out.counter_score) {
      out.counter_example = static_cast<int32_t>(i);
      out.counter_score = row[c + i];
    }
  out.tagged = out.example_score >= d.min_similarity &&
               (out.counter_example < 0 || out.example_score > out.counter_score);
  return out;
}

status semantic_tag_set::decide(embedding_backend& backend, const prepared_batch& posts,
                                std::span<const std::vector<uint32_t>> wanted,
                                std::vector<std::vector<semantic_decision>>& out) const {
  const size_t texts = posts.texts();
  if (!wanted.empty() && wanted.size() != texts)
    return invalid_argument("semantic tags: `wanted` must be empty or one list per post");
  for (const auto& w : wanted)
    for (uint32_t t : w)
      if (t >= tags()) return invalid_argument("semantic tags: a wanted tag index is out of range");
  out.assign(texts, {});
  const size_t n = impl_->matrix->count();
  auto tags_of = [&](size_t t, auto&& f) {
    if (wanted.empty()) {
      for (uint32_t g = 0; g < tags(); ++g) f(g);
    } else {
      for (uint32_t g : wanted[t]) f(g);
    }
  };
  if (backend.name() != "cpu" || impl_->model) {
    std::vector<float> scores;
    if (impl_->model) {  // the model embeds on the host; the backend scores
      std::vector<float> segs;
      SITO_RETURN_IF_ERROR(impl_->model->embed(posts, segs));
      SITO_RETURN_IF_ERROR(backend.score_vectors(segs, posts.text_begin, *impl_->matrix, scores));
    } else {
      SITO_RETURN_IF_ERROR(backend.score(posts, *impl_->matrix, scores));
    }
    for (size_t t = 0; t < texts; ++t)
      tags_of(t, [&](uint32_t g) { out[t].push_back(decide_row(g, std::span(scores).subspan(t * n, n))); });
    return ok_status();
  }
  // CPU: embed once, then only the wanted tags' rows.
  std::vector<float> segs;
  SITO_RETURN_IF_ERROR(backend.embed(posts, segs));
  std::vector<float> row(n, 0.0f);
  const float* ex = impl_->matrix->vectors().data();
  for (size_t t = 0; t < texts; ++t) {
    tags_of(t, [&](uint32_t g) {
      for (uint32_t e = impl_->first[g]; e < impl_->first[g + 1]; ++e) {
        float best = 0.0f;
        for (uint32_t s = posts.text_begin[t]; s < posts.text_begin[t + 1]; ++s) {
          const float c = reference::dot(segs.data() + static_cast<size_t>(s) * embedding_dim, ex + e * embedding_dim);
          best = s == posts.text_begin[t] ? c : std::max(best, c);
        }
        row[e] = best;
      }
      out[t].push_back(decide_row(g, row));
    });
  }
  return ok_status();
}

}  // namespace sito::enrich
