// sito::enrich::fasttext_embedder (sito/enrich/fasttext_embedder.hpp): a tiny
// skipgram model trained here from a small text, whose segment vectors must
// be fastText's own getSentenceVector, normalized; scores through
// score_vectors; and files that are missing, foreign, truncated at every
// part, quantized or padded, each refused with a status and never handed to
// fastText.
#include <gtest/gtest.h>

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sito/compile/compiler.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/fasttext_embedder.hpp"
#include "sito/enrich/semantic_tags.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/scan/semantic_facts.hpp"

namespace sito::enrich {
namespace {

namespace fs = std::filesystem;

/// A small text about deliveries, support and apps, normalized by the
/// preparer as ops/train-embeddings does it, one segment a line.
std::string training_text() {
  const char* subjects[] = {"курьер", "доставщик", "заказ", "посылка", "оператор", "поддержка", "приложение"};
  const char* verbs[] = {"опоздал на два часа", "привез заказ вовремя", "не отвечает на звонки",
                         "вылетает при запуске", "вернул деньги за товар", "нагрубил мне по телефону"};
  const char* tails[] = {"вчера вечером", "уже третий раз", "как всегда", "и это ужасно", "спасибо большое"};
  text_preparer prep;
  std::string out;
  for (int round = 0; round < 6; ++round)
    for (const char* s : subjects)
      for (const char* v : verbs)
        for (const char* t : tails) {
          const std::string line = std::string(s) + " " + v + " " + t + ".";
          const auto segments = prep.segments_of(line);  // not a temporary's value(): it would dangle
          for (const auto& seg : segments.value()) out += seg + "\n";
        }
  return out;
}

class FastTextEmbedder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() / ("sito_fasttext_test_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    const fs::path corpus = *dir_ / "corpus.txt";
    std::ofstream(corpus) << training_text();
    fasttext::Args a;
    a.input = corpus.string();
    a.output = (*dir_ / "tiny").string();
    a.model = fasttext::model_name::sg;
    a.dim = 16;
    a.minn = 3;
    a.maxn = 5;
    a.epoch = 5;
    a.minCount = 1;
    a.bucket = 5000;  // small: the file stays a few hundred kB
    a.thread = 1;     // deterministic
    a.verbose = 0;
    fasttext::FastText ft;
    ft.train(a);
    ft.saveModel(model_path());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
  }
  static std::string model_path() { return (*dir_ / "tiny.bin").string(); }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static std::string model_bytes() {
    std::ifstream in(model_path(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static std::string write(const std::string& name, const std::string& bytes) {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }

  static fs::path* dir_;
};
fs::path* FastTextEmbedder::dir_ = nullptr;

TEST_F(FastTextEmbedder, LoadsATrainedModelAndReportsWhatItDeclares) {
  auto info = inspect_fasttext_model(model_path());
  ASSERT_TRUE(info.ok()) << info.error().to_string();
  EXPECT_EQ(info->version, 12);
  EXPECT_EQ(info->dim, 16);
  EXPECT_EQ(info->minn, 3);
  EXPECT_EQ(info->maxn, 5);
  EXPECT_EQ(info->bucket, 5000);
  EXPECT_EQ(info->model, "skipgram");
  EXPECT_GT(info->words, 20);
  EXPECT_EQ(info->labels, 0);
  auto m = fasttext_embedder::load(model_path());
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  EXPECT_EQ(m->dim(), 16u);
  EXPECT_EQ(m->info().words, info->words);
}

TEST_F(FastTextEmbedder, SegmentVectorIsFastTextsSentenceVectorNormalized) {
  auto m = fasttext_embedder::load(model_path());
  ASSERT_TRUE(m.ok());
  fasttext::FastText ft;
  ft.loadModel(model_path());
  text_preparer prep;
  prepared_batch batch;
  // Known words, an inflection and a typo the model never saw (its n-grams
  // still give it a vector), several sentences, upper case and ё.
  const std::vector<std::string> posts = {
      "Курьер опоздал на два часа!", "Курьеры опаздывают. Приложение вылетаетт при запуске, уже третий раз",
      "ВЕРНУЛ ДЕНЬГИ за товар, спасибо большое", "Ёжик в тумане"};
  for (const auto& p : posts) ASSERT_TRUE(prep.add_post(p, batch).ok());
  std::vector<float> out;
  ASSERT_TRUE(m->embed(batch, out).ok());
  ASSERT_EQ(out.size(), batch.segments() * 16);
  size_t s = 0;
  for (const auto& p : posts) {
    const auto segments = prep.segments_of(p);
    for (const auto& seg : segments.value()) {
      std::istringstream in(seg + "\n");
      fasttext::Vector v(16);
      ft.getSentenceVector(in, v);
      double ss = 0;
      for (int64_t k = 0; k < 16; ++k) ss += static_cast<double>(v[k]) * v[k];
      ASSERT_GT(ss, 0.0) << seg;
      double norm = 0;
      for (int64_t k = 0; k < 16; ++k) {
        const float expect = static_cast<float>(v[k] / std::sqrt(ss));
        EXPECT_NEAR(out[s * 16 + static_cast<size_t>(k)], expect, 1e-6) << seg << " [" << k << "]";
        norm += static_cast<double>(out[s * 16 + static_cast<size_t>(k)]) * out[s * 16 + static_cast<size_t>(k)];
      }
      EXPECT_NEAR(norm, 1.0, 1e-5) << seg;
      ++s;
    }
  }
  EXPECT_EQ(s, batch.segments());
}

TEST_F(FastTextEmbedder, ASegmentWithoutWordsIsTheZeroVector) {
  auto m = fasttext_embedder::load(model_path());
  ASSERT_TRUE(m.ok());
  text_preparer prep;
  prepared_batch b;
  ASSERT_TRUE(prep.add_phrase("🔥🔥 https://example.com/x", b).ok());  // one empty segment
  ASSERT_TRUE(prep.add_post("🔥", b).ok());                            // no segment at all
  std::vector<float> out;
  ASSERT_TRUE(m->embed(b, out).ok());
  ASSERT_EQ(out.size(), 16u);
  for (float x : out) EXPECT_EQ(x, 0.0f);
}

TEST_F(FastTextEmbedder, ScoresGoThroughScoreVectorsAsTheBestSegment) {
  auto m = fasttext_embedder::load(model_path());
  ASSERT_TRUE(m.ok());
  text_preparer prep;
  prepared_batch posts, examples;
  for (auto p : {"Оператор нагрубил мне по телефону. А курьер опоздал на два часа", "🔥",
                 "Приложение вылетает при запуске"})
    ASSERT_TRUE(prep.add_post(p, posts).ok());
  for (auto e : {"курьер опоздал", "приложение вылетает"}) ASSERT_TRUE(prep.add_phrase(e, examples).ok());
  auto cpu = make_cpu_embedding_backend();
  auto ex = make_example_matrix(*cpu, *m, examples);
  ASSERT_TRUE(ex.ok()) << ex.error().to_string();
  EXPECT_EQ((*ex)->dim(), 16u);
  std::vector<float> segs, scores;
  ASSERT_TRUE(m->embed(posts, segs).ok());
  ASSERT_TRUE(cpu->score_vectors(segs, posts.text_begin, **ex, scores).ok());
  ASSERT_EQ(scores.size(), 6u);
  for (size_t t = 0; t < posts.texts(); ++t)
    for (size_t e = 0; e < 2; ++e) {
      double best = posts.text_begin[t] == posts.text_begin[t + 1] ? 0.0 : -2.0;
      for (uint32_t s = posts.text_begin[t]; s < posts.text_begin[t + 1]; ++s) {
        double d = 0;
        for (size_t k = 0; k < 16; ++k) d += static_cast<double>(segs[s * 16 + k]) * (*ex)->vectors()[e * 16 + k];
        best = std::max(best, d);
      }
      EXPECT_NEAR(scores[t * 2 + e], best, 1e-5) << t << "," << e;
    }
  EXPECT_EQ(scores[2], 0.0f);  // the emoji post has no segment
  EXPECT_EQ(scores[3], 0.0f);
  // The second sentence of post 0 is the first example word for word.
  EXPECT_GT(scores[0], 0.9f);
  EXPECT_GT(scores[5], 0.9f);
  // The built-in embedding's examples are of another dimension.
  std::vector<float> wrong;
  EXPECT_FALSE(cpu->score(posts, **ex, wrong).ok());
}

TEST_F(FastTextEmbedder, RefusesAMissingFileADirectoryAndForeignFiles) {
  auto missing = fasttext_embedder::load(path("no-such-model.bin"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), status_code::not_found);
  auto dir = fasttext_embedder::load(dir_->string());
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code(), status_code::invalid_argument);

  auto empty = fasttext_embedder::load(write("empty.bin", ""));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("truncated"), std::string::npos) << empty.error().message();

  auto text = fasttext_embedder::load(write("vectors.vec", "2 3\nкурьер 0.1 0.2 0.3\nзаказ 0.3 0.2 0.1\n"));
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message().find("not a fastText model"), std::string::npos) << text.error().message();

