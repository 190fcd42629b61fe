// sitod's semantic-tag stage (semantic_stage.hpp).
#include "semantic_stage.hpp"

#include "sito/server/json_log.hpp"
#if SITO_HAVE_CUDA_KERNELS
#include "sito/kernels/cuda_embedding.hpp"
#endif

namespace sito::server {

result<std::unique_ptr<semantic_stage>> semantic_stage::create(const embeddings_config& config) {
#if SITO_HAVE_CUDA_KERNELS
  std::string why_not;
  if (!kernels::register_cuda_embedding_backend(&why_not) && config.backend == "cuda")
    return unavailable("embeddings: backend cuda: " + why_not);
#endif
  std::string fallback;
  auto b = enrich::make_embedding_backend(config.backend, &fallback);
  if (!b.ok()) return unavailable("embeddings: " + b.error().message());
  return std::unique_ptr<semantic_stage>(new semantic_stage(std::move(*b), std::move(fallback)));
}

semantic_stage::semantic_stage(std::unique_ptr<enrich::embedding_backend> backend, std::string fallback)
    : backend_(std::move(backend)), fallback_(std::move(fallback)), tagger_(*backend_) {}

bool semantic_stage::decide(const ruleset_snapshot& s, std::span<const post> posts, const scan_output& out,
                            std::vector<stream_facts>& facts) {
  if (!s.semantic_tags || out.semantic_wanted.empty()) return true;
  std::lock_guard lock(mutex_);
  if (status st = tagger_.decide(s, posts, out, facts); !st.ok()) {
    ++errors_;
    log_error("semantic tags: the embedding backend failed; this batch's semantic tags are unset")
        .with("backend", std::string(backend_->name()))
        .with("error", st.message());
    return false;
  }
  return true;
}

semantic_stage::counters semantic_stage::snapshot() const {
  std::lock_guard lock(mutex_);
  return {tagger_.posts_embedded(), errors_};
}

}  // namespace sito::server
