// File: sito/kernels/cuda_embedding.hpp
//
// The CUDA backend of the embedding interface (sito/enrich/embedding.hpp):
// a batch's segments are embedded one thread block per segment (integer
// counts in shared memory, so the vectors equal the CPU's bit for bit), the
// similarity of every segment against every semantic-tag example is one
// cuBLAS SGEMM (FP32, no TF32: scores within 1e-4 of the CPU's), the
// maximum over each post's segments one more kernel, and MinHash signatures
// one thread per permutation (bit for bit). Example matrices stay in device
// memory until dropped.
//
//   if (sito::kernels::register_cuda_embedding_backend())   // false without a GPU or cuBLAS
//     log("cuda embedding backend available");
//   auto b = sito::enrich::make_embedding_backend("auto");   // cuda, else cpu
//
// cuBLAS is loaded at run time (dlopen of libcublas.so.13), so binaries
// built with this backend start on machines without the CUDA toolkit; there
// the backend does not register.
//
// No CUDA type appears here (STYLE: CUDA isolated in kernels/).
// Thread-safety: the backend's methods may be called from several threads;
// each backend serializes its device work on its own stream.
#pragma once

#include <memory>
#include <string>

#include "sito/base/status.hpp"
#include "sito/enrich/embedding.hpp"

namespace sito::kernels {

/// Creates the CUDA embedding backend: unavailable without a device or
/// without a loadable cuBLAS (the message says which).
result<std::unique_ptr<enrich::embedding_backend>> make_cuda_embedding_backend();

/// Registers "cuda" with the embedding registry (priority 100, so "auto"
/// prefers it) when a device exists and cuBLAS loads. Returns whether it did;
/// `why_not`, when given, receives the reason it did not.
bool register_cuda_embedding_backend(std::string* why_not = nullptr);

/// The embedding kernel's and the MinHash kernel's per-thread bodies run by
/// plain host loops (compiled by nvcc), for tests without a device: the
/// segment vectors (segments × embedding_dim) and the signatures.
void host_reference_embed(const enrich::prepared_batch& batch, std::vector<float>& out);
void host_reference_minhash(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets,
                            std::span<dedup::minhash_signature> out);

}  // namespace sito::kernels