  std::string old = model_bytes();
  const int32_t version = 13;
  std::memcpy(old.data() + 4, &version, 4);
  auto newer = fasttext_embedder::load(write("newer.bin", old));
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().message().find("version 13"), std::string::npos) << newer.error().message();
}

TEST_F(FastTextEmbedder, RefusesATruncatedModelAtEveryPart) {
  const std::string bytes = model_bytes();
  auto info = inspect_fasttext_model(model_path()).value();
  // The header, the arguments, the dictionary (its sizes, a word, the last
  // entry), the flags, the input matrix, the output matrix, one byte short.
  const size_t dict_at = 8 + 56;
  std::vector<size_t> cuts = {3, 4, 7, 8, 20, dict_at - 1, dict_at + 10, dict_at + 28, dict_at + 31, dict_at + 40};
  for (size_t c = bytes.size() / 16; c < bytes.size(); c += bytes.size() / 16) cuts.push_back(c);
  cuts.push_back(bytes.size() - 1);
  for (size_t cut : cuts) {
    auto m = fasttext_embedder::load(write("cut.bin", bytes.substr(0, cut)));
    ASSERT_FALSE(m.ok()) << "cut at " << cut;
    EXPECT_EQ(m.error().code(), status_code::invalid_argument) << cut;
    EXPECT_NE(m.error().message().find("truncated"), std::string::npos) << cut << ": " << m.error().message();
  }
  EXPECT_GT(info.words, 0);
}

