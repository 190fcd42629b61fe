// A fastText model as the semantic-tag embedding (sito/enrich/fasttext_embedder.hpp).
//
// Decisions worth knowing:
// * The file is checked by our own walk of fastText 0.9.2's format
//   (FastText::saveModel: magic, version, Args::save, Dictionary::save, a
//   quantization flag, DenseMatrix::save twice) before fastText sees it.
//   fastText's loader reads a dictionary word up to a 0 byte with no EOF test
//   (a truncated file loops forever) and sizes its matrices from the file (a
//   corrupt header asks for terabytes); both are caught here from the
//   declared sizes and the file's real size.
// * A segment's vector is computed with fastText's own Vector operations in
//   getSentenceVector's order (normalize each word in float, add, divide by
//   the count), so it equals getSentenceVector bit for bit before our final
//   normalization, which is done in double and rounded once.
#include "sito/enrich/fasttext_embedder.hpp"

#include <fasttext/fasttext.h>

#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string_view>

#include "sito/base/utf8.hpp"

namespace sito::enrich {

namespace {

constexpr int32_t fasttext_magic = 793712314;  // FASTTEXT_FILEFORMAT_MAGIC_INT32
constexpr int32_t fasttext_version = 12;       // FASTTEXT_VERSION of 0.9.2; 11 is read too
constexpr int32_t max_dim = 1 << 16;
constexpr int32_t max_ngram = 64;

/// Reads little parts of a model file and remembers how far it got.
class format_reader {
 public:
  format_reader(std::ifstream& in, uint64_t size, const std::string& path) : in_(in), size_(size), path_(path) {}

  template <typename T>
  status read(T& v, std::string_view what) {
    if (size_ - at_ < sizeof(T)) return truncated(what);
    in_.read(reinterpret_cast<char*>(&v), sizeof(T));
    if (!in_) return truncated(what);
    at_ += sizeof(T);
    return ok_status();
  }

  /// A 0-terminated word of at most `limit` bytes.
  status read_word(std::string& w, size_t limit, std::string_view what) {
    w.clear();
    for (;;) {
      const int c = in_.get();
      if (c == std::char_traits<char>::eof()) return truncated(what);
      ++at_;
      if (c == 0) return ok_status();
      if (w.size() == limit) return bad(std::string(what) + " is longer than " + std::to_string(limit) + " bytes");
      w.push_back(static_cast<char>(c));
    }
  }

  status skip(uint64_t bytes, std::string_view what) {
    if (size_ - at_ < bytes) return truncated(what);
    in_.seekg(static_cast<std::streamoff>(bytes), std::ios::cur);
    if (!in_) return truncated(what);
    at_ += bytes;
    return ok_status();
  }

  uint64_t left() const { return size_ - at_; }
  uint64_t at() const { return at_; }

  status bad(const std::string& why) const {
    return invalid_argument("fastText model " + path_ + ": " + why + " (at byte " + std::to_string(at_) + ")");
  }
  status truncated(std::string_view what) const {
    return invalid_argument("fastText model " + path_ + ": truncated in " + std::string(what) + " (at byte " +
                            std::to_string(at_) + " of " + std::to_string(size_) + ")");
  }

