// File: sito/enrich/fasttext_embedder.hpp
//
// A fastText model (Debian's libfasttext, 0.9.2) as the embedding of
// semantic tags (issue 12), the alternative to the built-in hashing
// embedding (embedding_math.hpp): a model trained here by
// ops/train-embeddings, or any fastText `.bin` a user brings (for example the
// public Russian vectors). It embeds the same prepared segments
// (embedding.hpp), and its vectors are scored by
// embedding_backend::score_vectors:
//
//   auto model = sito::enrich::fasttext_embedder::load("/var/lib/sito/ru.bin");
//   if (!model.ok()) return model.error();        // missing, corrupt, quantized…
//   sito::enrich::text_preparer prep;
//   sito::enrich::prepared_batch posts, examples;
//   prep.add_post("Курьер опоздал на два часа", posts);
//   prep.add_phrase("доставщик задержался", examples);
//   auto backend = sito::enrich::make_cpu_embedding_backend();
//   auto ex = sito::enrich::make_example_matrix(*backend, *model, examples).value();
//   std::vector<float> segs, scores;
//   model->embed(posts, segs);
//   backend->score_vectors(segs, posts.text_begin, *ex, scores);  // posts × examples
//
// The vector of a segment is fastText's own sentence vector for
// unsupervised models (FastText::getSentenceVector): the mean of the
// L2-normalized vectors of its words (a word's vector is the mean of its
// vector and its character n-grams' vectors, so a word the model never saw
// still has one when the model has n-grams; a word whose vector is zero is
// left out of the mean), then L2-normalized here so that a dot product is a
// cosine. A segment with no word of non-zero vector is the zero vector,
// whose cosine with anything is 0. The words are the preparer's: folded,
// lower case, ё → е; a model should be trained on text normalized the same
// way (ops/train-embeddings does), or its vocabulary is half missed.
//
// Loading. fastText's loader trusts its input (a truncated or foreign file
// can make it allocate without bound or read past the end), so load() first
// walks the whole file format itself (magic, version, arguments, dictionary,
// matrix shapes against the file's size) and hands the file to fastText only
// when every part is where it must be; anything fastText still throws
// becomes a status. Quantized models (`.ftz`) are refused: their vectors are
// approximations, and the file format check would double.
//
// Thread-safety: a loaded fasttext_embedder is immutable; embed() and dim()
// may be called from several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::enrich {

/// What a fastText model file declares, read without loading it.
struct fasttext_model_info {
  int32_t version = 0;         ///< file format version (11 or 12)
  int32_t dim = 0;             ///< components per vector
  int32_t minn = 0;            ///< shortest character n-gram (0: no n-grams)
  int32_t maxn = 0;            ///< longest character n-gram
  int32_t bucket = 0;          ///< hashed n-gram rows
  int32_t words = 0;           ///< vocabulary words (labels not counted)
  int32_t labels = 0;          ///< supervised labels
  int64_t tokens = 0;          ///< tokens the model was trained on
  std::string model;           ///< "cbow", "skipgram" or "supervised"
};

/// Reads and checks the whole file format of a fastText `.bin` without
/// handing it to fastText. Errors: not_found (no such file), unavailable
/// (cannot be read), invalid_argument (not a fastText model, an unknown
/// version, a quantized model, or a part that is out of bounds or
/// truncated; the message says which).
result<fasttext_model_info> inspect_fasttext_model(const std::string& path);

/// A loaded fastText model that embeds prepared segments.
class fasttext_embedder final : public segment_embedder {
 public:
  /// Checks the file (inspect_fasttext_model), then loads it with fastText.
  /// Errors: those of inspect_fasttext_model, and internal when fastText
  /// still refuses the file (its message kept).
  static result<fasttext_embedder> load(const std::string& path);

  ~fasttext_embedder();
  fasttext_embedder(fasttext_embedder&&) noexcept;
  fasttext_embedder& operator=(fasttext_embedder&&) noexcept;

  /// Components per vector (the model's dim).
  size_t dim() const override;
  /// What the file declared.
  const fasttext_model_info& info() const;

  /// The vector of every segment of `batch` (see the file comment): out is
  /// resized to segments × dim(), row-major, unit or zero rows. Never fails
  /// on a well-formed batch; invalid_argument when the batch's offsets do
  /// not fit its code points.
  status embed(const prepared_batch& batch, std::vector<float>& out) const override;

 private:
  struct impl;
  explicit fasttext_embedder(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

/// Embeds `examples` (one segment per text, as add_phrase makes them) with
/// `model` and uploads them to `backend`; score with score_vectors.
result<std::unique_ptr<example_matrix>> make_example_matrix(embedding_backend& backend, const fasttext_embedder& model,
                                                            const prepared_batch& examples);

}  // namespace sito::enrich
