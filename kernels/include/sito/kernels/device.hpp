// File: sito/kernels/device.hpp
//
// Whether this process can use a CUDA device: the one question every CUDA
// backend (OCR, embeddings) asks before it registers.
#pragma once

namespace sito::kernels {

/// CUDA devices usable now; 0 without a driver or a device (never throws,
/// never aborts).
int cuda_device_count();

}  // namespace sito::kernels
