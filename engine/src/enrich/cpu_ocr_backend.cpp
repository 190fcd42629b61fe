// File: cpu_ocr_backend.cpp
#include "sito/enrich/cpu_ocr_backend.hpp"

#include <chrono>

namespace sito::enrich {
namespace {

uint64_t us_since(std::chrono::steady_clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

result<std::unique_ptr<cpu_ocr_backend>> cpu_ocr_backend::create(const ocr_options& options) {
  SITO_ASSIGN_OR_RETURN(auto rec, tesseract_recognizer::create(options));
  return std::unique_ptr<cpu_ocr_backend>(new cpu_ocr_backend(options, std::move(rec)));
}

void cpu_ocr_backend::recognize(std::span<const image_input> images, std::vector<ocr_result>& out) {
  out.clear();
  out.resize(images.size());
  for (size_t i = 0; i < images.size(); ++i) {
    ocr_result& r = out[i];
    auto t0 = std::chrono::steady_clock::now();
    auto decoded = decode_image(images[i].bytes, options_.limits);
    r.times.decode_us = us_since(t0);
    if (!decoded.ok()) {
      r.error = decoded.error();
      continue;
    }
    t0 = std::chrono::steady_clock::now();
    auto page = preprocess(*decoded, options_.preprocess);
    r.times.preprocess_us = us_since(t0);
    if (!page.ok()) {
      r.error = page.error();
      continue;
    }
    recognizer_->recognize_into(*page, r);
  }
}

}  // namespace sito::enrich
