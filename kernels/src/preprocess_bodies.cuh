// Private: the per-element bodies of the GPU preprocessing kernels, one
// SITO_HD function per kernel, indexed like the CUDA thread that runs it.
// The __global__ kernels (preprocess_kernels.cu) compute the index and call
// the body; host_reference.cu calls the same bodies in plain loops, so the
// host tests (no GPU) prove what the device computes. The per-pixel
// arithmetic itself is sito/enrich/pixel_math.hpp, shared with the CPU path.
#pragma once

#include <cstdint>

#include "sito/enrich/pixel_math.hpp"

namespace sito::kernels::body {

namespace px = sito::enrich::pixel;

/// Pixel i of a gray/RGB/RGBA image → gray.
SITO_HD void gray(const uint8_t* in, int channels, uint8_t* out, int64_t i) {
  const uint8_t* p = in + i * channels;
  if (channels == 1) {
    out[i] = p[0];
    return;
  }
  uint8_t v = px::luma(p[0], p[1], p[2]);
  if (channels == 4) v = px::over_white(v, p[3]);
  out[i] = v;
}

/// Summed-area tables, pass 1: row y's running sums (one thread per row).
/// sum/sq are (w+1)×(h+1); row y+1 receives the prefix sums of image row y.
SITO_HD void sat_rows(const uint8_t* g, int w, uint32_t* sum, uint64_t* sq, int y) {
  const int sw = w + 1;
  uint32_t row = 0;
  uint64_t row_sq = 0;
  sum[(y + 1) * sw] = 0;
  sq[(y + 1) * sw] = 0;
  for (int x = 0; x < w; ++x) {
    const uint32_t v = g[y * w + x];
    row += v;
    row_sq += v * v;
    sum[(y + 1) * sw + x + 1] = row;
    sq[(y + 1) * sw + x + 1] = row_sq;
  }
}

/// Pass 2: column x's running sums over the row prefixes (one thread per column, x in [0, w]).
SITO_HD void sat_cols(int w, int h, uint32_t* sum, uint64_t* sq, int x) {
  const int sw = w + 1;
  sum[x] = 0;
  sq[x] = 0;
  for (int y = 1; y <= h; ++y) {
    sum[y * sw + x] += sum[(y - 1) * sw + x];
    sq[y * sw + x] += sq[(y - 1) * sw + x];
  }
}

/// Sauvola output for pixel (x, y).
SITO_HD void binarize(const uint8_t* g, const uint32_t* sum, const uint64_t* sq, int w, int h, int r, float k,
                      bool dark_text, uint8_t* out, int x, int y) {
  float mean, sd;
  px::window_stats(sum, sq, w, h, x, y, r, &mean, &sd);
  out[y * w + x] = px::binarize_pixel(g[y * w + x], mean, sd, k, dark_text);
}

/// The skew-profile row of sampled pixel (2·xs, y) at one angle, or −1 when
/// the pixel is paper or falls outside: the caller adds 1 to that row.
SITO_HD int profile_row(const uint8_t* bin, int w, int y, int xs, float tan_a, int pad, int rows) {
  const int x = 2 * xs;
  if (x >= w || bin[y * w + x] != 0) return -1;
  return px::skew_profile_row(x, y, w, tan_a, pad, rows);
}

SITO_HD void rotate(const uint8_t* g, int w, int h, int dw, int dh, float c, float s, uint8_t* out, int x, int y) {
  out[y * dw + x] = px::rotate_pixel(g, w, h, w, dw, dh, c, s, x, y);
}

SITO_HD void scale(const uint8_t* g, int w, int h, int dw, int dh, uint8_t* out, int x, int y) {
  out[y * dw + x] = px::scale_pixel(g, w, h, w, dw, dh, x, y);
}

SITO_HD void invert(uint8_t* g, int64_t i) { g[i] = static_cast<uint8_t>(255 - g[i]); }

}  // namespace sito::kernels::body
