// The CPU preprocessing stages and the shared per-pixel math they loop over.
#include "sito/enrich/preprocess.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "enrich/ocr_test_support.hpp"
#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/pixel_math.hpp"
#include "support/prerequisite.hpp"

namespace sito::enrich {
namespace {

image solid(uint32_t w, uint32_t h, uint8_t channels, std::vector<uint8_t> px) {
  image img;
  img.width = w;
  img.height = h;
  img.channels = channels;
  // Sized once and filled by index: GCC 12 warns (falsely) about
  // vector::insert of a small range inlined into a loop.
  const size_t n = static_cast<size_t>(w) * h;
  img.pixels.resize(n * px.size());
  for (size_t i = 0; i < n; ++i)
    for (size_t c = 0; c < px.size(); ++c) img.pixels[i * px.size() + c] = px[c];
  return img;
}

TEST(PixelMath, LumaAndAlpha) {
  EXPECT_EQ(pixel::luma(0, 0, 0), 0);
  EXPECT_EQ(pixel::luma(255, 255, 255), 255);
  EXPECT_EQ(pixel::luma(255, 0, 0), 77);   // (77*255+128)>>8
  EXPECT_EQ(pixel::luma(0, 255, 0), 149);
  EXPECT_EQ(pixel::over_white(0, 0), 255);     // transparent → paper
  EXPECT_EQ(pixel::over_white(0, 255), 0);     // opaque stays
  EXPECT_EQ(pixel::over_white(100, 128), 177); // (100*128+255*127+127)/255
}

TEST(PixelMath, ScaleAndRotateIdentity) {
  const uint8_t src[4] = {10, 20, 30, 40};  // 2×2
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 2; ++x) {
      EXPECT_EQ(pixel::scale_pixel(src, 2, 2, 2, 2, 2, x, y), src[y * 2 + x]);
      EXPECT_EQ(pixel::rotate_pixel(src, 2, 2, 2, 2, 2, 1.0f, 0.0f, x, y), src[y * 2 + x]);
    }
  EXPECT_EQ(pixel::scale_pixel(src, 2, 2, 2, 1, 1, 0, 0), 25);  // box average
}

TEST(PixelMath, SauvolaThresholdFollowsContrast) {
  // Flat region (no contrast): threshold well under the mean, so paper stays paper.
  EXPECT_EQ(pixel::binarize_pixel(200, 200.0f, 0.0f, 0.34f, true), 255);
  // Dark stroke in a contrasted window is ink.
  EXPECT_EQ(pixel::binarize_pixel(40, 150.0f, 80.0f, 0.34f, true), 0);
  // Light text on a dark ground comes out as ink too (inverted polarity).
  EXPECT_EQ(pixel::binarize_pixel(230, 100.0f, 80.0f, 0.34f, false), 0);
}

TEST(Preprocess, GrayFromRgbAndRgba) {
  auto g = to_gray(solid(3, 2, 3, {255, 0, 0}));
  ASSERT_EQ(g.channels, 1);
  EXPECT_EQ(g.pixels.size(), 6u);
  EXPECT_EQ(g.pixels[5], 77);
  auto a = to_gray(solid(2, 2, 4, {0, 0, 0, 0}));
  EXPECT_EQ(a.pixels[0], 255);
}

TEST(Preprocess, BinarizesASquareAndInvertsDarkGrounds) {
  // Strokes: 3-px bars every 8 px, like text. (A blob wider than the window
  // has no local contrast inside and reads as paper: Sauvola by design.)
  image g = solid(64, 64, 1, {220});
  for (int y = 16; y < 48; ++y)
    for (int x = 16; x < 48; ++x)
      if (x % 8 < 3) g.pixels[y * 64 + x] = 30;
  EXPECT_TRUE(is_dark_text(g));
  auto b = binarize_sauvola(g, 7, 0.34f, true);
  EXPECT_EQ(b.pixels[30 * 64 + 33], 0);    // on a bar
  EXPECT_EQ(b.pixels[30 * 64 + 36], 255);  // between bars
  EXPECT_EQ(b.pixels[5 * 64 + 5], 255);    // flat ground
  image inv = g;
  for (auto& v : inv.pixels) v = static_cast<uint8_t>(250 - v);  // light bars on a dark ground
  EXPECT_FALSE(is_dark_text(inv));
  auto bi = binarize_sauvola(inv, 7, 0.34f, false);
  EXPECT_EQ(bi.pixels[30 * 64 + 33], 0);
  EXPECT_EQ(bi.pixels[30 * 64 + 36], 255);
  EXPECT_EQ(bi.pixels[5 * 64 + 5], 255);
}

TEST(Preprocess, MedianBandHeight) {
  std::vector<uint32_t> p(100, 0);
  for (int i = 10; i < 30; ++i) p[i] = 50;   // 20
  for (int i = 40; i < 62; ++i) p[i] = 40;   // 22
  for (int i = 70; i < 94; ++i) p[i] = 45;   // 24
  p[97] = 60;                                // a 1-row speck is not a band
  EXPECT_EQ(median_band_height(p), 22.0f);
  EXPECT_EQ(median_band_height(std::vector<uint32_t>(10, 0)), 0.0f);
}

TEST(Preprocess, RotationKeepsEveryPixelOnTheCanvas) {
  image g = solid(100, 40, 1, {0});
  auto r = rotate_gray(g, 90.0f);
  EXPECT_NEAR(static_cast<int>(r.width), 40, 1);
  EXPECT_NEAR(static_cast<int>(r.height), 100, 1);
  EXPECT_EQ(r.pixels[(r.height / 2) * r.width + r.width / 2], 0);
}

class PreprocessRendered : public ::testing::Test {
 protected:
  void SetUp() override {
    SITO_REQUIRE(testing::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  }
  static image page(const std::vector<std::string>& extra, const std::string& name, int pointsize = 28) {
    const std::string png = testing::scratch_dir() + "/" + name + ".png";
    std::vector<std::string> a = {"-background", "white", "-fill", "black", "-font", "DejaVu-Sans", "-pointsize",
                                  std::to_string(pointsize),
                                  "caption:Доставка цветов вовремя, курьер вежливый.\nВторая строка текста для проверки наклона.\nТретья строка.",
                                  "-bordercolor", "white", "-border", "30"};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back(png);
    EXPECT_TRUE(testing::run_convert(a));
    auto img = decode_image(testing::read_file(png));
    EXPECT_TRUE(img.ok());
    return img.ok() ? to_gray(*img) : image{};
  }
};

TEST_F(PreprocessRendered, FindsTheSkewOfRotatedText) {
  for (float deg : {-6.0f, 0.0f, 5.0f}) {
    // ImageMagick's -rotate is clockwise on screen: lines fall to the right (positive slope, y down).
    image g = page({"-background", "white", "-rotate", std::to_string(deg)}, "skew" + std::to_string(static_cast<int>(deg)));
    auto est = estimate_skew(binarize_sauvola(g, 15, 0.34f, true), 12.0f, 0.5f);
    EXPECT_NEAR(est.degrees, deg, 1.0) << deg;
    EXPECT_GT(est.x_height, 10.0f);  // DejaVu Sans 28 pt: x-height ≈ 16 px
    EXPECT_LT(est.x_height, 30.0f);
    preprocess_options opt;
    opt.scale = false;
    preprocess_report rep;
    auto out = preprocess(g, opt, &rep);
    ASSERT_TRUE(out.ok());
    auto after = estimate_skew(binarize_sauvola(*out, 15, 0.34f, true), 12.0f, 0.5f);
    EXPECT_NEAR(after.degrees, 0.0f, 0.75) << "after deskew of " << deg;
  }
}

TEST_F(PreprocessRendered, ScalesSmallTextToTheTargetLineHeight) {
  image g = page({}, "small", 12);
  preprocess_options opt;
  preprocess_report rep;
  auto out = preprocess(g, opt, &rep);
  ASSERT_TRUE(out.ok());
  EXPECT_GT(rep.scale, 1.4f);  // 12 pt: x-height ≈ 7 px, under min_x_height
  auto after = estimate_skew(binarize_sauvola(*out, 15, 0.34f, true), 0.0f, 0.5f);
  EXPECT_NEAR(after.x_height, static_cast<float>(opt.target_x_height), opt.target_x_height * 0.25);
}

}  // namespace
}  // namespace sito::enrich
