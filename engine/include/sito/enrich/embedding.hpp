// File: sito/enrich/embedding.hpp
//
// The embedding lane of issue 12 (DESIGN §4 "Embeddings"): posts and
// semantic-tag examples become unit vectors (embedding_math.hpp), and a post
// is scored against every example by cosine similarity. A backend does the
// batch work: embeddings, the post × example similarity (one GEMM), and
// MinHash signatures for the near-duplicate detector.
//
//   sito::enrich::text_preparer prep;                 // analyzer-based, host only
//   sito::enrich::prepared_batch posts, examples;
//   prep.add_post("Курьер опоздал на два часа. Больше не закажу", posts);
//   prep.add_phrase("курьер опоздал", examples);
//   auto backend = sito::enrich::make_embedding_backend("auto").value();  // cuda, else cpu
//   auto ex = sito::enrich::make_example_matrix(*backend, examples).value();
//   std::vector<float> scores;                        // posts × examples
//   backend->score(posts, *ex, scores);
//
// Segments. A post is scored by its best sentence, not by its whole text:
// an example is a short phrase, and a long review that contains it would
// otherwise be diluted below any useful threshold. add_post() cuts the
// post's words into segments at sentence ends (. ! ? … and line breaks),
// merges a sentence shorter than min_segment_words into the next, cuts a
// sentence longer than max_segment_words, and keeps at most
// max_segments_per_post (the rest joins the last). A post's score for an
// example is the maximum cosine over its segments; a post without words
// (emoji only, a bare link) has no segment and scores 0.
//
// Backends. "cpu" (plain loops, the reference) always exists; "cuda"
// (kernels/) is registered only when a device exists at run time, in the
// manner of the OCR registry. Every backend gives embeddings bit for bit
// equal to the CPU's (integer counts, one IEEE division per component),
// MinHash signatures bit for bit equal (integer arithmetic), and scores
// within 1e-4 of the CPU's (a GEMM sums in its own order).
//
// Thread-safety: a text_preparer is not thread-safe (one per thread). A
// backend's methods may be called from several threads; the CUDA backend
// serializes its device work internally.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/dedup/minhash.hpp"
#include "sito/enrich/embedding_math.hpp"

namespace sito::enrich {

inline constexpr size_t embedding_dim = embedding_math::dim;

/// Prepared code points of many texts, in segments (embedding_math.hpp's
/// format), and which segments belong to which text.
struct prepared_batch {
  std::vector<uint32_t> codepoints;
  std::vector<uint32_t> segment_begin{0};  ///< segment s is codepoints[segment_begin[s], segment_begin[s+1])
  std::vector<uint32_t> text_begin{0};     ///< text t owns segments [text_begin[t], text_begin[t+1])

  size_t texts() const { return text_begin.size() - 1; }
  size_t segments() const { return segment_begin.size() - 1; }
  void clear();
  /// Appends one segment's code points to the current (last, open) text.
  void add_segment(std::span<const uint32_t> cps);
  /// Closes the current text (it owns the segments added since the last close).
  void end_text();
};

struct segment_options {
  size_t min_segment_words = 4;     ///< a shorter sentence merges into the next
  size_t max_segment_words = 32;    ///< a longer sentence is cut
  size_t max_segments_per_post = 16;
};

/// Turns texts into prepared segments through sito's analyzer (the words the
/// near-duplicate shingler keeps: no emoji, no links).
class text_preparer {
 public:
  text_preparer();
  explicit text_preparer(segment_options options);
  ~text_preparer();
  text_preparer(text_preparer&&) noexcept;
  text_preparer& operator=(text_preparer&&) noexcept;