TEST_F(FastTextEmbedder, RefusesCorruptHeadersQuantizedModelsAndTrailingBytes) {
  const std::string bytes = model_bytes();
  auto with = [&](size_t at, const void* v, size_t n) {
    std::string b = bytes;
    std::memcpy(b.data() + at, v, n);
    return b;
  };
  const int32_t huge = 1 << 30, negative = -5;
  struct bad_case {
    std::string name, bytes, says;
  };
  const size_t dict_at = 8 + 56;
  const std::vector<bad_case> cases = {
      {"dim", with(8, &huge, 4), "dim"},
      {"bucket", with(8 + 32, &negative, 4), "bucket"},
      {"maxn", with(8 + 40, &huge, 4), "n-grams"},
      {"loss", with(8 + 24, &huge, 4), "loss"},
      {"entries", with(dict_at, &huge, 4), "disagree"},
      {"nwords", with(dict_at + 4, &negative, 4), "disagree"},
      {"trailing", bytes + std::string(7, 'x'), "7 bytes after the model"},
  };
  for (const auto& c : cases) {
    auto m = fasttext_embedder::load(write(c.name + ".bin", c.bytes));
    ASSERT_FALSE(m.ok()) << c.name;
    EXPECT_EQ(m.error().code(), status_code::invalid_argument) << c.name;
    EXPECT_NE(m.error().message().find(c.says), std::string::npos) << c.name << ": " << m.error().message();
  }

  // The quantization flag follows the dictionary: find it by walking the
  // words (each a 0-terminated string, an int64 count, an int8 type).
  const auto info = inspect_fasttext_model(model_path()).value();
  size_t at = dict_at + 4 + 4 + 4 + 8 + 8;
  for (int32_t i = 0; i < info.words + info.labels; ++i) at = bytes.find('\0', at) + 1 + 8 + 1;
  ASSERT_EQ(bytes[at], '\0');  // not quantized
  std::string quantized = bytes;
  quantized[at] = 1;
  auto q = fasttext_embedder::load(write("quantized.ftz", quantized));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message().find("quantized"), std::string::npos) << q.error().message();
}

}  // namespace
}  // namespace sito::enrich

