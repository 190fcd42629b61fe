// File: sito/enrich/preprocess.hpp
//
// The image side of OCR on the CPU: decoded pixels → one 8-bit gray page
// prepared for the recognizer. The stages, each a loop over the SITO_HD
// per-pixel functions of pixel_math.hpp (the CUDA backend runs the same
// functions in kernels, so both paths compute the same bytes):
//
//   1. grayscale      BT.601 luma, alpha composited over white;
//   2. binarize (for analysis) Sauvola over summed-area tables, with the
//                     polarity chosen so that ink is dark;
//   3. deskew         projection-profile search over ±max_skew_degrees:
//                     the angle whose row profile of ink is the most peaked;
//                     the gray page is rotated by it when above min_skew;
//   4. scale          the x-height is read off the same profile (the median
//                     height of the row bands denser than 15 % of the peak
//                     row: the letters' bodies, without most ascenders and
//                     descenders); outside [min_x_height, max_x_height] it
//                     is brought to `target_x_height` (Tesseract misreads
//                     tiny text and wastes time on huge text);
//   5. binarize (out) optionally Sauvola again at the final scale; otherwise
//                     the gray page goes to the recognizer, which
//                     binarizes it itself (measured: see bench/RESULTS.md).
//
//   sito::enrich::preprocess_options opt;
//   auto page = sito::enrich::preprocess(decoded, opt);   // page->channels == 1
//
// Thread-safety: pure functions of their inputs.
#pragma once

#include <cstdint>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"

namespace sito::enrich {

struct preprocess_options {
  bool deskew = true;
  float max_skew_degrees = 12.0f;  ///< search range, each side
  float skew_step_degrees = 0.5f;
  float min_skew_degrees = 0.4f;   ///< smaller skews are left alone
  bool scale = true;
  /// Text whose x-height lies in [min_x_height, max_x_height] keeps its
  /// size: resampling readable text cost accuracy and time in measurement
  /// (bench/RESULTS.md). Outside, it is scaled to target_x_height.
  uint32_t min_x_height = 10;
  uint32_t max_x_height = 60;
  uint32_t target_x_height = 22;  ///< px, after scaling
  float max_upscale = 4.0f;
  float min_downscale = 0.25f;
  uint64_t max_output_pixels = 24'000'000;  ///< scaling never goes past this
  bool binarize_output = false;  ///< false: gray page; Tesseract binarizes (Otsu) itself
  float sauvola_k = 0.34f;
  int sauvola_radius = 15;  ///< window (2r+1)² for the analysis binarization
};

/// What the analysis found, for tests and benchmarks.
struct preprocess_report {
  bool dark_text = true;      ///< false: light text on a dark ground (inverted)
  float skew_degrees = 0.0f;  ///< the rotation applied (0 when none)
  float x_height = 0.0f;   ///< estimated x-height before scaling, px; 0 when no text bands were found
  float scale = 1.0f;         ///< the factor applied
};

// ---- stages (exposed for tests and for the CUDA backend's host reference) ----

/// Gray, RGB or RGBA → gray.
image to_gray(const image& in);
/// Scales a gray image to dw×dh (box average down, bilinear up).
image scale_gray(const image& gray, uint32_t dw, uint32_t dh);
/// Rotates a gray image onto a canvas large enough to hold it, white
/// outside: a source line whose slope angle (y down) is −degrees comes out
/// level.
image rotate_gray(const image& gray, float degrees);
/// Sauvola binarization (0 ink, 255 paper); `dark_text` false inverts.
image binarize_sauvola(const image& gray, int radius, float k, bool dark_text);
/// True when the page reads as dark text on a light ground.
bool is_dark_text(const image& gray);

struct skew_estimate {
  float degrees = 0.0f;      ///< slope angle of the lines, y down (positive: falling to the right on screen)
  float x_height = 0.0f;  ///< median height of the text bands at that angle (≈ x-height), px; 0 when none
};
/// Searches the skew of a binary page (0 ink) by projection profiles over
/// [−max_degrees, max_degrees] in `step` increments.
skew_estimate estimate_skew(const image& binary, float max_degrees, float step);
/// Median height of the bands of rows whose ink count is above 15 % of the
/// peak row, from a row profile; 0 when there are none.
float median_band_height(const std::vector<uint32_t>& profile);

// ---- host-side decisions, shared with the CUDA backend (kernels/) ----------
// The GPU computes the pixels; these decide angles, sizes and polarity, so
// both paths take the same decisions from the same numbers.

/// The skew search's candidate angles (and their tangents), and the padded
/// row count of one profile: profile i has `rows` entries.
struct skew_search {
  std::vector<float> degrees;
  std::vector<float> tangents;
  int pad = 0;
  size_t rows = 0;
};
skew_search plan_skew_search(uint32_t width, uint32_t height, float max_degrees, float step);
/// The best angle from all profiles, concatenated in the order of s.degrees.
skew_estimate pick_skew(const skew_search& s, const std::vector<uint32_t>& profiles);

struct rotation_plan {
  float cos_a = 1, sin_a = 0;
  uint32_t width = 0, height = 0;  ///< the canvas
};
rotation_plan plan_rotation(uint32_t width, uint32_t height, float degrees);

struct scale_plan {
  bool apply = false;
  float factor = 1;
  uint32_t width = 0, height = 0;  ///< the output size (the input's when !apply)
};
scale_plan plan_scale(uint32_t width, uint32_t height, float x_height, const preprocess_options& options);
/// Polarity from the sum of gray values over `count` pixels.
bool is_dark_text_mean(uint64_t sum, uint64_t count);
/// Window radius of the optional output binarization.
int output_sauvola_radius(const preprocess_options& options);

/// Runs the pipeline above. invalid_argument for an empty image.
result<image> preprocess(const image& in, const preprocess_options& options, preprocess_report* report = nullptr);

}  // namespace sito::enrich