  /// Appends a post as one text of one or more segments.
  /// Errors: invalid_argument for invalid UTF-8 (nothing is appended).
  status add_post(std::string_view utf8, prepared_batch& out);
  /// Appends a phrase (a tag example) as one text of exactly one segment.
  status add_phrase(std::string_view utf8, prepared_batch& out);
  /// The normalized words of each segment of a post, for explain and tests.
  result<std::vector<std::string>> segments_of(std::string_view utf8);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Embedded examples, kept by a backend in the form it uses (device memory
/// for CUDA). Made by make_example_matrix; immutable.
class example_matrix {
 public:
  virtual ~example_matrix() = default;
  size_t count() const { return count_; }
  /// Components per vector: embedding_dim for the built-in embedding, the
  /// model's for a fastText model.
  size_t dim() const { return dim_; }
  /// The host copy: count() × dim() floats, row-major.
  std::span<const float> vectors() const { return vectors_; }

 protected:
  example_matrix(std::vector<float> vectors, size_t count, size_t dim)
      : vectors_(std::move(vectors)), count_(count), dim_(dim) {}

 private:
  std::vector<float> vectors_;
  size_t count_;
  size_t dim_;
};

class embedding_backend {
 public:
  virtual ~embedding_backend() = default;
  virtual std::string_view name() const = 0;

  /// The embedding of every segment of `batch`: out is resized to
  /// segments × embedding_dim, row-major.
  virtual status embed(const prepared_batch& batch, std::vector<float>& out) = 0;

  /// Keeps example vectors (count × dim, unit or zero rows) in this
  /// backend's form.
  virtual result<std::unique_ptr<example_matrix>> upload_examples(std::vector<float> vectors, size_t count,
                                                                  size_t dim = embedding_dim) = 0;

  /// For every text of `batch` and every example: the maximum over the
  /// text's segments of the cosine similarity of the built-in embedding (0
  /// for a text without segments). out is resized to texts ×
  /// examples.count(), row-major. examples.dim() must be embedding_dim.
  virtual status score(const prepared_batch& batch, const example_matrix& examples, std::vector<float>& out) = 0;

  /// The same for segment vectors some other model made (a fastText
  /// model): `segments` is text_begin.back() × examples.dim() unit or zero
  /// rows, text t owns rows [text_begin[t], text_begin[t+1]).
  virtual status score_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin,
                               const example_matrix& examples, std::vector<float>& out) = 0;

  /// MinHash signatures (dedup/minhash.hpp) of many bigram sets: set i is
  /// bigrams[offsets[i], offsets[i+1]); out.size() == offsets.size() − 1.
  virtual status minhash(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets,
                         std::span<dedup::minhash_signature> out) = 0;
};

/// A model that embeds prepared segments on the host, instead of the
/// built-in embedding (a fastText model: fasttext_embedder.hpp). Its vectors
/// are scored by embedding_backend::score_vectors.
class segment_embedder {
 public:
  virtual ~segment_embedder() = default;
  /// Components per vector.
  virtual size_t dim() const = 0;
  /// out: segments × dim() unit or zero rows. Must be safe to call from
  /// several threads at once.
  virtual status embed(const prepared_batch& batch, std::vector<float>& out) const = 0;
};

/// Embeds `examples` (one segment per text, as add_phrase makes them) and
/// uploads them to `backend`.
result<std::unique_ptr<example_matrix>> make_example_matrix(embedding_backend& backend, const prepared_batch& examples);

/// The input checks every backend makes first (invalid_argument saying
/// what does not fit): a batch's offsets cover its code points and segments
/// and ascend; segment vectors fit their texts and `dim`; MinHash offsets
/// ascend within the bigrams and give `outputs` sets.
status validate_batch(const prepared_batch& batch);
status validate_segment_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin, size_t dim);
status validate_minhash_input(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets, size_t outputs);

/// The reference arithmetic the CPU backend runs (and tests compare with).
namespace reference {
/// One segment's embedding into out[embedding_dim].
void embed_segment(std::span<const uint32_t> cps, float* out);
/// dot(a, b) over `dim` floats, summed in a fixed order.
float dot(const float* a, const float* b, size_t dim = embedding_dim);
/// The max-over-segments score of score_vectors(), by plain loops.
status score_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin,
                     const example_matrix& examples, std::vector<float>& out);
}  // namespace reference

/// The CPU backend's embedding of one segment: the same bits as
/// reference::embed_segment, with each start's n-grams hashed in one
/// incremental pass (FNV-1a is sequential, so the 3-, 4- and 5-gram at a
/// start share their first steps), integer counts in any order (sums of
/// integers), the norm's square root taken once and only non-zero counts
/// divided (0 / s is +0 either way).
void embed_segment_fast(std::span<const uint32_t> cps, float* out);

using embedding_backend_factory = std::function<result<std::unique_ptr<embedding_backend>>()>;

/// Registers (or replaces) a backend; higher priority wins under "auto".
void register_embedding_backend(std::string name, int priority, embedding_backend_factory factory);
/// "cpu" first, then the registered names by priority.
std::vector<std::string> embedding_backend_names();
/// "cpu", a registered name, or "auto" (the registered backend of highest
/// priority that creates, else cpu; `fallback_reason` says why it fell back).
/// A name that is not registered: not_found.
result<std::unique_ptr<embedding_backend>> make_embedding_backend(std::string_view name,
                                                                  std::string* fallback_reason = nullptr);
/// The CPU backend itself.
std::unique_ptr<embedding_backend> make_cpu_embedding_backend();

}  // namespace sito::enrich
