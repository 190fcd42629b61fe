// File: sito/enrich/tesseract_recognizer.hpp
//
// The recognizer stage: a prepared 8-bit gray page → text and confidence,
// through Tesseract 5 (Debian's libtesseract, LSTM engine).
//
//   auto rec = sito::enrich::tesseract_recognizer::create(options).value();
//   auto text = rec->recognize(page);   // page: 1 channel
//
// create() loads the models once on the calling thread to prove they exist
// (a missing traineddata is a status, not a crash later in a worker).
//
// Thread-safety: recognize() is safe to call concurrently. Each calling
// thread gets its own tesseract::TessBaseAPI (Tesseract instances are not
// thread-safe), initialized on that thread's first call and kept for the
// recognizer's life: one engine per worker thread, models loaded once each.
#pragma once

#include <memory>
#include <string>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"
#include "sito/enrich/ocr_backend.hpp"

namespace sito::enrich {

struct recognized_text {
  std::string text;      ///< UTF-8, trimmed
  float confidence = 0;  ///< mean word confidence, 0–100
};

class tesseract_recognizer {
 public:
  static result<std::shared_ptr<tesseract_recognizer>> create(const ocr_options& options);
  ~tesseract_recognizer();

  /// Precondition: page.channels == 1.
  result<recognized_text> recognize(const image& page) const;

  /// The recognition stage of a backend: recognizes `page` into `r` (text
  /// and confidence, or the error) and records its time in r.times.
  void recognize_into(const image& page, ocr_result& r) const;

  /// Engines created so far (one per thread that called recognize, plus the
  /// one create() used).
  size_t engines() const;

 private:
  tesseract_recognizer();
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sito::enrich
