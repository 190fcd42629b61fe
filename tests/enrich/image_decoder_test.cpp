// The decoder's entry: valid PNG/JPEG/WebP decode to the right size and
// channels; hostile bytes get a per-image status (never a crash, never an
// allocation sized by a lying header).
#include "sito/enrich/image_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "enrich/ocr_test_support.hpp"
#include "support/prerequisite.hpp"

namespace sito::enrich {
namespace {

std::vector<uint8_t> convert_to(std::vector<std::string> args, const std::string& out_name) {
  const std::string out = testing::scratch_dir() + "/" + out_name;
  args.push_back(out);
  if (!testing::run_convert(args)) return {};
  return testing::read_file(out);
}

/// A PNG signature and IHDR chunk declaring w×h, 8-bit RGB, and nothing else.
std::vector<uint8_t> png_header(uint32_t w, uint32_t h) {
  // 64 bytes: signature, IHDR (CRC wrong on purpose), then zeros: no image data at all.
  std::vector<uint8_t> b(64, 0);
  const uint8_t head[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
  for (size_t i = 0; i < sizeof head; ++i) b[i] = head[i];
  for (int i = 0; i < 4; ++i) {
    b[16 + i] = static_cast<uint8_t>(w >> (24 - 8 * i));
    b[20 + i] = static_cast<uint8_t>(h >> (24 - 8 * i));
  }
  b[24] = 8;  // bit depth
  b[25] = 2;  // RGB
  return b;
}

TEST(ImageDecoder, SniffsFormatsFromMagicBytes) {
  const std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  const std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0};
  const std::vector<uint8_t> webp = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a'};
  EXPECT_EQ(sniff_format(png), image_format::png);
  EXPECT_EQ(sniff_format(jpeg), image_format::jpeg);
  EXPECT_EQ(sniff_format(webp), image_format::webp);
  EXPECT_EQ(sniff_format(gif), image_format::unknown);
  EXPECT_EQ(sniff_format({}), image_format::unknown);
}

TEST(ImageDecoder, RefusesEmptyGarbageAndOtherFormats) {
  EXPECT_EQ(decode_image({}).error().code(), status_code::invalid_argument);
  std::vector<uint8_t> garbage(4096);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<uint8_t>(i * 131 + 7);
  auto r = decode_image(garbage);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not PNG, JPEG or WebP"), std::string::npos) << r.error().message();
  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
  EXPECT_FALSE(decode_image(gif).ok());
}

TEST(ImageDecoder, RefusesHugeDeclaredDimensionsBeforeDecoding) {
  auto r = decode_image(png_header(100000, 100000));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::out_of_range);
  EXPECT_NE(r.error().message().find("100000x100000"), std::string::npos) << r.error().message();
  // Within each side but over the pixel budget.
  decode_limits small;
  small.max_pixels = 1000;
  EXPECT_EQ(read_image_header(png_header(100, 100), small).error().code(), status_code::out_of_range);
  EXPECT_TRUE(read_image_header(png_header(10, 10), small).ok());
  small.max_bytes = 8;
  EXPECT_EQ(read_image_header(png_header(10, 10), small).error().code(), status_code::out_of_range);
}

TEST(ImageDecoder, HeaderOnlyPngFailsCleanly) {
  auto r = decode_image(png_header(64, 64));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
}

class ImageDecoderFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    SITO_REQUIRE(testing::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  }
};

TEST_F(ImageDecoderFiles, DecodesPngJpegWebpGrayAndAlpha) {
  struct c {
    std::vector<std::string> args;
    std::string name;
    uint8_t channels;
  };
  const std::vector<c> cases = {
      {{"-size", "40x30", "xc:#ff0000"}, "red.png", 3},
      {{"-size", "40x30", "xc:#ff0000"}, "red.jpg", 3},
      {{"-size", "40x30", "xc:#ff0000"}, "red.webp", 3},
      {{"-size", "40x30", "xc:gray50", "-type", "Grayscale"}, "g.png", 1},
      {{"-size", "40x30", "xc:rgba(0,0,255,0.5)"}, "a.png", 4},
      {{"-size", "40x30", "xc:#00ff00", "-type", "Palette"}, "p.png", 3}};
  for (const auto& k : cases) {
    auto bytes = convert_to(k.args, k.name);
    ASSERT_FALSE(bytes.empty()) << k.name;
    auto img = decode_image(bytes);
    ASSERT_TRUE(img.ok()) << k.name << ": " << img.error().to_string();
    EXPECT_EQ(img->width, 40u) << k.name;
    EXPECT_EQ(img->height, 30u) << k.name;
    EXPECT_EQ(img->channels, k.channels) << k.name;
    EXPECT_EQ(img->pixels.size(), img->stride() * img->height);
    if (k.name == "red.png") {
      EXPECT_EQ(img->pixels[0], 255);
      EXPECT_EQ(img->pixels[1], 0);
      EXPECT_EQ(img->pixels[2], 0);
    }
  }
}

TEST_F(ImageDecoderFiles, TruncatedAndCorruptedBodiesFailPerImage) {
  for (const std::string name : {"t.png", "t.jpg", "t.webp"}) {
    auto bytes = convert_to({"-size", "300x200", "plasma:fractal"}, name);
    ASSERT_GT(bytes.size(), 200u) << name;
    // Every prefix length class: header only, half, all but the last bytes.
    for (size_t keep : {size_t{30}, bytes.size() / 2, bytes.size() - 8}) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(keep));
      auto r = decode_image(cut);  // must return, ok or not; JPEG decoders may pad a truncated scan
      if (r.ok()) {
        EXPECT_EQ(r->width, 300u);
        EXPECT_EQ(r->pixels.size(), r->stride() * r->height);
      }
    }
    std::vector<uint8_t> flipped = bytes;
    for (size_t i = 40; i < flipped.size(); i += 7) flipped[i] ^= 0x5A;
    auto r = decode_image(flipped);
    if (r.ok()) {
      EXPECT_EQ(r->pixels.size(), r->stride() * r->height);
    }
  }
  auto png = convert_to({"-size", "300x200", "plasma:fractal"}, "t2.png");
  std::vector<uint8_t> half(png.begin(), png.begin() + static_cast<std::ptrdiff_t>(png.size() / 2));
  EXPECT_FALSE(decode_image(half).ok()) << "a PNG cut in half cannot decode";
}

}  // namespace
}  // namespace sito::enrich
