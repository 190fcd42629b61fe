// File: preprocess.cpp
//
// CPU loops over the shared per-pixel math (pixel_math.hpp).
#include "sito/enrich/preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sito/enrich/pixel_math.hpp"

namespace sito::enrich {
namespace {

image gray_of(uint32_t w, uint32_t h) {
  image out;
  out.width = w;
  out.height = h;
  out.channels = 1;
  out.pixels.assign(static_cast<size_t>(w) * h, 255);
  return out;
}

/// Row profile of ink pixels at slope tan_a: every row, every second column
/// (the search needs the shape, not the count; rows stay at full resolution
/// so that band heights are in pixels).
void skew_profile(const image& bin, float tan_a, int pad, std::vector<uint32_t>& rows) {
  std::fill(rows.begin(), rows.end(), 0u);
  const int w = static_cast<int>(bin.width), h = static_cast<int>(bin.height);
  for (int y = 0; y < h; ++y) {
    const uint8_t* line = bin.pixels.data() + static_cast<size_t>(y) * bin.width;
    for (int x = 0; x < w; x += 2) {
      if (line[x] != 0) continue;
      const int r = pixel::skew_profile_row(x, y, w, tan_a, pad, static_cast<int>(rows.size()));
      if (r >= 0) ++rows[static_cast<size_t>(r)];
    }
  }
}

double profile_score(const std::vector<uint32_t>& rows) {
  double s = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const double d = static_cast<double>(rows[i]) - static_cast<double>(rows[i - 1]);
    s += d * d;
  }
  return s;
}

}  // namespace

image to_gray(const image& in) {
  if (in.channels == 1) return in;
  image out = gray_of(in.width, in.height);
  const size_t n = static_cast<size_t>(in.width) * in.height;
  const uint8_t* p = in.pixels.data();
  for (size_t i = 0; i < n; ++i, p += in.channels) {
    uint8_t v = pixel::luma(p[0], p[1], p[2]);
    if (in.channels == 4) v = pixel::over_white(v, p[3]);
    out.pixels[i] = v;
  }
  return out;
}

image scale_gray(const image& g, uint32_t dw, uint32_t dh) {
  image out = gray_of(dw, dh);
  const int w = static_cast<int>(g.width), h = static_cast<int>(g.height);
  for (uint32_t y = 0; y < dh; ++y)
    for (uint32_t x = 0; x < dw; ++x)
      out.pixels[static_cast<size_t>(y) * dw + x] = pixel::scale_pixel(
          g.pixels.data(), w, h, w, static_cast<int>(dw), static_cast<int>(dh), static_cast<int>(x), static_cast<int>(y));
  return out;
}

image rotate_gray(const image& g, float degrees) {
  const rotation_plan r = plan_rotation(g.width, g.height, degrees);
  image out = gray_of(r.width, r.height);
  const int w = static_cast<int>(g.width), h = static_cast<int>(g.height);
  for (uint32_t y = 0; y < r.height; ++y)
    for (uint32_t x = 0; x < r.width; ++x)
      out.pixels[static_cast<size_t>(y) * r.width + x] =
          pixel::rotate_pixel(g.pixels.data(), w, h, w, static_cast<int>(r.width), static_cast<int>(r.height), r.cos_a,
                              r.sin_a, static_cast<int>(x), static_cast<int>(y));
  return out;
}

bool is_dark_text(const image& g) {
  // Mostly light pages carry dark text; a dark page carries light text.
  uint64_t sum = 0;
  for (uint8_t v : g.pixels) sum += v;
  return is_dark_text_mean(sum, g.pixels.size());
}

image binarize_sauvola(const image& g, int radius, float k, bool dark_text) {
  const uint32_t w = g.width, h = g.height, sw = w + 1;
  std::vector<uint32_t> sum(static_cast<size_t>(sw) * (h + 1), 0);
  std::vector<uint64_t> sq(sum.size(), 0);
  for (uint32_t y = 0; y < h; ++y) {
    uint32_t row = 0;
    uint64_t row_sq = 0;
    for (uint32_t x = 0; x < w; ++x) {
      const uint32_t v = g.pixels[static_cast<size_t>(y) * w + x];
      row += v;
      row_sq += v * v;
      sum[static_cast<size_t>(y + 1) * sw + x + 1] = sum[static_cast<size_t>(y) * sw + x + 1] + row;
      sq[static_cast<size_t>(y + 1) * sw + x + 1] = sq[static_cast<size_t>(y) * sw + x + 1] + row_sq;
    }
  }
  image out = gray_of(w, h);
  for (uint32_t y = 0; y < h; ++y)
    for (uint32_t x = 0; x < w; ++x) {
      float mean, sd;
      pixel::window_stats(sum.data(), sq.data(), static_cast<int>(w), static_cast<int>(h), static_cast<int>(x),
                          static_cast<int>(y), radius, &mean, &sd);
      const size_t i = static_cast<size_t>(y) * w + x;
      out.pixels[i] = pixel::binarize_pixel(g.pixels[i], mean, sd, k, dark_text);
    }
  return out;
}

float median_band_height(const std::vector<uint32_t>& profile) {
  const uint32_t peak = profile.empty() ? 0 : *std::max_element(profile.begin(), profile.end());
  if (peak == 0) return 0;
  const uint32_t cut = std::max<uint32_t>(1, peak * 15 / 100);
  std::vector<float> bands;
  size_t start = 0;
  bool in = false;
  for (size_t i = 0; i <= profile.size(); ++i) {
    const bool ink = i < profile.size() && profile[i] > cut;
    if (ink && !in) start = i;
    if (!ink && in && i - start >= 3) bands.push_back(static_cast<float>(i - start));
    in = ink;
  }
  if (bands.empty()) return 0;
  std::nth_element(bands.begin(), bands.begin() + bands.size() / 2, bands.end());
  return bands[bands.size() / 2];
}

