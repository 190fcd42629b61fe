// File: sito/enrich/ocr_backend.hpp
//
// The OCR enrichment interface (DESIGN §4 `enrich`): a batch of encoded
// images in, one result per image out: the text read, Tesseract's mean word
// confidence, a per-image error, and where the time went.
//
//   sito::enrich::ocr_options opt;                 // languages "rus+eng+kaz"
//   auto backend = sito::enrich::make_ocr_backend("auto", opt).value();
//   std::vector<sito::enrich::image_input> in = {{bytes, "image/png"}};
//   std::vector<sito::enrich::ocr_result> out;
//   backend->recognize(in, out);
//   if (out[0].error.ok()) use(out[0].text, out[0].confidence);
//
// Backends (see ocr_registry.hpp): "cpu" (Leptonica decode, CPU
// preprocessing, Tesseract) always exists and is the reference; "cuda"
// (kernels/) decodes and preprocesses on the GPU and feeds the same
// recognizer; it is registered only when a device is found at run time.
//
// Thread-safety: recognize() is safe to call from many threads at once;
// each calling thread gets its own recognizer engine (Tesseract is not
// thread-safe), created on its first call and kept for the backend's life.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"
#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/preprocess.hpp"

namespace sito::enrich {

struct ocr_options {
  std::string languages = "rus+eng+kaz";  ///< Tesseract language string; traineddata must exist
  /// Directory of *.traineddata; empty: $TESSDATA_PREFIX, else the Debian path.
  std::string tessdata_dir;
  decode_limits limits;
  preprocess_options preprocess;
  /// Tesseract page segmentation mode (3 = fully automatic, no OSD).
  int page_seg_mode = 3;
};

/// One image of a batch. The bytes must stay valid during recognize().
struct image_input {
  std::span<const uint8_t> bytes;
  std::string_view mime;  ///< advisory; the format is sniffed from the bytes
};

struct ocr_result {
  status error;            ///< not ok: this image failed (the others are unaffected)
  std::string text;        ///< UTF-8, lines separated by '\n', trimmed
  float confidence = 0;    ///< mean word confidence, 0–100
  stage_times times;
};

class ocr_backend {
 public:
  virtual ~ocr_backend() = default;
  /// "cpu", "cuda", ...
  virtual std::string_view name() const = 0;
  /// Fills `out` with one result per input, in order (out is resized).
  /// Never throws; a bad image only fails its own entry.
  virtual void recognize(std::span<const image_input> images, std::vector<ocr_result>& out) = 0;
};

/// The directory used when ocr_options::tessdata_dir is empty.
std::string default_tessdata_dir();

}  // namespace sito::enrich
