// GPU tests (label `gpu`): skip cleanly without a device. With one, the
// GPU pages equal the CPU backend's byte for byte, and the cuda backend
// reads the same text as the cpu backend.
#include <gtest/gtest.h>

#include "enrich/ocr_test_support.hpp"
#include "sito/enrich/cpu_ocr_backend.hpp"
#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/ocr_registry.hpp"
#include "sito/kernels/cuda_ocr.hpp"
#include "support/prerequisite.hpp"

namespace sito {
namespace {

namespace et = enrich::testing;

class Gpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
    SITO_REQUIRE(et::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  }
};

TEST_F(Gpu, PagesEqualTheCpuPath) {
  std::vector<enrich::image> decoded;
  int k = 0;
  for (auto st : {et::style::clean, et::style::meme, et::style::dark}) {
    auto bytes = et::render("Доставка Flowwow подарок giveaway", st, "gpu" + std::to_string(k++), 700);
    auto img = enrich::decode_image(bytes);
    ASSERT_TRUE(img.ok());
    decoded.push_back(std::move(*img));
  }
  for (bool binarize : {false, true}) {
    enrich::preprocess_options opt;
    opt.binarize_output = binarize;
    auto gpu = kernels::gpu_preprocess_batch(decoded, opt);
    ASSERT_TRUE(gpu.ok()) << gpu.error().to_string();
    ASSERT_EQ(gpu->size(), decoded.size());
    for (size_t i = 0; i < decoded.size(); ++i) {
      auto cpu = enrich::preprocess(decoded[i], opt);
      ASSERT_TRUE(cpu.ok());
      ASSERT_TRUE((*gpu)[i].ok()) << (*gpu)[i].error().to_string();
      EXPECT_EQ((*gpu)[i]->width, cpu->width);
      EXPECT_EQ((*gpu)[i]->height, cpu->height);
      EXPECT_TRUE((*gpu)[i]->pixels == cpu->pixels) << "image " << i << " binarize=" << binarize;
    }
  }
}

TEST_F(Gpu, CudaBackendReadsWhatTheCpuBackendReads) {
  ASSERT_TRUE(kernels::register_cuda_ocr_backend());
  enrich::ocr_options opt;
  auto cuda = enrich::make_ocr_backend("cuda", opt);
  ASSERT_TRUE(cuda.ok()) << cuda.error().to_string();
  EXPECT_EQ((*cuda)->name(), "cuda");
  auto autob = enrich::make_ocr_backend("auto", opt);
  ASSERT_TRUE(autob.ok());
  EXPECT_EQ((*autob)->name(), "cuda");
  auto cpu = enrich::cpu_ocr_backend::create(opt);
  ASSERT_TRUE(cpu.ok());
  auto a = et::render("Зеркало Flowwow на выставке", et::style::meme, "gpu_ocr", 700);
  const std::vector<uint8_t> bad(64, 0x13);
  std::vector<enrich::image_input> in = {{a, ""}, {bad, ""}};
  std::vector<enrich::ocr_result> g, c;
  (*cuda)->recognize(in, g);
  (*cpu)->recognize(in, c);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_TRUE(g[0].error.ok()) << g[0].error.to_string();
  EXPECT_EQ(g[0].text, c[0].text);
  EXPECT_FALSE(g[1].error.ok());
}

}  // namespace
}  // namespace sito