skew_search plan_skew_search(uint32_t w, uint32_t h, float max_degrees, float step) {
  skew_search s;
  const int steps = step > 0 ? static_cast<int>(std::floor(max_degrees / step)) : 0;
  for (int i = -steps; i <= steps; ++i) {
    const float deg = static_cast<float>(i) * step;
    s.degrees.push_back(deg);
    s.tangents.push_back(std::tan(deg * static_cast<float>(std::numbers::pi) / 180.0f));
  }
  const float max_tan = std::tan(static_cast<float>(steps) * step * static_cast<float>(std::numbers::pi) / 180.0f);
  s.pad = static_cast<int>(std::ceil(std::fabs(max_tan) * static_cast<float>(w) * 0.5f)) + 1;
  s.rows = h + 2 * static_cast<size_t>(s.pad);
  return s;
}

skew_estimate pick_skew(const skew_search& s, const std::vector<uint32_t>& profiles) {
  skew_estimate best;
  double best_score = -1;
  std::vector<uint32_t> rows(s.rows);
  for (size_t i = 0; i < s.degrees.size(); ++i) {
    std::copy(profiles.begin() + static_cast<std::ptrdiff_t>(i * s.rows),
              profiles.begin() + static_cast<std::ptrdiff_t>((i + 1) * s.rows), rows.begin());
    const double score = profile_score(rows);
    const float deg = s.degrees[i];
    // Ties go to the smaller angle: no rotation unless it helps.
    if (score > best_score * 1.0001 || (score >= best_score && std::fabs(deg) < std::fabs(best.degrees))) {
      best_score = score;
      best.degrees = deg;
      best.x_height = median_band_height(rows);
    }
  }
  return best;
}

skew_estimate estimate_skew(const image& bin, float max_degrees, float step) {
  if (bin.empty()) return {};
  const skew_search s = plan_skew_search(bin.width, bin.height, max_degrees, step);
  std::vector<uint32_t> profiles(s.rows * s.degrees.size());
  std::vector<uint32_t> rows(s.rows);
  for (size_t i = 0; i < s.degrees.size(); ++i) {
    skew_profile(bin, s.tangents[i], s.pad, rows);
    std::copy(rows.begin(), rows.end(), profiles.begin() + static_cast<std::ptrdiff_t>(i * s.rows));
  }
  return pick_skew(s, profiles);
}

rotation_plan plan_rotation(uint32_t w, uint32_t h, float degrees) {
  const double rad = degrees * std::numbers::pi / 180.0;
  rotation_plan r;
  r.cos_a = static_cast<float>(std::cos(rad));
  r.sin_a = static_cast<float>(std::sin(rad));
  r.width = static_cast<uint32_t>(std::ceil(std::fabs(r.cos_a) * w + std::fabs(r.sin_a) * h));
  r.height = static_cast<uint32_t>(std::ceil(std::fabs(r.sin_a) * w + std::fabs(r.cos_a) * h));
  return r;
}

scale_plan plan_scale(uint32_t w, uint32_t h, float x_height, const preprocess_options& opt) {
  scale_plan p;
  p.width = w;
  p.height = h;
  if (!opt.scale || x_height <= 0 ||
      (x_height >= static_cast<float>(opt.min_x_height) && x_height <= static_cast<float>(opt.max_x_height)))
    return p;
  float f = static_cast<float>(opt.target_x_height) / x_height;
  f = std::clamp(f, opt.min_downscale, opt.max_upscale);
  const double area = static_cast<double>(w) * h * f * f;
  if (area > static_cast<double>(opt.max_output_pixels))
    f = static_cast<float>(std::sqrt(static_cast<double>(opt.max_output_pixels) / (static_cast<double>(w) * h)));
  p.apply = true;
  p.factor = f;
  p.width = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(w * f)));
  p.height = std::max<uint32_t>(1, static_cast<uint32_t>(std::lround(h * f)));
  return p;
}

bool is_dark_text_mean(uint64_t sum, uint64_t count) { return count == 0 || sum >= 110ull * count; }

int output_sauvola_radius(const preprocess_options& opt) { return std::max(8, static_cast<int>(opt.target_x_height)); }

result<image> preprocess(const image& in, const preprocess_options& opt, preprocess_report* report) {
  if (in.empty() || in.pixels.size() < in.stride() * in.height) return invalid_argument("preprocess: empty image");
  preprocess_report rep;
  image gray = to_gray(in);
  rep.dark_text = is_dark_text(gray);
  image analysis = binarize_sauvola(gray, opt.sauvola_radius, opt.sauvola_k, rep.dark_text);
  skew_estimate skew = estimate_skew(analysis, opt.deskew ? opt.max_skew_degrees : 0.0f, opt.skew_step_degrees);
  if (opt.deskew && std::fabs(skew.degrees) >= opt.min_skew_degrees) {
    gray = rotate_gray(gray, -skew.degrees);
    rep.skew_degrees = skew.degrees;
  }
  rep.x_height = skew.x_height;
  const scale_plan sp = plan_scale(gray.width, gray.height, skew.x_height, opt);
  if (sp.apply) {
    gray = scale_gray(gray, sp.width, sp.height);
    rep.scale = sp.factor;
  }
  if (opt.binarize_output) {
    gray = binarize_sauvola(gray, output_sauvola_radius(opt), opt.sauvola_k, rep.dark_text);
  } else if (!rep.dark_text) {
    for (auto& v : gray.pixels) v = static_cast<uint8_t>(255 - v);
  }
  if (report) *report = rep;
  return gray;
}

}  // namespace sito::enrich
