// The OCR interface: per-image errors inside a batch, stage timings, one
// Tesseract engine per calling thread, and backend choice with CPU fallback.
#include "sito/enrich/ocr_backend.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "enrich/ocr_test_support.hpp"
#include "sito/enrich/cpu_ocr_backend.hpp"
#include "sito/enrich/ocr_registry.hpp"
#include "support/prerequisite.hpp"

namespace sito::enrich {
namespace {

TEST(OcrRegistry, CpuAlwaysExistsAndUnknownNamesAreNotFound) {
  auto names = ocr_backend_names();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names[0], "cpu");
  auto none = make_ocr_backend("tpu", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), status_code::not_found);
}

TEST(OcrRegistry, MissingModelsAreAStatus) {
  ocr_options opt;
  opt.tessdata_dir = "/nonexistent";
  auto b = make_ocr_backend("cpu", opt);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), status_code::not_found);
  EXPECT_NE(b.error().message().find("/nonexistent"), std::string::npos);
}

class fake_backend final : public ocr_backend {
 public:
  std::string_view name() const override { return "fake"; }
  void recognize(std::span<const image_input> images, std::vector<ocr_result>& out) override {
    out.assign(images.size(), ocr_result{});
    for (auto& r : out) r.text = "fake";
  }
};

TEST(OcrRegistry, AutoPrefersARegisteredBackendAndFallsBackToCpu) {
  std::string reason;
  register_ocr_backend("broken", 10, [](const ocr_options&) -> result<std::unique_ptr<ocr_backend>> {
    return unavailable("no device");
  });
  auto b = make_ocr_backend("auto", {}, &reason);
  ASSERT_TRUE(b.ok()) << b.error().to_string();
  EXPECT_EQ((*b)->name(), "cpu");
  EXPECT_NE(reason.find("broken: no device"), std::string::npos) << reason;
  register_ocr_backend("fake", 20, [](const ocr_options&) -> result<std::unique_ptr<ocr_backend>> {
    return std::unique_ptr<ocr_backend>(new fake_backend());
  });
  auto f = make_ocr_backend("auto", {}, &reason);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->name(), "fake");
  EXPECT_TRUE(reason.empty());
  auto named = make_ocr_backend("fake", {});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ((*named)->name(), "fake");
}

TEST(CpuOcrBackend, BadImagesFailAloneInsideABatch) {
  SITO_REQUIRE(testing::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  auto backend = cpu_ocr_backend::create({});
  ASSERT_TRUE(backend.ok()) << backend.error().to_string();
  auto good = testing::render("Flowwow зеркало", testing::style::clean, "batch_good");
  ASSERT_FALSE(good.empty());
  const std::vector<uint8_t> garbage(100, 0x42);
  std::vector<uint8_t> truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 3));
  std::vector<image_input> in = {{garbage, "image/png"}, {good, "image/png"}, {truncated, "image/png"}};
  std::vector<ocr_result> out;
  (*backend)->recognize(in, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].error.ok());
  EXPECT_TRUE(out[1].error.ok()) << out[1].error.to_string();
  EXPECT_FALSE(out[2].error.ok());
  EXPECT_NE(out[1].text.find("Flowwow"), std::string::npos) << out[1].text;
  EXPECT_GT(out[1].confidence, 50.0f);
  EXPECT_GT(out[1].times.recognize_us, 0u);
}

TEST(CpuOcrBackend, OneEnginePerCallingThread) {
  SITO_REQUIRE(testing::have_convert(), "/usr/bin/convert (Debian package imagemagick) is not installed");
  ocr_options opt;
  opt.languages = "eng";
  auto backend = cpu_ocr_backend::create(opt);
  ASSERT_TRUE(backend.ok());
  EXPECT_EQ((*backend)->recognizer()->engines(), 1u);  // loaded once at create
  auto img = testing::render("Giveaway banner", testing::style::clean, "threads");
  std::vector<image_input> in = {{img, ""}};
  std::vector<std::thread> threads;
  std::vector<std::string> texts(3);
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      std::vector<ocr_result> out;
      for (int k = 0; k < 2; ++k) (*backend)->recognize(in, out);
      texts[t] = out[0].text;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ((*backend)->recognizer()->engines(), 4u);  // the creator's + one per worker, reused across calls
  for (const auto& t : texts) EXPECT_EQ(t, "Giveaway banner");
}

}  // namespace
}  // namespace sito::enrich
