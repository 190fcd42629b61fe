// Host-side proof for the CUDA backend (runs without a GPU): the GPU
// pipeline's sequence of kernel bodies, compiled by nvcc and run on the
// host (kernels::host_reference_preprocess), produces the same page, byte
// for byte, as the CPU backend's preprocessing, on rendered and synthetic
// images through every branch (deskew, scaling, dark grounds, output
// binarization, alpha).
#include <gtest/gtest.h>

#include "enrich/ocr_test_support.hpp"
#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/preprocess.hpp"
#include "sito/kernels/cuda_ocr.hpp"
#include "support/prerequisite.hpp"

namespace sito {
namespace {

namespace et = enrich::testing;

void expect_same(const enrich::image& in, const enrich::preprocess_options& opt, const std::string& what) {
  enrich::preprocess_report cpu_rep, ref_rep;
  auto cpu = enrich::preprocess(in, opt, &cpu_rep);
  auto ref = kernels::host_reference_preprocess(in, opt, &ref_rep);
  ASSERT_TRUE(cpu.ok()) << what;
  ASSERT_TRUE(ref.ok()) << what;
  EXPECT_EQ(cpu->width, ref->width) << what;
  EXPECT_EQ(cpu->height, ref->height) << what;
  EXPECT_TRUE(cpu->pixels == ref->pixels) << what << ": pages differ";
  EXPECT_EQ(cpu_rep.skew_degrees, ref_rep.skew_degrees) << what;
  EXPECT_EQ(cpu_rep.scale, ref_rep.scale) << what;
  EXPECT_EQ(cpu_rep.dark_text, ref_rep.dark_text) << what;
}

TEST(SharedMath, SyntheticImagesMatchTheCpuPath) {
  enrich::image rgba;
  rgba.width = 97;
  rgba.height = 61;
  rgba.channels = 4;
  for (uint32_t i = 0; i < rgba.width * rgba.height; ++i)
    for (int c = 0; c < 4; ++c) rgba.pixels.push_back(static_cast<uint8_t>((i * 37 + c * 91) % 256));
  enrich::preprocess_options opt;
  expect_same(rgba, opt, "rgba noise");
  opt.binarize_output = true;
  expect_same(rgba, opt, "rgba noise, binarized");
  EXPECT_FALSE(kernels::host_reference_preprocess(enrich::image{}, opt).ok());
}

TEST(SharedMath, RenderedPagesMatchTheCpuPath) {
  SITO_REQUIRE(et::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  struct c {
    et::style st;
    std::string text;
    int width;
  };
  const std::vector<c> cases = {{et::style::clean, "Доставка цветов Flowwow вовремя", 700},
                                {et::style::meme, "Розыгрыш! Giveaway банк подарок", 600},  // rotated 4°: deskew runs
                                {et::style::dark, "Қазақстандағы ең жақсы дүкен", 650}};
  int k = 0;
  for (const auto& cs : cases) {
    auto bytes = et::render(cs.text, cs.st, "shared" + std::to_string(k++), cs.width);
    ASSERT_FALSE(bytes.empty());
    auto img = enrich::decode_image(bytes);
    ASSERT_TRUE(img.ok());
    enrich::preprocess_options opt;
    expect_same(*img, opt, cs.text);
    opt.binarize_output = true;
    expect_same(*img, opt, cs.text + " (binarized)");
    opt.binarize_output = false;
    opt.min_x_height = 40;  // force the scaling branch (upscale)
    opt.target_x_height = 44;
    expect_same(*img, opt, cs.text + " (scaled up)");
    opt.min_x_height = 1;
    opt.max_x_height = 8;  // force a downscale
    opt.target_x_height = 6;
    expect_same(*img, opt, cs.text + " (scaled down)");
  }
}

TEST(SharedMath, RegistrationNeedsADevice) {
  // On a machine without a GPU the backend must not register; with one it must.
  const bool registered = kernels::register_cuda_ocr_backend();
  EXPECT_EQ(registered, kernels::cuda_device_count() > 0);
  auto batch = kernels::gpu_preprocess_batch({}, {});
  EXPECT_EQ(batch.ok(), kernels::cuda_device_count() > 0);
}

}  // namespace
}  // namespace sito
