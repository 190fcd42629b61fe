// File: sito/enrich/pixel_math.hpp
//
// The per-pixel arithmetic of OCR preprocessing, shared by the CPU path
// (engine/src/enrich/preprocess.cpp) and the CUDA kernels (kernels/src/*.cu):
// every function is SITO_HD, i.e. `__host__ __device__` under nvcc and a
// plain inline function otherwise, so the CPU tests exercise the very
// arithmetic the GPU runs. Keep it free of the standard library beyond
// <cstdint> (device code cannot call it) and of anything stateful. <cmath>'s sqrtf is the one exception: nvcc maps it to
// the device intrinsic.
//
// Conventions: images are row-major, 8-bit, `stride` bytes per row; RGB is
// packed 3 bytes per pixel. Coordinates are pixel indices; a pixel's centre
// sits at (x + 0.5, y + 0.5). Results are deterministic integers so that CPU
// and GPU outputs can be compared bit for bit (nvcc builds with --fmad=false).
//
// Thread-safety: pure functions.
#pragma once

#include <cmath>
#include <cstdint>

#if defined(__CUDACC__)
#define SITO_HD __host__ __device__ __forceinline__
#else
#define SITO_HD inline
#endif

namespace sito::enrich::pixel {

SITO_HD int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }
SITO_HD float clamp_float(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/// BT.601 luma in fixed point (weights 77/150/29 of 256), rounded.
SITO_HD uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
  return static_cast<uint8_t>((77u * r + 150u * g + 29u * b + 128u) >> 8);
}

/// A gray value composited over white by alpha (transparent memes read as paper).
SITO_HD uint8_t over_white(uint8_t v, uint8_t alpha) {
  return static_cast<uint8_t>((v * alpha + 255u * (255u - alpha) + 127u) / 255u);
}

/// Bilinear sample of an 8-bit image at real coordinates (sx, sy) in pixel
/// units (centre convention); outside the image the border replicates.
SITO_HD uint8_t bilinear(const uint8_t* src, int w, int h, int stride, float sx, float sy) {
  float fx = sx - 0.5f, fy = sy - 0.5f;
  fx = clamp_float(fx, 0.0f, static_cast<float>(w - 1));
  fy = clamp_float(fy, 0.0f, static_cast<float>(h - 1));
  const int x0 = static_cast<int>(fx), y0 = static_cast<int>(fy);
  const int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  const float ax = fx - static_cast<float>(x0), ay = fy - static_cast<float>(y0);
  const float top = static_cast<float>(src[y0 * stride + x0]) * (1.0f - ax) + static_cast<float>(src[y0 * stride + x1]) * ax;
  const float bot = static_cast<float>(src[y1 * stride + x0]) * (1.0f - ax) + static_cast<float>(src[y1 * stride + x1]) * ax;
  const float v = top * (1.0f - ay) + bot * ay;
  return static_cast<uint8_t>(clamp_int(static_cast<int>(v + 0.5f), 0, 255));
}

/// Area-average of the source box that maps onto destination pixel (dx, dy)
/// when a w×h image is scaled to dw×dh with dw <= w and dh <= h
/// (downscaling: bilinear would alias thin strokes away).
SITO_HD uint8_t box_down(const uint8_t* src, int w, int h, int stride, int dw, int dh, int dx, int dy) {
  const int x0 = static_cast<int>(static_cast<int64_t>(dx) * w / dw);
  const int x1 = clamp_int(static_cast<int>(static_cast<int64_t>(dx + 1) * w / dw), x0 + 1, w);
  const int y0 = static_cast<int>(static_cast<int64_t>(dy) * h / dh);
  const int y1 = clamp_int(static_cast<int>(static_cast<int64_t>(dy + 1) * h / dh), y0 + 1, h);
  uint32_t sum = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) sum += src[y * stride + x];
  const uint32_t n = static_cast<uint32_t>((x1 - x0) * (y1 - y0));
  return static_cast<uint8_t>((sum + n / 2) / n);
}

/// Destination pixel (dx, dy) of scaling w×h to dw×dh: box average when both
/// axes shrink, bilinear otherwise.
SITO_HD uint8_t scale_pixel(const uint8_t* src, int w, int h, int stride, int dw, int dh, int dx, int dy) {
  if (dw <= w && dh <= h) return box_down(src, w, h, stride, dw, dh, dx, dy);
  const float sx = (static_cast<float>(dx) + 0.5f) * static_cast<float>(w) / static_cast<float>(dw);
  const float sy = (static_cast<float>(dy) + 0.5f) * static_cast<float>(h) / static_cast<float>(dh);
  return bilinear(src, w, h, stride, sx, sy);
}

