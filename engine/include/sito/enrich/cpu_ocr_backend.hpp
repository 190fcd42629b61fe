// File: sito/enrich/cpu_ocr_backend.hpp
//
// The reference OCR backend, "cpu": per image, decode (Leptonica) →
// preprocess (preprocess.hpp) → recognize (Tesseract), each stage timed.
// Always available; the fallback of every other backend.
//
//   auto cpu = sito::enrich::cpu_ocr_backend::create(options).value();
//   cpu->recognize(images, results);
//
// Thread-safety: recognize() is safe to call concurrently (see
// ocr_backend.hpp); the images of one call are processed in order on the
// calling thread: callers parallelize by calling from several workers.
#pragma once

#include <memory>

#include "sito/enrich/ocr_backend.hpp"
#include "sito/enrich/tesseract_recognizer.hpp"

namespace sito::enrich {

class cpu_ocr_backend final : public ocr_backend {
 public:
  /// Loads the recognizer's models; not_found when they are missing.
  static result<std::unique_ptr<cpu_ocr_backend>> create(const ocr_options& options);

  std::string_view name() const override { return "cpu"; }
  void recognize(std::span<const image_input> images, std::vector<ocr_result>& out) override;

  /// The recognizer, for backends that replace only the image side.
  const std::shared_ptr<tesseract_recognizer>& recognizer() const { return recognizer_; }

 private:
  cpu_ocr_backend(ocr_options options, std::shared_ptr<tesseract_recognizer> rec)
      : options_(std::move(options)), recognizer_(std::move(rec)) {}
  ocr_options options_;
  std::shared_ptr<tesseract_recognizer> recognizer_;
};

}  // namespace sito::enrich
