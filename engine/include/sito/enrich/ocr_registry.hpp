// File: sito/enrich/ocr_registry.hpp
//
// Chooses an OCR backend by name, in the manner of simdjson's
// implementation::detect_best_supported(): "cpu" is built in and always
// there; accelerator backends register themselves at start-up, and only
// when their device exists (the CUDA backend's register function checks
// cudaGetDeviceCount first).
//
//   sito::kernels::register_cuda_ocr_backend();        // no-op without a GPU
//   auto b = sito::enrich::make_ocr_backend("auto", options);
//   // "auto": the registered backend of highest priority that creates
//   // successfully, else "cpu". "cuda" when not registered: not_found.
//
// Thread-safety: every function is safe to call concurrently.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sito/enrich/ocr_backend.hpp"

namespace sito::enrich {

using ocr_backend_factory = std::function<result<std::unique_ptr<ocr_backend>>(const ocr_options&)>;

/// Registers (or replaces) a backend; higher `priority` wins under "auto".
void register_ocr_backend(std::string name, int priority, ocr_backend_factory factory);
/// "cpu" first, then the registered names by priority.
std::vector<std::string> ocr_backend_names();
/// Creates the named backend ("cpu", a registered name, or "auto").
/// `fallback_reason`, when given, receives the reason "auto" fell back to
/// the CPU (empty when it did not).
result<std::unique_ptr<ocr_backend>> make_ocr_backend(std::string_view name, const ocr_options& options,
                                                      std::string* fallback_reason = nullptr);

}  // namespace sito::enrich
