// preprocess_bench: pages/s of OCR preprocessing (grayscale, binarization
// analysis, deskew, scaling) on the CPU path (one thread) and on the GPU
// (gpu_preprocess_batch, uploads and downloads included), on synthetic pages
// (tests/kernels/synthetic_inputs.hpp), so that it runs where Leptonica and
// ImageMagick are missing (the standalone GPU build, ops/gpu-check). Decode
// and recognition are not included: ocr_bench measures the whole OCR.
//
//   preprocess_bench [--pages 64] [--width 1280] [--height 960] [--seconds 1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "embed/rate.hpp"
#include "kernels/synthetic_inputs.hpp"
#include "sito/enrich/preprocess.hpp"
#include "sito/kernels/cuda_ocr.hpp"

int main(int argc, char** argv) {
  size_t pages = 64;
  uint32_t width = 1280, height = 960;
  double seconds = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--pages") pages = std::strtoul(argv[i + 1], nullptr, 10);
    else if (k == "--width") width = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (k == "--height") height = static_cast<uint32_t>(std::strtoul(argv[i + 1], nullptr, 10));
    else if (k == "--seconds") seconds = std::strtod(argv[i + 1], nullptr);
    else {
      std::fprintf(stderr, "usage: preprocess_bench [--pages N] [--width W] [--height H] [--seconds S]\n");
      return 2;
    }
  }
  if (pages == 0 || width < 64 || height < 64) {
    std::fprintf(stderr, "preprocess_bench: need pages > 0 and pages of at least 64x64\n");
    return 2;
  }
  namespace kt = sito::kernels::testing;
  std::vector<sito::enrich::image> batch;
  for (size_t i = 0; i < pages; ++i)
    batch.push_back(kt::synthetic_page(width, height, 8, 14 + static_cast<int>(i % 12), (i % 5) * 1.5f - 3.0f,
                                       i % 3 == 0 ? kt::page_style::dark : kt::page_style::light,
                                       static_cast<uint32_t>(i + 1)));
  std::printf("preprocess_bench: %zu synthetic pages of %ux%u RGB a batch\n", pages, width, height);
  sito::enrich::preprocess_options opt;
  const double cpu = pages * sito::bench::calls_per_second(seconds, 3, [&] {
    for (const auto& p : batch)
      if (!sito::enrich::preprocess(p, opt).ok()) return false;
    return true;
  });
  std::printf("cpu   preprocess %10.1f pages/s\n", cpu);
  if (sito::kernels::cuda_device_count() == 0) {
    std::printf("cuda  unavailable: no CUDA device\n");
    return 0;
  }
  const double gpu = pages * sito::bench::calls_per_second(seconds, 3, [&] {
    auto r = sito::kernels::gpu_preprocess_batch(batch, opt);
    return r.ok() && std::all_of(r->begin(), r->end(), [](const auto& x) { return x.ok(); });
  });
  std::printf("cuda  preprocess %10.1f pages/s\n", gpu);
  std::printf("ratio preprocess cuda / cpu (one core) = %.1fx\n", gpu / cpu);
  return 0;
}
