// The GPU pipeline's sequence, run on the host: the same bodies
// (preprocess_bodies.cuh) the kernels run, in loops, compiled by nvcc.
#include <algorithm>
#include <cmath>
#include <vector>

#include "preprocess_bodies.cuh"
#include "sito/kernels/cuda_ocr.hpp"

namespace sito::kernels {
namespace {

enrich::image gray_image(uint32_t w, uint32_t h) {
  enrich::image g;
  g.width = w;
  g.height = h;
  g.channels = 1;
  g.pixels.assign(static_cast<size_t>(w) * h, 255);
  return g;
}

enrich::image binarize_host(const enrich::image& g, int r, float k, bool dark) {
  const int w = static_cast<int>(g.width), h = static_cast<int>(g.height);
  std::vector<uint32_t> sum(static_cast<size_t>(w + 1) * (h + 1));
  std::vector<uint64_t> sq(sum.size());
  for (int y = 0; y < h; ++y) body::sat_rows(g.pixels.data(), w, sum.data(), sq.data(), y);
  for (int x = 0; x <= w; ++x) body::sat_cols(w, h, sum.data(), sq.data(), x);
  enrich::image out = gray_image(g.width, g.height);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) body::binarize(g.pixels.data(), sum.data(), sq.data(), w, h, r, k, dark, out.pixels.data(), x, y);
  return out;
}

}  // namespace

result<enrich::image> host_reference_preprocess(const enrich::image& in, const enrich::preprocess_options& opt,
                                                enrich::preprocess_report* report) {
  if (in.empty() || in.pixels.size() < in.stride() * in.height) return invalid_argument("preprocess: empty image");
  enrich::preprocess_report rep;
  const int64_t n = static_cast<int64_t>(in.width) * in.height;
  enrich::image gray = gray_image(in.width, in.height);
  for (int64_t i = 0; i < n; ++i) body::gray(in.pixels.data(), in.channels, gray.pixels.data(), i);
  uint64_t total = 0;
  for (uint8_t v : gray.pixels) total += v;
  rep.dark_text = enrich::is_dark_text_mean(total, static_cast<uint64_t>(n));

  const enrich::image analysis = binarize_host(gray, opt.sauvola_radius, opt.sauvola_k, rep.dark_text);
  const int w = static_cast<int>(gray.width), h = static_cast<int>(gray.height);
  const enrich::skew_search s =
      enrich::plan_skew_search(gray.width, gray.height, opt.deskew ? opt.max_skew_degrees : 0.0f, opt.skew_step_degrees);
  std::vector<uint32_t> profiles(s.rows * s.degrees.size(), 0);
  for (size_t a = 0; a < s.degrees.size(); ++a)
    for (int y = 0; y < h; ++y)
      for (int xs = 0; xs < (w + 1) / 2; ++xs) {
        const int r = body::profile_row(analysis.pixels.data(), w, y, xs, s.tangents[a], s.pad, static_cast<int>(s.rows));
        if (r >= 0) ++profiles[a * s.rows + static_cast<size_t>(r)];
      }
  const enrich::skew_estimate skew = enrich::pick_skew(s, profiles);
  if (opt.deskew && std::fabs(skew.degrees) >= opt.min_skew_degrees) {
    const enrich::rotation_plan rp = enrich::plan_rotation(gray.width, gray.height, -skew.degrees);
    enrich::image rot = gray_image(rp.width, rp.height);
    for (int y = 0; y < static_cast<int>(rp.height); ++y)
      for (int x = 0; x < static_cast<int>(rp.width); ++x)
        body::rotate(gray.pixels.data(), w, h, static_cast<int>(rp.width), static_cast<int>(rp.height), rp.cos_a, rp.sin_a,
                     rot.pixels.data(), x, y);
    gray = std::move(rot);
    rep.skew_degrees = skew.degrees;
  }
  rep.x_height = skew.x_height;
  const enrich::scale_plan sp = enrich::plan_scale(gray.width, gray.height, skew.x_height, opt);
  if (sp.apply) {
    enrich::image sc = gray_image(sp.width, sp.height);
    for (int y = 0; y < static_cast<int>(sp.height); ++y)
      for (int x = 0; x < static_cast<int>(sp.width); ++x)
        body::scale(gray.pixels.data(), static_cast<int>(gray.width), static_cast<int>(gray.height),
                    static_cast<int>(sp.width), static_cast<int>(sp.height), sc.pixels.data(), x, y);
    gray = std::move(sc);
    rep.scale = sp.factor;
  }
  if (opt.binarize_output) {
    gray = binarize_host(gray, enrich::output_sauvola_radius(opt), opt.sauvola_k, rep.dark_text);
  } else if (!rep.dark_text) {
    for (int64_t i = 0; i < static_cast<int64_t>(gray.pixels.size()); ++i) body::invert(gray.pixels.data(), i);
  }
  if (report) *report = rep;
  return gray;
}

}  // namespace sito::kernels