// A topic's semantic tags decided with the model (compile_options::
// embedding_model), as sitod's `embeddings.model` and `sito match
// --embedding-model` run them: the same decision as the model's vectors
// scored by hand, and the model's own default threshold.
namespace sito::enrich {
namespace {

TEST_F(FastTextEmbedder, CompiledTopicsDecideSemanticTagsWithTheModel) {
  auto loaded = enrich::fasttext_embedder::load(model_path());
  ASSERT_TRUE(loaded.ok());
  auto model = std::make_shared<enrich::fasttext_embedder>(std::move(*loaded));
  topic_spec t{"acme", "t", "", "курьер* OR оператор* OR приложение", {}, {}};
  t.tags = {{"Опоздание", "", {"курьер опоздал на два часа"}, {"курьер привез заказ вовремя"}, 0.5f},
            {"Грубость", "", {"оператор нагрубил мне по телефону"}, {}, -1}};
  compile_options options;
  options.embedding_model = model;
  options.default_min_similarity = 0.9f;
  compile_report report;
  auto snap = compile_topics(std::vector<topic_spec>{t}, options, &report);
  ASSERT_TRUE(snap.ok() && report.errors.empty());
  const auto& set = *(*snap)->semantic_tags;
  EXPECT_EQ(set.model(), model.get());
  EXPECT_EQ(set.examples().dim(), 16u);
  EXPECT_FLOAT_EQ(set.definition(0).min_similarity, 0.5f);
  EXPECT_FLOAT_EQ(set.definition(1).min_similarity, 0.9f);  // the model's default

  std::vector<post> posts;
  for (const char* text : {"курьер опоздал на два часа вчера вечером", "курьер привез заказ вовремя, спасибо большое",
                           "оператор нагрубил мне по телефону уже третий раз", "приложение вылетает при запуске"}) {
    post p;
    p.id = text;
    p.text = text;
    posts.push_back(p);
  }
  batch_scanner scanner(*snap);
  scan_output out;
  scanner.scan(posts, out);
  std::vector<stream_facts> facts;
  auto cpu = enrich::make_cpu_embedding_backend();
  semantic_tagger tagger(*cpu);
  ASSERT_TRUE(tagger.decide(**snap, posts, out, facts).ok());
  ASSERT_EQ(tagger.posts_embedded(), posts.size());
  // By hand: the model's vectors, scored by the reference, decided by row.
  enrich::text_preparer prep;
  size_t tagged = 0;
  for (size_t i = 0; i < posts.size(); ++i) {
    enrich::prepared_batch b;
    ASSERT_TRUE(prep.add_post(semantic_text_of(posts[i]), b).ok());
    std::vector<float> segs, scores;
    ASSERT_TRUE(model->embed(b, segs).ok());
    ASSERT_TRUE(enrich::reference::score_vectors(segs, b.text_begin, set.examples(), scores).ok());
    std::vector<uint32_t> expect;
    for (uint32_t g = 0; g < set.tags(); ++g)
      if (set.decide_row(g, scores).tagged) expect.push_back(g);
    EXPECT_EQ(facts[i].semantic, expect) << posts[i].text;
    tagged += expect.size();
  }
  EXPECT_GT(tagged, 0u);  // the examples themselves score 1 against their own words
  scanner.apply_facts(posts, facts, out);
  size_t with_tags = 0;
  for (const auto& m : out.matches) with_tags += out.tags_of(m).size();
  EXPECT_EQ(with_tags, tagged);
}

}  // namespace
}  // namespace sito::enrich
