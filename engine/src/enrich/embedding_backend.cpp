// The embedding lane's host side that needs no analyzer: prepared batches,
// the reference arithmetic, the CPU backend and the backend registry
// (sito/enrich/embedding.hpp). Kept free of the analyzer so that the
// standalone GPU build (kernels/standalone) compiles it as the reference.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "sito/enrich/backend_registry.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::enrich {

void prepared_batch::clear() {
  codepoints.clear();
  segment_begin.assign(1, 0);
  text_begin.assign(1, 0);
}

void prepared_batch::add_segment(std::span<const uint32_t> cps) {
  codepoints.insert(codepoints.end(), cps.begin(), cps.end());
  segment_begin.push_back(static_cast<uint32_t>(codepoints.size()));
}

void prepared_batch::end_text() { text_begin.push_back(static_cast<uint32_t>(segments())); }

namespace {

/// offsets[0] == 0, ascending, offsets.back() == end.
bool ascending_from_zero_to(std::span<const uint32_t> offsets, size_t end) {
  if (offsets.empty() || offsets.front() != 0 || offsets.back() != end) return false;
  return std::is_sorted(offsets.begin(), offsets.end());
}

}  // namespace

status validate_batch(const prepared_batch& b) {
  if (!ascending_from_zero_to(b.segment_begin, b.codepoints.size()) || !ascending_from_zero_to(b.text_begin, b.segments()))
    return invalid_argument("embedding: a prepared batch whose offsets do not ascend over its code points and segments");
  return ok_status();
}

status validate_segment_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin, size_t dim) {
  if (text_begin.empty() || !ascending_from_zero_to(text_begin, text_begin.back()) ||
      segments.size() != static_cast<size_t>(text_begin.back()) * dim)
    return invalid_argument("embedding: segment vectors do not match their texts and the examples' dimension");
  return ok_status();
}

status validate_minhash_input(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets, size_t outputs) {
  if (offsets.size() != outputs + 1 || offsets.front() != 0 || offsets.back() > bigrams.size() ||
      !std::is_sorted(offsets.begin(), offsets.end()))
    return invalid_argument("embedding: minhash offsets do not ascend within the bigrams or do not match the output");
  return ok_status();
}

void embed_segment_fast(std::span<const uint32_t> cps, float* out) {
  namespace m = embedding_math;
  std::array<int32_t, embedding_dim> counts{};
  const uint32_t* cp = cps.data();
  const int n = static_cast<int>(cps.size());
  auto add = [&counts](uint32_t h, int weight) { counts[m::bucket_of(h)] += m::sign_of(h) * weight; };
  for (int b = 0; b < n;) {
    int e = b;
    while (e < n && cp[e] != m::word_separator) ++e;
    if (e > b) {
      const uint32_t* w = cp + b;
      const int len = e - b;
      add(m::feature_hash(w, len, 1), m::word_weight);
      constexpr uint32_t fnv_basis = 0x811c9dc5u, fnv_prime = 0x01000193u, length_mix = 0x27d4eb2fu;
      for (int s = 0; s + m::ngram_min <= len; ++s) {
        uint32_t h = fnv_basis;  // kind 0: an n-gram
        int k = 0;
        for (; k < m::ngram_min; ++k) h = (h ^ w[s + k]) * fnv_prime;
        for (;; ++k) {
          add(m::fmix32(h ^ static_cast<uint32_t>(k) * length_mix), 1);
          if (k == m::ngram_max || s + k == len) break;
          h = (h ^ w[s + k]) * fnv_prime;
        }
      }
    }
    b = e + 1;
  }
  const int64_t ss = m::sum_of_squares(counts.data());
  std::memset(out, 0, embedding_dim * sizeof(float));
  if (ss == 0) return;
  const double norm = std::sqrt(static_cast<double>(ss));
  for (size_t d = 0; d < embedding_dim; ++d)
    if (counts[d] != 0) out[d] = static_cast<float>(static_cast<double>(counts[d]) / norm);
}