 private:
  std::ifstream& in_;
  uint64_t size_;
  const std::string& path_;
  uint64_t at_ = 0;
};

/// DenseMatrix::save: int64 rows, int64 cols, rows × cols floats.
status check_matrix(format_reader& r, std::string_view what, int32_t dim, int64_t expect_rows) {
  int64_t m = 0, n = 0;
  SITO_RETURN_IF_ERROR(r.read(m, what));
  SITO_RETURN_IF_ERROR(r.read(n, what));
  if (n != dim) return r.bad(std::string(what) + " has " + std::to_string(n) + " columns, dim is " + std::to_string(dim));
  if (m < 0 || (expect_rows >= 0 && m != expect_rows))
    return r.bad(std::string(what) + " has " + std::to_string(m) + " rows" +
                 (expect_rows >= 0 ? ", expected " + std::to_string(expect_rows) : std::string()));
  const uint64_t bytes_per_row = static_cast<uint64_t>(n) * sizeof(float);
  if (static_cast<uint64_t>(m) > r.left() / bytes_per_row) return r.truncated(what);
  return r.skip(static_cast<uint64_t>(m) * bytes_per_row, what);
}

status check_format(std::ifstream& in, uint64_t size, const std::string& path, fasttext_model_info& info) {
  format_reader r(in, size, path);
  int32_t magic = 0;
  SITO_RETURN_IF_ERROR(r.read(magic, "the header"));
  if (magic != fasttext_magic) return r.bad("not a fastText model (wrong magic number)");
  SITO_RETURN_IF_ERROR(r.read(info.version, "the header"));
  if (info.version != 11 && info.version != fasttext_version)
    return r.bad("file format version " + std::to_string(info.version) + " (libfasttext 0.9.2 reads 11 and 12)");

  // Args::save: 12 ints (dim ws epoch minCount neg wordNgrams loss model bucket
  // minn maxn lrUpdateRate) and a double (t).
  int32_t ws = 0, epoch = 0, min_count = 0, neg = 0, word_ngrams = 0, loss = 0, model = 0, lr_update = 0;
  double t = 0;
  for (auto [v, name] : {std::pair{&info.dim, "dim"}, {&ws, "ws"}, {&epoch, "epoch"}, {&min_count, "minCount"},
                         {&neg, "neg"}, {&word_ngrams, "wordNgrams"}, {&loss, "loss"}, {&model, "model"},
                         {&info.bucket, "bucket"}, {&info.minn, "minn"}, {&info.maxn, "maxn"},
                         {&lr_update, "lrUpdateRate"}})
    SITO_RETURN_IF_ERROR(r.read(*v, std::string("the arguments (") + name + ")"));
  SITO_RETURN_IF_ERROR(r.read(t, "the arguments (t)"));
  if (info.dim <= 0 || info.dim > max_dim) return r.bad("dim " + std::to_string(info.dim) + " is out of range");
  if (info.bucket < 0) return r.bad("bucket " + std::to_string(info.bucket) + " is negative");
  if (info.minn < 0 || info.maxn < 0 || info.maxn > max_ngram || (info.maxn > 0 && info.minn > info.maxn))
    return r.bad("character n-grams " + std::to_string(info.minn) + ".." + std::to_string(info.maxn) + " are out of range");
  if (loss < 1 || loss > 4) return r.bad("unknown loss " + std::to_string(loss));
  if (model < 1 || model > 3) return r.bad("unknown model kind " + std::to_string(model));
  info.model = model == 1 ? "cbow" : model == 2 ? "skipgram" : "supervised";

  // Dictionary::save: int32 size, nwords, nlabels; int64 ntokens, pruneidx_size;
  // each entry a 0-terminated word, int64 count, int8 type; then the prune pairs.
  int32_t entries = 0;
  int64_t prune_size = 0;
  SITO_RETURN_IF_ERROR(r.read(entries, "the dictionary"));
  SITO_RETURN_IF_ERROR(r.read(info.words, "the dictionary"));
  SITO_RETURN_IF_ERROR(r.read(info.labels, "the dictionary"));
  SITO_RETURN_IF_ERROR(r.read(info.tokens, "the dictionary"));
  SITO_RETURN_IF_ERROR(r.read(prune_size, "the dictionary"));
  if (entries < 0 || info.words < 0 || info.labels < 0 || static_cast<int64_t>(info.words) + info.labels != entries)
    return r.bad("the dictionary's sizes disagree (" + std::to_string(entries) + " entries, " +
                 std::to_string(info.words) + " words, " + std::to_string(info.labels) + " labels)");
  // Every entry takes at least 10 bytes (the terminator, the count, the type).
  if (static_cast<uint64_t>(entries) > r.left() / 10) return r.truncated("the dictionary");
  std::string word;
  for (int32_t i = 0; i < entries; ++i) {
    SITO_RETURN_IF_ERROR(r.read_word(word, 1 << 16, "dictionary entry " + std::to_string(i)));
    int64_t count = 0;
    int8_t type = 0;
    SITO_RETURN_IF_ERROR(r.read(count, "the dictionary"));
    SITO_RETURN_IF_ERROR(r.read(type, "the dictionary"));
    if (type != 0 && type != 1) return r.bad("dictionary entry " + std::to_string(i) + " has an unknown type");
    if ((type == 0) != (i < info.words)) return r.bad("dictionary entry " + std::to_string(i) + " is out of order");
  }
  if (prune_size > 0) return r.bad("a pruned dictionary (a quantized model): use the .bin, not the .ftz");

  bool quant = false;
  SITO_RETURN_IF_ERROR(r.read(quant, "the input matrix"));
  if (quant) return r.bad("a quantized model (.ftz) is not supported: use the .bin");
  SITO_RETURN_IF_ERROR(
      check_matrix(r, "the input matrix", info.dim, static_cast<int64_t>(info.words) + info.bucket));
  bool qout = false;
  SITO_RETURN_IF_ERROR(r.read(qout, "the output matrix"));
  if (qout) return r.bad("a quantized output matrix is not supported");
  SITO_RETURN_IF_ERROR(check_matrix(r, "the output matrix", info.dim, -1));
  if (r.left() != 0) return r.bad(std::to_string(r.left()) + " bytes after the model");
  return ok_status();
}

}  // namespace

result<fasttext_model_info> inspect_fasttext_model(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(st)) return not_found("fastText model " + path + ": no such file");
  if (!std::filesystem::is_regular_file(st)) return invalid_argument("fastText model " + path + ": not a regular file");
  const uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return unavailable("fastText model " + path + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) return unavailable("fastText model " + path + ": cannot be opened");
  fasttext_model_info info;
  SITO_RETURN_IF_ERROR(check_format(in, size, path, info));
  return info;
}