/// Sauvola's threshold T = m · (1 + k · (s / R − 1)) from the local mean m and
/// standard deviation s, in 8-bit units; R is the dynamic range of s (128).
SITO_HD float sauvola_threshold(float mean, float stddev, float k, float range) {
  return mean * (1.0f + k * (stddev / range - 1.0f));
}

/// Local statistics of the (2r+1)² window around (x, y), clipped to the image,
/// from summed-area tables of v and v² ((w+1)×(h+1), row stride w+1, first
/// row and column zero). Writes the mean and the standard deviation.
SITO_HD void window_stats(const uint32_t* sum, const uint64_t* sqsum, int w, int h, int x, int y, int r,
                          float* mean, float* stddev) {
  const int x0 = clamp_int(x - r, 0, w), x1 = clamp_int(x + r + 1, 0, w);
  const int y0 = clamp_int(y - r, 0, h), y1 = clamp_int(y + r + 1, 0, h);
  const int sw = w + 1;
  const uint32_t s = sum[y1 * sw + x1] - sum[y0 * sw + x1] - sum[y1 * sw + x0] + sum[y0 * sw + x0];
  const uint64_t q = sqsum[y1 * sw + x1] - sqsum[y0 * sw + x1] - sqsum[y1 * sw + x0] + sqsum[y0 * sw + x0];
  const float n = static_cast<float>((x1 - x0) * (y1 - y0));
  const float m = static_cast<float>(s) / n;
  float var = static_cast<float>(q) / n - m * m;
  if (var < 0.0f) var = 0.0f;
  *mean = m;
  *stddev = sqrtf(var);  // ::sqrtf exists on host and device alike
}

/// One output pixel of adaptive binarization: 0 (ink) or 255 (paper).
/// `dark_text` false means light text on a dark ground: the result is
/// inverted so that ink is always 0, as Tesseract expects.
SITO_HD uint8_t binarize_pixel(uint8_t v, float mean, float stddev, float k, bool dark_text) {
  if (!dark_text) {
    v = static_cast<uint8_t>(255 - v);
    mean = 255.0f - mean;
  }
  return static_cast<float>(v) <= sauvola_threshold(mean, stddev, k, 128.0f) ? 0 : 255;
}

/// Source coordinates of destination pixel (dx, dy) when an image of w×h is
/// rotated by the angle with (cos_a, sin_a) about its centre, into a canvas
/// of dw×dh: inverse mapping, so every destination pixel gets one sample.
SITO_HD void rotate_source(int w, int h, int dw, int dh, float cos_a, float sin_a, int dx, int dy, float* sx,
                           float* sy) {
  const float cx = static_cast<float>(dw) * 0.5f, cy = static_cast<float>(dh) * 0.5f;
  const float x = static_cast<float>(dx) + 0.5f - cx, y = static_cast<float>(dy) + 0.5f - cy;
  *sx = cos_a * x + sin_a * y + static_cast<float>(w) * 0.5f;
  *sy = -sin_a * x + cos_a * y + static_cast<float>(h) * 0.5f;
}

/// Destination pixel of a rotation: the bilinear sample at the source point,
/// or white (255) when the point falls outside the source.
SITO_HD uint8_t rotate_pixel(const uint8_t* src, int w, int h, int stride, int dw, int dh, float cos_a, float sin_a,
                             int dx, int dy) {
  float sx, sy;
  rotate_source(w, h, dw, dh, cos_a, sin_a, dx, dy, &sx, &sy);
  if (sx < 0.0f || sy < 0.0f || sx > static_cast<float>(w) || sy > static_cast<float>(h)) return 255;
  return bilinear(src, w, h, stride, sx, sy);
}

/// The row of the skew-search profile that ink pixel (x, y) of a w×h image
/// falls into when lines are assumed to run at slope `tan_a` (pixels of y per
/// pixel of x): y shifted back by the slope, relative to the centre column,
/// plus `pad` (so that rows stay non-negative). −1 when outside [0, rows).
SITO_HD int skew_profile_row(int x, int y, int w, float tan_a, int pad, int rows) {
  const float shifted = static_cast<float>(y) - tan_a * (static_cast<float>(x) - static_cast<float>(w) * 0.5f);
  const int row = static_cast<int>(shifted + 0.5f + static_cast<float>(pad));
  return row >= 0 && row < rows ? row : -1;
}

}  // namespace sito::enrich::pixel