namespace reference {

void embed_segment(std::span<const uint32_t> cps, float* out) {
  std::array<int32_t, embedding_dim> counts{};
  embedding_math::accumulate_segment(cps.data(), static_cast<int>(cps.size()), counts.data());
  const int64_t ss = embedding_math::sum_of_squares(counts.data());
  for (size_t d = 0; d < embedding_dim; ++d) out[d] = embedding_math::component(counts[d], ss);
}

float dot(const float* a, const float* b, size_t dim) {
  // 16 partial sums in a fixed order: the compiler vectorizes it without
  // -ffast-math, and every run sums the same way.
  constexpr size_t lanes = 16;
  float part[lanes] = {};
  size_t i = 0;
  for (; i + lanes <= dim; i += lanes)
    for (size_t j = 0; j < lanes; ++j) part[j] += a[i + j] * b[i + j];
  for (size_t j = 0; i < dim; ++i, ++j) part[j] += a[i] * b[i];
  float s = 0;
  for (float p : part) s += p;
  return s;
}

status score_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin,
                     const example_matrix& examples, std::vector<float>& out) {
  const size_t dim = examples.dim();
  SITO_RETURN_IF_ERROR(validate_segment_vectors(segments, text_begin, dim));
  const size_t n = examples.count();
  const float* ex = examples.vectors().data();
  const size_t texts = text_begin.size() - 1;
  out.assign(texts * n, 0.0f);
  for (size_t t = 0; t < texts; ++t) {
    float* row = out.data() + t * n;
    for (uint32_t s = text_begin[t]; s < text_begin[t + 1]; ++s) {
      const float* seg = segments.data() + static_cast<size_t>(s) * dim;
      const bool first = s == text_begin[t];
      for (size_t e = 0; e < n; ++e) {
        const float c = dot(seg, ex + e * dim, dim);
        row[e] = first ? c : std::max(row[e], c);
      }
    }
  }
  return ok_status();
}

}  // namespace reference

namespace {

class host_example_matrix final : public example_matrix {
 public:
  host_example_matrix(std::vector<float> v, size_t n, size_t dim) : example_matrix(std::move(v), n, dim) {}
};

class cpu_embedding_backend final : public embedding_backend {
 public:
  std::string_view name() const override { return "cpu"; }

  status embed(const prepared_batch& batch, std::vector<float>& out) override {
    SITO_RETURN_IF_ERROR(validate_batch(batch));
    out.resize(batch.segments() * embedding_dim);
    for (size_t s = 0; s < batch.segments(); ++s)
      embed_segment_fast(std::span(batch.codepoints).subspan(batch.segment_begin[s],
                                                              batch.segment_begin[s + 1] - batch.segment_begin[s]),
                         out.data() + s * embedding_dim);
    return ok_status();
  }

  result<std::unique_ptr<example_matrix>> upload_examples(std::vector<float> vectors, size_t count,
                                                          size_t dim) override {
    if (dim == 0 || vectors.size() != count * dim)
      return invalid_argument("embedding: example vectors are not count × dim (" + std::to_string(count) + " × " +
                              std::to_string(dim) + ")");
    return std::unique_ptr<example_matrix>(std::make_unique<host_example_matrix>(std::move(vectors), count, dim));
  }

  status score(const prepared_batch& batch, const example_matrix& examples, std::vector<float>& out) override {
    if (examples.dim() != embedding_dim)
      return invalid_argument("embedding: examples of another model's dimension; use score_vectors");
    std::vector<float> segments;  // local: the backend may serve several threads
    SITO_RETURN_IF_ERROR(embed(batch, segments));
    return reference::score_vectors(segments, batch.text_begin, examples, out);
  }

  status score_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin,
                       const example_matrix& examples, std::vector<float>& out) override {
    return reference::score_vectors(segments, text_begin, examples, out);
  }

  status minhash(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets,
                 std::span<dedup::minhash_signature> out) override {
    SITO_RETURN_IF_ERROR(validate_minhash_input(bigrams, offsets, out.size()));
    for (size_t i = 0; i < out.size(); ++i) {
      dedup::compute_minhash(bigrams.subspan(offsets[i], offsets[i + 1] - offsets[i]), out[i]);
    }
    return ok_status();
  }
};

using registry = backend_registry<embedding_backend>;

registry& the_registry() {
  static registry r("embedding");
  return r;
}

result<std::unique_ptr<embedding_backend>> make_cpu() { return make_cpu_embedding_backend(); }

}  // namespace

std::unique_ptr<embedding_backend> make_cpu_embedding_backend() { return std::make_unique<cpu_embedding_backend>(); }

result<std::unique_ptr<example_matrix>> make_example_matrix(embedding_backend& backend, const prepared_batch& examples) {
  if (examples.segments() != examples.texts())
    return invalid_argument("embedding: examples must be one segment each (add_phrase)");
  std::vector<float> v;
  SITO_RETURN_IF_ERROR(make_cpu_embedding_backend()->embed(examples, v));
  return backend.upload_examples(std::move(v), examples.texts());
}

void register_embedding_backend(std::string name, int priority, embedding_backend_factory factory) {
  the_registry().add(std::move(name), priority, std::move(factory));
}

std::vector<std::string> embedding_backend_names() { return the_registry().names(); }

result<std::unique_ptr<embedding_backend>> make_embedding_backend(std::string_view name, std::string* fallback_reason) {
  return the_registry().make(name, make_cpu, fallback_reason);
}

}  // namespace sito::enrich
