// File: sito/enrich/image.hpp
//
// Plain pixel buffers that the OCR stages pass along: a decoded image
// (gray, RGB or RGBA, 8 bits per channel) and the stage timings of one
// image's trip through a backend.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <vector>

namespace sito::enrich {

/// Row-major, tightly packed (stride == width * channels), 8 bits per channel.
struct image {
  uint32_t width = 0;
  uint32_t height = 0;
  uint8_t channels = 0;  ///< 1 (gray), 3 (RGB) or 4 (RGBA)
  std::vector<uint8_t> pixels;

  size_t stride() const { return static_cast<size_t>(width) * channels; }
  bool empty() const { return width == 0 || height == 0; }
};

/// Wall time spent per stage on one image, in microseconds.
struct stage_times {
  uint64_t decode_us = 0;
  uint64_t preprocess_us = 0;
  uint64_t recognize_us = 0;
};

}  // namespace sito::enrich
