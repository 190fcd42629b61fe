// libFuzzer: the image decoder's entry (sito::enrich::decode_image) and the
// preprocessing behind it. Any bytes give an image or a status; limits are
// small so that a lying header cannot make the fuzzer allocate gigabytes.
#include <cstdint>
#include <span>

#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/preprocess.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sito::enrich::decode_limits limits;
  limits.max_side = 2048;
  limits.max_pixels = 1u << 20;
  auto img = sito::enrich::decode_image(std::span<const uint8_t>(data, size), limits);
  if (!img.ok()) return 0;
  if (img->pixels.size() != img->stride() * img->height) __builtin_trap();
  sito::enrich::preprocess_options opt;
  opt.max_output_pixels = 1u << 21;
  (void)sito::enrich::preprocess(*img, opt);
  return 0;
}
