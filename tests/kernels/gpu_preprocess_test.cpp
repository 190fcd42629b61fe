// GPU tests of OCR preprocessing without ImageMagick or Leptonica (label
// `gpu`; skip without a device): synthetic pages through every branch
// (light, dark and transparent grounds, rotated lines for deskew, small and
// large type for scaling, output binarization) come out of the GPU pipeline
// byte for byte equal to the CPU path. The standalone GPU build
// (kernels/standalone) runs it where Debian's libraries are missing;
// gpu_test.cpp adds rendered and encoded images where they exist.
#include <gtest/gtest.h>

#include <string>

#include "kernels/synthetic_inputs.hpp"
#include "sito/enrich/preprocess.hpp"
#include "sito/kernels/cuda_ocr.hpp"

namespace sito::kernels {
namespace {

namespace kt = testing;

TEST(GpuPreprocess, SyntheticPagesEqualTheCpuPath) {
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  struct page_case {
    const char* what;
    uint32_t w, h;
    int lines, x_height;
    float degrees;
    kt::page_style style;
  };
  const page_case cases[] = {
      {"light, straight", 900, 420, 5, 18, 0.0f, kt::page_style::light},
      {"light, rotated 4 degrees", 900, 500, 6, 20, 4.0f, kt::page_style::light},
      {"dark, rotated -3 degrees", 800, 400, 4, 22, -3.0f, kt::page_style::dark},
      {"transparent ground", 700, 300, 3, 16, 1.5f, kt::page_style::rgba},
      {"tiny type (upscale)", 640, 260, 6, 5, 0.0f, kt::page_style::light},
      {"huge type (downscale)", 1200, 900, 2, 90, 2.0f, kt::page_style::dark},
  };
  std::vector<enrich::image> pages;
  for (size_t i = 0; i < std::size(cases); ++i) {
    const auto& c = cases[i];
    pages.push_back(kt::synthetic_page(c.w, c.h, c.lines, c.x_height, c.degrees, c.style, static_cast<uint32_t>(i + 1)));
  }
  for (bool binarize : {false, true}) {
    enrich::preprocess_options opt;
    opt.binarize_output = binarize;
    auto gpu = gpu_preprocess_batch(pages, opt);
    ASSERT_TRUE(gpu.ok()) << gpu.error().to_string();
    ASSERT_EQ(gpu->size(), pages.size());
    for (size_t i = 0; i < pages.size(); ++i) {
      const std::string what = std::string(cases[i].what) + (binarize ? ", binarized" : "");
      auto cpu = enrich::preprocess(pages[i], opt);
      ASSERT_TRUE(cpu.ok()) << what;
      ASSERT_TRUE((*gpu)[i].ok()) << what << ": " << (*gpu)[i].error().to_string();
      EXPECT_EQ((*gpu)[i]->width, cpu->width) << what;
      EXPECT_EQ((*gpu)[i]->height, cpu->height) << what;
      EXPECT_TRUE((*gpu)[i]->pixels == cpu->pixels) << what << ": pages differ";
    }
  }
}

TEST(GpuPreprocess, SyntheticPagesTakeEveryBranchOnTheHost) {
  // Runs without a device: the synthetic pages reach deskew, inversion and
  // both scalings (so the GPU test above covers them), and the kernels'
  // bodies on the host agree with the CPU path.
  struct expect {
    kt::page_style style;
    int x_height;
    float degrees;
    bool dark_text;
    bool rotated;
    int scale_sign;  ///< -1 down, 0 none, +1 up
  };
  const expect cases[] = {{kt::page_style::light, 20, 4.0f, true, true, 0},
                          {kt::page_style::dark, 22, -3.0f, false, true, 0},
                          {kt::page_style::light, 5, 0.0f, true, false, +1},
                          {kt::page_style::dark, 90, 0.0f, false, false, -1}};
  uint32_t seed = 100;
  for (const auto& c : cases) {
    const auto page = kt::synthetic_page(c.x_height > 60 ? 1200 : 800, c.x_height > 60 ? 900 : 420, c.x_height > 60 ? 2 : 5,
                                         c.x_height, c.degrees, c.style, seed++);
    enrich::preprocess_report rep, ref_rep;
    auto cpu = enrich::preprocess(page, {}, &rep);
    auto ref = host_reference_preprocess(page, {}, &ref_rep);
    ASSERT_TRUE(cpu.ok() && ref.ok());
    EXPECT_TRUE(cpu->pixels == ref->pixels) << "x-height " << c.x_height;
    EXPECT_EQ(rep.dark_text, c.dark_text) << "x-height " << c.x_height;
    EXPECT_EQ(rep.skew_degrees != 0.0f, c.rotated) << "x-height " << c.x_height << " skew " << rep.skew_degrees;
    EXPECT_EQ(rep.scale > 1.0f ? 1 : (rep.scale < 1.0f ? -1 : 0), c.scale_sign)
        << "x-height " << c.x_height << " scale " << rep.scale << " estimated " << rep.x_height;
  }
}

}  // namespace
}  // namespace sito::kernels
