// File: image_decoder.cpp
//
// PNG/JPEG/WebP → pixels through Leptonica, with the header checked against
// the limits before any body is decoded.
#include "sito/enrich/image_decoder.hpp"

#include <leptonica/allheaders.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string>

namespace sito::enrich {
namespace {

/// Leptonica prints every error to stderr; the decoder reports through
/// status instead. The severity is process-global, so it is set once.
void quiet_leptonica() {
  static std::once_flag once;
  std::call_once(once, [] { setMsgSeverity(L_SEVERITY_NONE); });
}

struct pix_deleter {
  void operator()(PIX* p) const { pixDestroy(&p); }
};
using pix_ptr = std::unique_ptr<PIX, pix_deleter>;

std::string dims(uint32_t w, uint32_t h) { return std::to_string(w) + "x" + std::to_string(h); }

}  // namespace

std::string_view to_string(image_format f) {
  switch (f) {
    case image_format::png: return "PNG";
    case image_format::jpeg: return "JPEG";
    case image_format::webp: return "WebP";
    case image_format::unknown: break;
  }
  return "unknown";
}

image_format sniff_format(std::span<const uint8_t> b) {
  static constexpr uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() >= 8 && std::memcmp(b.data(), png_magic, 8) == 0) return image_format::png;
  if (b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return image_format::jpeg;
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(b.data() + 8, "WEBP", 4) == 0)
    return image_format::webp;
  return image_format::unknown;
}

result<image_header> read_image_header(std::span<const uint8_t> bytes, const decode_limits& limits) {
  quiet_leptonica();
  if (bytes.empty()) return invalid_argument("image: empty");
  if (bytes.size() > limits.max_bytes)
    return out_of_range("image: " + std::to_string(bytes.size()) + " bytes exceed the limit of " +
                        std::to_string(limits.max_bytes));
  image_header h;
  h.format = sniff_format(bytes);
  l_int32 w = 0, ht = 0, a = 0, b = 0, c = 0;
  l_ok rc = 1;
  switch (h.format) {
    case image_format::png: rc = readHeaderMemPng(bytes.data(), bytes.size(), &w, &ht, &a, &b, &c); break;
    case image_format::jpeg: rc = readHeaderMemJpeg(bytes.data(), bytes.size(), &w, &ht, &a, &b, &c); break;
    case image_format::webp: rc = readHeaderMemWebP(bytes.data(), bytes.size(), &w, &ht, &a); break;
    case image_format::unknown:
      return invalid_argument("image: not PNG, JPEG or WebP (unrecognized magic bytes)");
  }
  if (rc != 0 || w <= 0 || ht <= 0)
    return invalid_argument("image: unreadable " + std::string(to_string(h.format)) + " header");
  h.width = static_cast<uint32_t>(w);
  h.height = static_cast<uint32_t>(ht);
  if (h.width > limits.max_side || h.height > limits.max_side ||
      static_cast<uint64_t>(h.width) * h.height > limits.max_pixels)
    return out_of_range("image: " + std::string(to_string(h.format)) + " declares " + dims(h.width, h.height) +
                        ", over the limit of " + std::to_string(limits.max_side) + " per side and " +
                        std::to_string(limits.max_pixels) + " pixels");
  return h;
}

result<image> decode_image(std::span<const uint8_t> bytes, const decode_limits& limits) {
  SITO_ASSIGN_OR_RETURN(image_header h, read_image_header(bytes, limits));
  pix_ptr pix;
  switch (h.format) {
    case image_format::png: pix.reset(pixReadMemPng(bytes.data(), bytes.size())); break;
    case image_format::jpeg: {
      l_int32 warnings = 0;
      pix.reset(pixReadMemJpeg(bytes.data(), bytes.size(), 0, 1, &warnings, 0));
      break;
    }
    case image_format::webp: pix.reset(pixReadMemWebP(bytes.data(), bytes.size())); break;
    case image_format::unknown: break;
  }
  if (!pix) return invalid_argument("image: corrupt or truncated " + std::string(to_string(h.format)) + " data");
  // The body must agree with the header the limits were checked against.
  if (static_cast<uint32_t>(pixGetWidth(pix.get())) != h.width ||
      static_cast<uint32_t>(pixGetHeight(pix.get())) != h.height)
    return invalid_argument("image: decoded size differs from the header's " + dims(h.width, h.height));
  if (pixGetColormap(pix.get())) pix.reset(pixRemoveColormap(pix.get(), REMOVE_CMAP_BASED_ON_SRC));
  if (!pix) return invalid_argument("image: cannot expand the palette");
  const l_int32 depth = pixGetDepth(pix.get());
  if (depth != 8 && depth != 32) pix.reset(pixConvertTo8(pix.get(), 0));
  if (!pix) return invalid_argument("image: unsupported pixel depth " + std::to_string(depth));

  image out;
  out.width = h.width;
  out.height = h.height;
  const l_int32 wpl = pixGetWpl(pix.get());
  const l_uint32* data = pixGetData(pix.get());
  if (pixGetDepth(pix.get()) == 8) {
    out.channels = 1;
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    for (uint32_t y = 0; y < out.height; ++y) {
      const l_uint32* line = data + static_cast<size_t>(y) * wpl;
      uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * out.width;
      for (uint32_t x = 0; x < out.width; ++x) dst[x] = static_cast<uint8_t>(GET_DATA_BYTE(line, x));
    }
    return out;
  }
  out.channels = pixGetSpp(pix.get()) == 4 ? 4 : 3;
  out.pixels.resize(out.stride() * out.height);
  for (uint32_t y = 0; y < out.height; ++y) {
    const l_uint32* line = data + static_cast<size_t>(y) * wpl;
    uint8_t* dst = out.pixels.data() + static_cast<size_t>(y) * out.stride();
    for (uint32_t x = 0; x < out.width; ++x) {
      const l_uint32 v = line[x];
      *dst++ = static_cast<uint8_t>(v >> L_RED_SHIFT);
      *dst++ = static_cast<uint8_t>(v >> L_GREEN_SHIFT);
      *dst++ = static_cast<uint8_t>(v >> L_BLUE_SHIFT);
      if (out.channels == 4) *dst++ = static_cast<uint8_t>(v >> L_ALPHA_SHIFT);
    }
  }
  return out;
}

}  // namespace sito::enrich
