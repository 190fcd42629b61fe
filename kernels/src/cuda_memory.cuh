// Private: CUDA allocations owned by RAII, and CUDA errors as status, for
// every kernel file (OCR preprocessing, embeddings).
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include "sito/base/status.hpp"

namespace sito::kernels {

/// `what` failed with `e` (ok for cudaSuccess).
inline status cuda_status(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return ok_status();
  return internal_error(std::string("cuda: ") + what + ": " + cudaGetErrorString(e));
}

enum class memory_kind { device, pinned_host };

/// One allocation of `count` T on the device or in pinned host memory (so
/// copies run asynchronously at full speed), freed on scope exit.
template <typename T, memory_kind Kind>
struct cuda_memory {
  T* ptr = nullptr;
  size_t count = 0;  ///< elements allocated

  cuda_memory() = default;
  cuda_memory(const cuda_memory&) = delete;
  cuda_memory& operator=(const cuda_memory&) = delete;
  ~cuda_memory() { release(); }

  /// Exactly `n` elements (the old contents are lost).
  status allocate(size_t n) {
    release();
    void* p = nullptr;
    const size_t bytes = std::max<size_t>(1, n) * sizeof(T);
    const cudaError_t e = Kind == memory_kind::device ? cudaMalloc(&p, bytes) : cudaMallocHost(&p, bytes);
    if (e != cudaSuccess) return cuda_status(e, Kind == memory_kind::device ? "cudaMalloc" : "cudaMallocHost");
    ptr = static_cast<T*>(p);
    count = n;
    return ok_status();
  }
  /// At least `n` elements, growing by half again when it must (contents lost on growth).
  status reserve(size_t n) { return n <= count && ptr ? ok_status() : allocate(std::max(n, count + count / 2)); }
  T* get() const { return ptr; }

 private:
  void release() {
    if (ptr) {
      if constexpr (Kind == memory_kind::device) cudaFree(ptr);
      else cudaFreeHost(ptr);
    }
    ptr = nullptr;
    count = 0;
  }
};

template <typename T>
using device_buffer = cuda_memory<T, memory_kind::device>;
template <typename T>
using pinned_buffer = cuda_memory<T, memory_kind::pinned_host>;

}  // namespace sito::kernels
