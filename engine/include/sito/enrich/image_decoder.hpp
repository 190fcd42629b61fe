// File: sito/enrich/image_decoder.hpp
//
// Decodes the inline image bytes of a post (PNG, JPEG or WebP) into pixels,
// through Leptonica (which wraps libpng, libjpeg and libwebp).
//
//   sito::enrich::decode_limits limits;            // 8192 per side, 16 Mpx
//   auto img = sito::enrich::decode_image(bytes, limits);
//   if (!img.ok()) log(img.error().message());     // "image: PNG declares 100000x100000 ..."
//
// Hostile input is answered with a status, never a crash or an unbounded
// allocation:
//   * the format is sniffed from the magic bytes (the declared MIME type is
//     only advisory); anything but PNG, JPEG or WebP is refused;
//   * the dimensions are read from the header *before* decoding and checked
//     against the limits (decompression bombs are refused without inflating);
//   * a truncated or corrupt body fails in the library and comes back as
//     invalid_argument; Leptonica's own stderr chatter is silenced.
//
// Thread-safety: decode_image and sniff_format are safe to call concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"

namespace sito::enrich {

enum class image_format : uint8_t {
  unknown = 0,  ///< none of the formats below
  png,          ///< PNG (magic 89 50 4E 47 0D 0A 1A 0A)
  jpeg,         ///< JPEG (magic FF D8 FF)
  webp,         ///< WebP (RIFF....WEBP)
};

std::string_view to_string(image_format f);

/// The format the magic bytes announce.
image_format sniff_format(std::span<const uint8_t> bytes);

struct decode_limits {
  size_t max_bytes = 16u << 20;       ///< encoded size
  uint32_t max_side = 8192;           ///< width and height, each
  /// width × height. Preprocessing holds summed-area tables of 12 bytes per
  /// pixel, so this bounds a worker's peak memory (~200 MB at the default).
  uint64_t max_pixels = 16'000'000;
};

/// Header facts read without decoding the body.
struct image_header {
  image_format format = image_format::unknown;
  uint32_t width = 0;
  uint32_t height = 0;
};

/// Reads the format and dimensions; invalid_argument when the header is
/// unreadable, out_of_range when it exceeds `limits`.
result<image_header> read_image_header(std::span<const uint8_t> bytes, const decode_limits& limits = {});

/// Decodes to gray (1 channel), RGB (3) or RGBA (4) pixels. Palette and
/// 1/2/4/16-bit images are converted to 8 bits per channel.
result<image> decode_image(std::span<const uint8_t> bytes, const decode_limits& limits = {});

}  // namespace sito::enrich
