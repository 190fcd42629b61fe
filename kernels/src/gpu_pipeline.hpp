// Private: the GPU pipeline's entry points, for the backend (host C++).
// No CUDA types: streams are void* (a cudaStream_t).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"
#include "sito/enrich/preprocess.hpp"

#ifndef SITO_HAVE_NVJPEG
#define SITO_HAVE_NVJPEG 0
#endif

namespace sito::kernels {

/// Preprocesses pixels already on the device (width×height×channels).
/// Synchronizes `stream` before returning.
result<enrich::image> gpu_preprocess_device(const uint8_t* device_pixels, uint32_t width, uint32_t height, int channels,
                                            const enrich::preprocess_options& options, void* stream,
                                            enrich::preprocess_report* report);
/// Uploads a decoded image, then gpu_preprocess_device.
result<enrich::image> gpu_preprocess_host(const enrich::image& decoded, const enrich::preprocess_options& options,
                                          void* stream, enrich::preprocess_report* report);

#if SITO_HAVE_NVJPEG
/// nvJPEG decode straight into device memory, then the pipeline. Not
/// thread-safe: one per backend, used under its mutex.
class jpeg_decoder {
 public:
  jpeg_decoder();
  ~jpeg_decoder();
  status init();
  /// `width`/`height` come from the header check (decode limits) already done on the host.
  result<enrich::image> decode_preprocess(std::span<const uint8_t> bytes, uint32_t width, uint32_t height,
                                          const enrich::preprocess_options& options, void* stream);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};
#endif

}  // namespace sito::kernels
