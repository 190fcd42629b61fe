// cuda_device_count (sito/kernels/device.hpp).
#include <cuda_runtime.h>

#include "sito/kernels/device.hpp"

namespace sito::kernels {

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();  // clear the sticky "no driver / no device" error
    return 0;
  }
  return n;
}

}  // namespace sito::kernels
