// Host-side proof for the CUDA embedding backend (runs without a GPU): the
// kernels' per-thread bodies (kernels/src/embedding_bodies.cuh), compiled by
// nvcc and run by host loops, give the CPU backend's embeddings and MinHash
// signatures bit for bit, on real posts through the preparer and on
// synthetic batches.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/synthetic_inputs.hpp"
#include "sito/dedup/shingles.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/kernels/cuda_embedding.hpp"
#include "sito/kernels/device.hpp"

namespace sito::kernels {
namespace {

void expect_same_embeddings(const enrich::prepared_batch& batch) {
  std::vector<float> ref, cpu;
  host_reference_embed(batch, ref);
  ASSERT_TRUE(enrich::make_cpu_embedding_backend()->embed(batch, cpu).ok());
  ASSERT_EQ(ref.size(), cpu.size());
  EXPECT_EQ(std::memcmp(ref.data(), cpu.data(), ref.size() * sizeof(float)), 0);
}

TEST(EmbeddingSharedMath, PositionBodiesEqualTheWordWalkOnRealPosts) {
  enrich::text_preparer prep;
  enrich::prepared_batch b;
  for (auto t : {"Курьер опоздал на два часа. Больше не закажу!", "iPhone 15 Pro Max — розыгрыш 🔥 #конкурс @shop",
                 "а", "Ёлки-палки, что за сервис?!\nДеньги списали дважды, а товара нет",
                 "Қазақстандағы ең жақсы дүкен", "ошибка 404 на сайте www.shop.ru/cart при оплате картой"})
    ASSERT_TRUE(prep.add_post(t, b).ok());
  expect_same_embeddings(b);
}

TEST(EmbeddingSharedMath, PositionBodiesEqualTheWordWalkOnSyntheticBatches) {
  expect_same_embeddings(testing::random_posts(300, 11));
  expect_same_embeddings(testing::random_phrases(200, 12));
  enrich::prepared_batch edge;  // one-letter words, a word longer than any n-gram, an empty segment
  testing::add_words(edge, {"я", "а", "б"});
  testing::add_words(edge, {"достопримечательностей"});
  edge.add_segment({});
  edge.end_text();
  expect_same_embeddings(edge);
}

TEST(EmbeddingSharedMath, MinhashLanesEqualTheCpuSignatures) {
  std::vector<uint64_t> bigrams;
  std::vector<uint32_t> offsets;
  testing::random_bigram_sets(500, 13, bigrams, offsets);
  std::vector<dedup::minhash_signature> ref(500), cpu(500);
  host_reference_minhash(bigrams, offsets, ref);
  ASSERT_TRUE(enrich::make_cpu_embedding_backend()->minhash(bigrams, offsets, cpu).ok());
  EXPECT_TRUE(ref == cpu);
}

TEST(EmbeddingSharedMath, RegistrationNeedsADevice) {
  std::string why;
  const bool registered = register_cuda_embedding_backend(&why);
  EXPECT_EQ(registered, cuda_device_count() > 0) << why;
  if (!registered) {
    EXPECT_FALSE(why.empty());
    auto c = make_cuda_embedding_backend();
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code(), status_code::unavailable);
  }
}

}  // namespace
}  // namespace sito::kernels