struct fasttext_embedder::impl {
  fasttext::FastText ft;
  fasttext_model_info info;
};

fasttext_embedder::fasttext_embedder(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}
fasttext_embedder::~fasttext_embedder() = default;
fasttext_embedder::fasttext_embedder(fasttext_embedder&&) noexcept = default;
fasttext_embedder& fasttext_embedder::operator=(fasttext_embedder&&) noexcept = default;

result<fasttext_embedder> fasttext_embedder::load(const std::string& path) {
  SITO_ASSIGN_OR_RETURN(fasttext_model_info info, inspect_fasttext_model(path));
  auto p = std::make_unique<impl>();
  p->info = std::move(info);
  try {
    p->ft.loadModel(path);
  } catch (const std::exception& e) {
    return internal_error("fastText model " + path + ": fastText refused it: " + e.what());
  }
  if (p->ft.getDimension() != p->info.dim)
    return internal_error("fastText model " + path + ": fastText read dim " + std::to_string(p->ft.getDimension()) +
                          ", the file declares " + std::to_string(p->info.dim));
  return fasttext_embedder(std::move(p));
}

size_t fasttext_embedder::dim() const { return static_cast<size_t>(impl_->info.dim); }
const fasttext_model_info& fasttext_embedder::info() const { return impl_->info; }

status fasttext_embedder::embed(const prepared_batch& batch, std::vector<float>& out) const {
  const size_t d = dim();
  const size_t segments = batch.segments();
  if (batch.segment_begin.empty() || batch.segment_begin.back() > batch.codepoints.size())
    return invalid_argument("fastText embedding: the batch's segment offsets do not fit its code points");
  out.assign(segments * d, 0.0f);
  fasttext::Vector word_vec(static_cast<int64_t>(d));
  fasttext::Vector sum(static_cast<int64_t>(d));
  std::string word;
  for (size_t s = 0; s < segments; ++s) {
    const uint32_t b = batch.segment_begin[s], e = batch.segment_begin[s + 1];
    if (b > e) return invalid_argument("fastText embedding: the batch's segment offsets are not ascending");
    sum.zero();
    int count = 0;
    for (uint32_t i = b; i < e;) {
      // A word: `<` code points `>`, then the 0 separator.
      word.clear();
      uint32_t j = i;
      for (; j < e && batch.codepoints[j] != embedding_math::word_separator; ++j) {
        const uint32_t cp = batch.codepoints[j];
        if ((cp == embedding_math::word_open && j == i) ||
            (cp == embedding_math::word_close && (j + 1 == e || batch.codepoints[j + 1] == embedding_math::word_separator)))
          continue;
        utf8::append(word, static_cast<char32_t>(cp));
      }
      i = j + 1;
      if (word.empty()) continue;
      // FastText::getSentenceVector (unsupervised), word by word.
      impl_->ft.getWordVector(word_vec, word);
      const fasttext::real norm = word_vec.norm();
      if (norm > 0) {
        word_vec.mul(static_cast<fasttext::real>(1.0 / norm));
        sum.addVector(word_vec);
        ++count;
      }
    }
    if (count == 0) continue;
    sum.mul(static_cast<fasttext::real>(1.0 / count));
    double ss = 0;
    for (int64_t k = 0; k < sum.size(); ++k) ss += static_cast<double>(sum[k]) * sum[k];
    if (ss == 0) continue;
    const double inv = 1.0 / std::sqrt(ss);
    float* row = out.data() + s * d;
    for (size_t k = 0; k < d; ++k) row[k] = static_cast<float>(sum[static_cast<int64_t>(k)] * inv);
  }
  return ok_status();
}

result<std::unique_ptr<example_matrix>> make_example_matrix(embedding_backend& backend, const fasttext_embedder& model,
                                                            const prepared_batch& examples) {
  if (examples.segments() != examples.texts())
    return invalid_argument("embedding: examples must be one segment each (add_phrase)");
  std::vector<float> v;
  SITO_RETURN_IF_ERROR(model.embed(examples, v));
  return backend.upload_examples(std::move(v), examples.texts(), model.dim());
}

}  // namespace sito::enrich
