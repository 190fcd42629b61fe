// GPU tests of the CUDA embedding backend (label `gpu`; skip without a
// device): against the CPU backend, embeddings and MinHash signatures bit
// for bit, scores within 1e-4 and therefore the same tag decisions. Built
// by the main build and by the standalone GPU build (kernels/standalone),
// so it uses no analyzer: inputs come from synthetic_inputs.hpp.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "kernels/synthetic_inputs.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/kernels/cuda_embedding.hpp"
#include "sito/kernels/device.hpp"

namespace sito::kernels {
namespace {

namespace kt = testing;

class GpuEmbedding : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
    auto b = make_cuda_embedding_backend();
    ASSERT_TRUE(b.ok()) << b.error().to_string();
    cuda_ = std::move(*b);
    cpu_ = enrich::make_cpu_embedding_backend();
  }
  std::unique_ptr<enrich::embedding_backend> cuda_, cpu_;
};

TEST_F(GpuEmbedding, EmbeddingsEqualTheCpuBitForBit) {
  const auto batch = kt::random_posts(4096, 1);
  std::vector<float> g, c;
  ASSERT_TRUE(cuda_->embed(batch, g).ok());
  ASSERT_TRUE(cpu_->embed(batch, c).ok());
  ASSERT_EQ(g.size(), c.size());
  ASSERT_EQ(g.size(), batch.segments() * enrich::embedding_dim);
  EXPECT_EQ(std::memcmp(g.data(), c.data(), g.size() * sizeof(float)), 0);
}

TEST_F(GpuEmbedding, ScoresAgreeWithin1e4AndDecideTheSame) {
  const auto posts = kt::random_posts(4096, 2);
  const auto phrases = kt::random_phrases(1000, 3);
  auto gx = enrich::make_example_matrix(*cuda_, phrases);
  auto cx = enrich::make_example_matrix(*cpu_, phrases);
  ASSERT_TRUE(gx.ok() && cx.ok());
  std::vector<float> g, c;
  ASSERT_TRUE(cuda_->score(posts, **gx, g).ok());
  ASSERT_TRUE(cpu_->score(posts, **cx, c).ok());
  ASSERT_EQ(g.size(), c.size());
  ASSERT_EQ(g.size(), posts.texts() * 1000);
  float worst = 0;
  for (size_t i = 0; i < g.size(); ++i) worst = std::max(worst, std::fabs(g[i] - c[i]));
  EXPECT_LE(worst, 1e-4f);
  // The kNN decision per post over groups of 10 examples (a tag's examples
  // and counter-examples): the same nearest example wherever the CPU's top
  // two are more than 2e-4 apart, so the GPU's rounding cannot flip it.
  size_t decided = 0;
  for (size_t t = 0; t < posts.texts(); ++t)
    for (size_t tag = 0; tag < 100; ++tag) {
      const float* cr = c.data() + t * 1000 + tag * 10;
      const float* gr = g.data() + t * 1000 + tag * 10;
      size_t cb = 0, gb = 0;
      float c1 = -2, c2 = -2;
      for (size_t e = 0; e < 10; ++e) {
        if (cr[e] > c1) {
          c2 = c1;
          c1 = cr[e];
          cb = e;
        } else if (cr[e] > c2) {
          c2 = cr[e];
        }
        if (gr[e] > gr[gb]) gb = e;
      }
      if (c1 - c2 > 2e-4f) {
        ++decided;
        EXPECT_EQ(cb, gb) << "post " << t << " tag " << tag;
      }
    }
  EXPECT_GT(decided, posts.texts() * 50);  // most decisions are clear-cut, so the check has teeth
  // Examples uploaded by the CPU backend work on the GPU too.
  std::vector<float> foreign;
  ASSERT_TRUE(cuda_->score(posts, **cx, foreign).ok());
  EXPECT_EQ(foreign, g);
}

TEST_F(GpuEmbedding, ScoreVectorsOfAnotherModelsDimension) {
  constexpr size_t dim = 100;
  std::mt19937 rng(4);
  std::normal_distribution<float> nd;
  auto unit_rows = [&](size_t n) {
    std::vector<float> v(n * dim);
    for (size_t r = 0; r < n; ++r) {
      double ss = 0;
      for (size_t d = 0; d < dim; ++d) ss += std::pow(v[r * dim + d] = nd(rng), 2);
      for (size_t d = 0; d < dim; ++d) v[r * dim + d] = static_cast<float>(v[r * dim + d] / std::sqrt(ss));
    }
    return v;
  };
  const std::vector<uint32_t> text_begin = {0, 3, 3, 7, 8};  // text 1 has no segment
  const auto segs = unit_rows(8);
  auto gx = cuda_->upload_examples(unit_rows(33), 33, dim);
  ASSERT_TRUE(gx.ok());
  std::vector<float> g, c;
  ASSERT_TRUE(cuda_->score_vectors(segs, text_begin, **gx, g).ok());
  ASSERT_TRUE(enrich::reference::score_vectors(segs, text_begin, **gx, c).ok());
  ASSERT_EQ(g.size(), 4u * 33);
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], c[i], 1e-4f) << i;
  for (size_t e = 0; e < 33; ++e) EXPECT_EQ(g[33 + e], 0.0f);
  EXPECT_FALSE(cuda_->score_vectors(std::span(segs).first(7 * dim), text_begin, **gx, g).ok());
}

TEST_F(GpuEmbedding, MinhashEqualsTheCpuBitForBit) {
  std::vector<uint64_t> bigrams;
  std::vector<uint32_t> offsets;
  kt::random_bigram_sets(4096, 5, bigrams, offsets);
  std::vector<dedup::minhash_signature> g(4096), c(4096);
  ASSERT_TRUE(cuda_->minhash(bigrams, offsets, g).ok());
  ASSERT_TRUE(cpu_->minhash(bigrams, offsets, c).ok());
  EXPECT_TRUE(g == c);
  const std::vector<uint32_t> bad = {0, 9, 3};
  std::vector<dedup::minhash_signature> two(2);
  EXPECT_FALSE(cuda_->minhash(bigrams, bad, two).ok());
}

TEST_F(GpuEmbedding, EmptyAndDegenerateBatches) {
  enrich::prepared_batch empty;
  std::vector<float> out{1.0f};
  ASSERT_TRUE(cuda_->embed(empty, out).ok());
  EXPECT_TRUE(out.empty());
  auto ex = enrich::make_example_matrix(*cuda_, kt::random_phrases(3, 6));
  ASSERT_TRUE(ex.ok());
  ASSERT_TRUE(cuda_->score(empty, **ex, out).ok());
  EXPECT_TRUE(out.empty());
  enrich::prepared_batch no_words;  // two texts without segments
  no_words.end_text();
  no_words.end_text();
  ASSERT_TRUE(cuda_->score(no_words, **ex, out).ok());
  EXPECT_EQ(out, std::vector<float>(6, 0.0f));
  enrich::prepared_batch broken;
  broken.codepoints = {'<', 'a', '>'};
  EXPECT_FALSE(cuda_->embed(broken, out).ok());
}

TEST_F(GpuEmbedding, AutoPrefersTheRegisteredCudaBackend) {
  std::string why;
  ASSERT_TRUE(register_cuda_embedding_backend(&why)) << why;
  auto a = enrich::make_embedding_backend("auto");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)->name(), "cuda");
}

}  // namespace
}  // namespace sito::kernels
