// The "cuda" OCR backend: image side on the GPU, recognition by the same
// Tesseract recognizer as "cpu" (per calling thread).
#include <cuda_runtime.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "gpu_pipeline.hpp"
#include "sito/enrich/image_decoder.hpp"
#include "sito/enrich/ocr_registry.hpp"
#include "sito/enrich/tesseract_recognizer.hpp"
#include "sito/kernels/cuda_ocr.hpp"

namespace sito::kernels {
namespace {

uint64_t us_since(std::chrono::steady_clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
}

/// Thread-safety: recognize() may be called concurrently; the GPU part of
/// each call runs under gpu_mutex_ on the backend's stream, recognition
/// runs outside it on the caller's own Tesseract engine, so one thread's
/// recognition overlaps another's GPU work.
class cuda_ocr_backend final : public enrich::ocr_backend {
 public:
  static result<std::unique_ptr<enrich::ocr_backend>> create(const enrich::ocr_options& options) {
    if (cuda_device_count() == 0) return unavailable("cuda: no device");
    SITO_ASSIGN_OR_RETURN(auto rec, enrich::tesseract_recognizer::create(options));
    std::unique_ptr<cuda_ocr_backend> b(new cuda_ocr_backend(options, std::move(rec)));
    if (cudaStreamCreateWithFlags(&b->stream_, cudaStreamNonBlocking) != cudaSuccess)
      return unavailable("cuda: cannot create a stream");
#if SITO_HAVE_NVJPEG
    b->jpeg_ = std::make_unique<jpeg_decoder>();
    if (!b->jpeg_->init().ok()) b->jpeg_.reset();  // decode JPEG on the host then
#endif
    return std::unique_ptr<enrich::ocr_backend>(std::move(b));
  }
  ~cuda_ocr_backend() override {
    if (stream_) cudaStreamDestroy(stream_);
  }

  std::string_view name() const override { return "cuda"; }

  void recognize(std::span<const enrich::image_input> images, std::vector<enrich::ocr_result>& out) override {
    out.clear();
    out.resize(images.size());
    std::vector<result<enrich::image>> pages;
    pages.reserve(images.size());
    {
      std::lock_guard lock(gpu_mutex_);
      for (size_t i = 0; i < images.size(); ++i) {
        enrich::ocr_result& r = out[i];
        auto t0 = std::chrono::steady_clock::now();
        auto header = enrich::read_image_header(images[i].bytes, options_.limits);
        if (!header.ok()) {
          r.times.decode_us = us_since(t0);
          pages.push_back(header.error());
          continue;
        }
#if SITO_HAVE_NVJPEG
        if (jpeg_ && header->format == enrich::image_format::jpeg) {
          auto page = jpeg_->decode_preprocess(images[i].bytes, header->width, header->height, options_.preprocess, stream_);
          r.times.preprocess_us = us_since(t0);  // decode and preprocess are one device pass here
          if (page.ok()) {
            pages.push_back(std::move(page));
            continue;
          }
          t0 = std::chrono::steady_clock::now();  // a JPEG nvJPEG refuses: try the host decoder
        }
#endif
        auto decoded = enrich::decode_image(images[i].bytes, options_.limits);
        r.times.decode_us = us_since(t0);
        if (!decoded.ok()) {
          pages.push_back(decoded.error());
          continue;
        }
        t0 = std::chrono::steady_clock::now();
        pages.push_back(gpu_preprocess_host(*decoded, options_.preprocess, stream_, nullptr));
        r.times.preprocess_us = us_since(t0);
      }
    }
    for (size_t i = 0; i < images.size(); ++i) {
      enrich::ocr_result& r = out[i];
      if (!pages[i].ok()) {
        r.error = pages[i].error();
        continue;
      }
      recognizer_->recognize_into(*pages[i], r);
    }
  }

 private:
  cuda_ocr_backend(enrich::ocr_options options, std::shared_ptr<enrich::tesseract_recognizer> rec)
      : options_(std::move(options)), recognizer_(std::move(rec)) {}

  enrich::ocr_options options_;
  std::shared_ptr<enrich::tesseract_recognizer> recognizer_;
  std::mutex gpu_mutex_;
  cudaStream_t stream_ = nullptr;
#if SITO_HAVE_NVJPEG
  std::unique_ptr<jpeg_decoder> jpeg_;
#endif
};

}  // namespace

bool register_cuda_ocr_backend() {
  if (cuda_device_count() == 0) return false;
  enrich::register_ocr_backend("cuda", 100, &cuda_ocr_backend::create);
  return true;
}

}  // namespace sito::kernels
