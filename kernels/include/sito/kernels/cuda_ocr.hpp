// File: sito/kernels/cuda_ocr.hpp
//
// The CUDA backend of the OCR interface (sito/enrich/ocr_backend.hpp) for
// the image side of OCR: decode (nvJPEG for JPEG when the toolkit ships it,
// Leptonica on the host otherwise) and preprocessing (grayscale, Sauvola
// binarization, projection-profile deskew, x-height scaling) on the GPU,
// image after image of a batch on one stream, feeding the same Tesseract
// recognizer as the CPU backend. The CPU backend is the reference: both run
// the per-pixel functions of sito/enrich/pixel_math.hpp and take their
// decisions (angle, scale, polarity) through the same host functions, so
// their pages are byte-identical (nvcc builds with --fmad=false).
//
//   if (sito::kernels::register_cuda_ocr_backend())   // false without a GPU
//     log("cuda OCR backend available");
//   auto b = sito::enrich::make_ocr_backend("auto", options);  // cuda, else cpu
//
// No CUDA type appears here (STYLE: CUDA isolated in kernels/); a stream is
// an opaque handle, last and defaulted.
//
// Thread-safety: every function is safe to call concurrently; the backend's
// recognize() serializes GPU work per backend on its own stream and runs
// recognition on the calling thread's Tesseract engine.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/enrich/image.hpp"
#include "sito/enrich/preprocess.hpp"
#include "sito/kernels/device.hpp"

namespace sito::kernels {

/// Registers "cuda" with sito::enrich's OCR registry (priority 100, so
/// "auto" prefers it) when cuda_device_count() > 0. Returns whether it did.
bool register_cuda_ocr_backend();

/// Whether this build decodes JPEG with nvJPEG (the toolkit had it).
bool has_nvjpeg();

/// The GPU pipeline's exact sequence of per-element bodies, run on the host
/// by plain loops (compiled by nvcc). Tests compare it with the CPU path
/// (sito::enrich::preprocess) where no GPU exists.
result<enrich::image> host_reference_preprocess(const enrich::image& decoded, const enrich::preprocess_options& options,
                                                enrich::preprocess_report* report = nullptr);

/// Preprocesses decoded images on the GPU, one result per image.
/// unavailable when there is no device. `stream`: a cudaStream_t, or null
/// for a stream of the call's own.
result<std::vector<result<enrich::image>>> gpu_preprocess_batch(std::span<const enrich::image> decoded,
                                                                 const enrich::preprocess_options& options,
                                                                 void* stream = nullptr);

}  // namespace sito::kernels
