// The CUDA embedding backend (sito/kernels/cuda_embedding.hpp): kernels for
// segment embeddings, the max over a post's segments and MinHash; the
// similarity GEMM through cuBLAS, loaded with dlopen.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "cuda_memory.cuh"
#include "embedding_bodies.cuh"
#include "sito/kernels/cuda_embedding.hpp"
#include "sito/kernels/device.hpp"

namespace sito::kernels {
namespace {

namespace em = enrich::embedding_math;
using enrich::embedding_dim;

constexpr int embed_threads = 128;

// ---- cuBLAS, loaded at run time -------------------------------------------

struct cublas_api {
  decltype(&cublasCreate_v2) create = nullptr;
  decltype(&cublasDestroy_v2) destroy = nullptr;
  decltype(&cublasSetStream_v2) set_stream = nullptr;
  decltype(&cublasSetMathMode) set_math_mode = nullptr;
  decltype(&cublasSgemm_v2) sgemm = nullptr;
};

/// The process's cuBLAS, or null with `why` set. Loaded once; never unloaded.
const cublas_api* load_cublas(std::string* why) {
  static std::once_flag once;
  static cublas_api api;
  static std::string error;
  static bool loaded = false;
  std::call_once(once, [] {
    void* lib = nullptr;
    for (const char* name : {"libcublas.so.13", "libcublas.so", "/usr/local/cuda/lib64/libcublas.so.13",
                             "/usr/local/cuda/lib64/libcublas.so"})
      if ((lib = dlopen(name, RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
    if (!lib) {
      const char* e = dlerror();
      error = std::string("cuBLAS not loadable (libcublas.so.13): ") + (e ? e : "not found");
      return;
    }
    api.create = reinterpret_cast<decltype(api.create)>(dlsym(lib, "cublasCreate_v2"));
    api.destroy = reinterpret_cast<decltype(api.destroy)>(dlsym(lib, "cublasDestroy_v2"));
    api.set_stream = reinterpret_cast<decltype(api.set_stream)>(dlsym(lib, "cublasSetStream_v2"));
    api.set_math_mode = reinterpret_cast<decltype(api.set_math_mode)>(dlsym(lib, "cublasSetMathMode"));
    api.sgemm = reinterpret_cast<decltype(api.sgemm)>(dlsym(lib, "cublasSgemm_v2"));
    if (!api.create || !api.destroy || !api.set_stream || !api.set_math_mode || !api.sgemm) {
      error = "cuBLAS loaded but lacks cublasCreate_v2/cublasSgemm_v2";
      return;
    }
    loaded = true;
  });
  if (!loaded && why) *why = error;
  return loaded ? &api : nullptr;
}

#define SITO_CUDA_TRY(what, expr) SITO_RETURN_IF_ERROR(cuda_status((expr), "embedding: " what))

// ---- kernels ----------------------------------------------------------------

__constant__ uint32_t c_seed_a[dedup::minhash_size];
__constant__ uint32_t c_seed_b[dedup::minhash_size];

__global__ void embed_kernel(const uint32_t* __restrict__ cps, const uint32_t* __restrict__ segment_begin,
                             float* __restrict__ out) {
  __shared__ int32_t counts[em::dim];
  __shared__ long long partial[embed_threads];
  const uint32_t s = blockIdx.x;
  for (int d = threadIdx.x; d < em::dim; d += blockDim.x) counts[d] = 0;
  __syncthreads();
  const uint32_t begin = segment_begin[s];
  const int n = static_cast<int>(segment_begin[s + 1] - begin);
  const uint32_t* cp = cps + begin;
  for (int b = threadIdx.x; b < n; b += blockDim.x)
    bodies::position_features(cp, n, b, [&](int bucket, int w) { atomicAdd(&counts[bucket], w); });
  __syncthreads();
  long long ss = 0;
  for (int d = threadIdx.x; d < em::dim; d += blockDim.x) ss += static_cast<long long>(counts[d]) * counts[d];
  partial[threadIdx.x] = ss;
  __syncthreads();
  for (int half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  const int64_t total = partial[0];
  float* row = out + static_cast<size_t>(s) * em::dim;
  for (int d = threadIdx.x; d < em::dim; d += blockDim.x) row[d] = em::component(counts[d], total);
}

/// out[t][e] = max over t's segments of sims[s][e] (0 for a text without segments).
__global__ void max_over_segments_kernel(const float* __restrict__ sims, const uint32_t* __restrict__ text_begin,
                                         uint32_t texts, uint32_t examples, float* __restrict__ out) {
  const size_t i = static_cast<size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<size_t>(texts) * examples) return;
  const uint32_t t = static_cast<uint32_t>(i / examples), e = static_cast<uint32_t>(i % examples);
  const uint32_t b = text_begin[t], end = text_begin[t + 1];
  float best = 0.0f;
  for (uint32_t s = b; s < end; ++s) {
    const float v = sims[static_cast<size_t>(s) * examples + e];
    best = s == b ? v : fmaxf(best, v);
  }
  out[i] = best;
}

__global__ void minhash_kernel(const uint64_t* __restrict__ bigrams, const uint32_t* __restrict__ offsets,
                               uint16_t* __restrict__ out) {
  const uint32_t set = blockIdx.x, i = threadIdx.x;
  const uint32_t b = offsets[set];
  out[static_cast<size_t>(set) * dedup::minhash_size + i] =
      bodies::minhash_lane(bigrams + b, offsets[set + 1] - b, c_seed_a[i], c_seed_b[i]);
}

class cuda_example_matrix final : public enrich::example_matrix {
 public:
  cuda_example_matrix(std::vector<float> v, size_t count, size_t dim) : example_matrix(std::move(v), count, dim) {}
  device_buffer<float> device;
};

class cuda_embedding_backend final : public enrich::embedding_backend {
 public:
  static result<std::unique_ptr<enrich::embedding_backend>> create() {
    if (cuda_device_count() == 0) return unavailable("cuda: no device");
    std::string why;
    const cublas_api* api = load_cublas(&why);
    if (!api) return unavailable("cuda: " + why);
    auto b = std::unique_ptr<cuda_embedding_backend>(new cuda_embedding_backend(api));
    SITO_RETURN_IF_ERROR(b->init());
    return std::unique_ptr<enrich::embedding_backend>(std::move(b));
  }

  ~cuda_embedding_backend() override {
    if (handle_) api_->destroy(handle_);
    if (stream_) cudaStreamDestroy(stream_);
  }

  std::string_view name() const override { return "cuda"; }

  status embed(const enrich::prepared_batch& batch, std::vector<float>& out) override {
    SITO_RETURN_IF_ERROR(enrich::validate_batch(batch));
    std::lock_guard lock(mutex_);
    SITO_RETURN_IF_ERROR(embed_on_device(batch));
    out.resize(batch.segments() * embedding_dim);
    if (!out.empty())
      SITO_CUDA_TRY("copy embeddings", cudaMemcpyAsync(out.data(), d_segments_.get(), out.size() * sizeof(float),
                                                       cudaMemcpyDeviceToHost, stream_));
    SITO_CUDA_TRY("synchronize", cudaStreamSynchronize(stream_));
    return ok_status();
  }

  result<std::unique_ptr<enrich::example_matrix>> upload_examples(std::vector<float> vectors, size_t count,
                                                                  size_t dim) override {
    if (dim == 0 || vectors.size() != count * dim)
      return invalid_argument("embedding: example vectors are not count × dim (" + std::to_string(count) + " × " +
                              std::to_string(dim) + ")");
    auto m = std::make_unique<cuda_example_matrix>(std::move(vectors), count, dim);
    std::lock_guard lock(mutex_);
    SITO_RETURN_IF_ERROR(m->device.reserve(count * dim));
    if (count)
      SITO_CUDA_TRY("upload examples", cudaMemcpyAsync(m->device.get(), m->vectors().data(),
                                                       count * dim * sizeof(float), cudaMemcpyHostToDevice, stream_));
    SITO_CUDA_TRY("synchronize", cudaStreamSynchronize(stream_));
    return std::unique_ptr<enrich::example_matrix>(std::move(m));
  }

  status score(const enrich::prepared_batch& batch, const enrich::example_matrix& examples,
               std::vector<float>& out) override {
    if (examples.dim() != embedding_dim)
      return invalid_argument("embedding: examples of another model's dimension; use score_vectors");
    SITO_RETURN_IF_ERROR(enrich::validate_batch(batch));
    std::lock_guard lock(mutex_);
    SITO_RETURN_IF_ERROR(embed_on_device(batch));
    return similarity_on_device(d_segments_.get(), batch.segments(), batch.text_begin, examples, out);
  }

  status score_vectors(std::span<const float> segments, std::span<const uint32_t> text_begin,
                       const enrich::example_matrix& examples, std::vector<float>& out) override {
    SITO_RETURN_IF_ERROR(enrich::validate_segment_vectors(segments, text_begin, examples.dim()));
    std::lock_guard lock(mutex_);
    SITO_RETURN_IF_ERROR(d_vectors_.reserve(segments.size()));
    if (!segments.empty())
      SITO_CUDA_TRY("upload vectors", cudaMemcpyAsync(d_vectors_.get(), segments.data(), segments.size_bytes(),
                                                      cudaMemcpyHostToDevice, stream_));
    return similarity_on_device(d_vectors_.get(), text_begin.back(), text_begin, examples, out);
  }

  status minhash(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets,
                 std::span<dedup::minhash_signature> out) override {
    SITO_RETURN_IF_ERROR(enrich::validate_minhash_input(bigrams, offsets, out.size()));
    if (out.empty()) return ok_status();
    std::lock_guard lock(mutex_);
    const size_t sets = out.size();
    SITO_RETURN_IF_ERROR(d_bigrams_.reserve(bigrams.size()));
    SITO_RETURN_IF_ERROR(d_offsets_.reserve(offsets.size()));
    SITO_RETURN_IF_ERROR(d_signatures_.reserve(sets * dedup::minhash_size));
    if (!bigrams.empty())
      SITO_CUDA_TRY("upload bigrams", cudaMemcpyAsync(d_bigrams_.get(), bigrams.data(), bigrams.size_bytes(),
                                                      cudaMemcpyHostToDevice, stream_));
    SITO_CUDA_TRY("upload offsets", cudaMemcpyAsync(d_offsets_.get(), offsets.data(), offsets.size_bytes(),
                                                    cudaMemcpyHostToDevice, stream_));
    minhash_kernel<<<static_cast<unsigned>(sets), dedup::minhash_size, 0, stream_>>>(d_bigrams_.get(), d_offsets_.get(),
                                                                                       d_signatures_.get());
    SITO_CUDA_TRY("minhash kernel", cudaGetLastError());
    static_assert(sizeof(dedup::minhash_signature) == dedup::minhash_size * sizeof(uint16_t));
    SITO_CUDA_TRY("copy signatures", cudaMemcpyAsync(out.data(), d_signatures_.get(), out.size_bytes(),
                                                     cudaMemcpyDeviceToHost, stream_));
    SITO_CUDA_TRY("synchronize", cudaStreamSynchronize(stream_));
    return ok_status();
  }

 private:
  explicit cuda_embedding_backend(const cublas_api* api) : api_(api) {}

  status init() {
    SITO_CUDA_TRY("cudaStreamCreate", cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    if (api_->create(&handle_) != CUBLAS_STATUS_SUCCESS) {
      handle_ = nullptr;
      return unavailable("cuda: cublasCreate failed");
    }
    // FP32 throughout: TF32 tensor cores would round the inputs to 10-bit
    // mantissas and miss the 1e-4 agreement with the CPU.
    if (api_->set_stream(handle_, stream_) != CUBLAS_STATUS_SUCCESS ||
        api_->set_math_mode(handle_, CUBLAS_PEDANTIC_MATH) != CUBLAS_STATUS_SUCCESS)
      return unavailable("cuda: cublasSetStream/cublasSetMathMode failed");
    uint32_t a[dedup::minhash_size], b[dedup::minhash_size];
    for (size_t i = 0; i < dedup::minhash_size; ++i) {
      a[i] = dedup::minhash_seeds[i].a;
      b[i] = dedup::minhash_seeds[i].b;
    }
    SITO_CUDA_TRY("upload seeds", cudaMemcpyToSymbol(c_seed_a, a, sizeof(a)));
    SITO_CUDA_TRY("upload seeds", cudaMemcpyToSymbol(c_seed_b, b, sizeof(b)));
    return ok_status();
  }

  /// The batch's segment embeddings into d_segments_ (not synchronized).
  status embed_on_device(const enrich::prepared_batch& batch) {
    const size_t n_cp = batch.codepoints.size(), n_seg = batch.segments();
    SITO_RETURN_IF_ERROR(h_input_.reserve(n_cp + n_seg + 1));
    SITO_RETURN_IF_ERROR(d_input_.reserve(n_cp + n_seg + 1));
    SITO_RETURN_IF_ERROR(d_segments_.reserve(n_seg * embedding_dim));
    // One pinned staging copy, one transfer: code points, then segment offsets.
    std::memcpy(h_input_.get(), batch.codepoints.data(), n_cp * sizeof(uint32_t));
    std::memcpy(h_input_.get() + n_cp, batch.segment_begin.data(), (n_seg + 1) * sizeof(uint32_t));
    SITO_CUDA_TRY("upload batch", cudaMemcpyAsync(d_input_.get(), h_input_.get(), (n_cp + n_seg + 1) * sizeof(uint32_t),
                                                  cudaMemcpyHostToDevice, stream_));
    if (n_seg) {
      embed_kernel<<<static_cast<unsigned>(n_seg), embed_threads, 0, stream_>>>(d_input_.get(), d_input_.get() + n_cp,
                                                                                d_segments_.get());
      SITO_CUDA_TRY("embed kernel", cudaGetLastError());
    }
    return ok_status();
  }

  /// Scores `n_seg` device segment vectors against the examples, max per text.
  status similarity_on_device(const float* d_seg, size_t n_seg, std::span<const uint32_t> text_begin,
                              const enrich::example_matrix& examples, std::vector<float>& out) {
    const size_t texts = text_begin.size() - 1, n_ex = examples.count(), dim = examples.dim();
    out.assign(texts * n_ex, 0.0f);
    if (texts == 0 || n_ex == 0) {
      SITO_CUDA_TRY("synchronize", cudaStreamSynchronize(stream_));
      return ok_status();
    }
    const float* d_ex = nullptr;
    if (auto* m = dynamic_cast<const cuda_example_matrix*>(&examples)) {
      d_ex = m->device.get();
    } else {  // made by another backend: upload a copy
      SITO_RETURN_IF_ERROR(d_foreign_examples_.reserve(n_ex * dim));
      SITO_CUDA_TRY("upload examples", cudaMemcpyAsync(d_foreign_examples_.get(), examples.vectors().data(),
                                                       n_ex * dim * sizeof(float), cudaMemcpyHostToDevice, stream_));
      d_ex = d_foreign_examples_.get();
    }
    SITO_RETURN_IF_ERROR(d_text_begin_.reserve(text_begin.size()));
    SITO_RETURN_IF_ERROR(d_sims_.reserve(std::max<size_t>(n_seg, 1) * n_ex));
    SITO_RETURN_IF_ERROR(d_scores_.reserve(texts * n_ex));
    SITO_RETURN_IF_ERROR(h_scores_.reserve(texts * n_ex));
    SITO_CUDA_TRY("upload text offsets", cudaMemcpyAsync(d_text_begin_.get(), text_begin.data(), text_begin.size_bytes(),
                                                         cudaMemcpyHostToDevice, stream_));
    if (n_seg) {
      // Row-major sims[n_seg][n_ex] is column-major n_ex × n_seg:
      // C = Eᵀ·S with E (dim × n_ex) and S (dim × n_seg) column-major.
      const float alpha = 1.0f, beta = 0.0f;
      if (api_->sgemm(handle_, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(n_ex), static_cast<int>(n_seg),
                      static_cast<int>(dim), &alpha, d_ex, static_cast<int>(dim), d_seg, static_cast<int>(dim), &beta,
                      d_sims_.get(), static_cast<int>(n_ex)) != CUBLAS_STATUS_SUCCESS)
        return internal_error("cuda embedding: cublasSgemm failed");
    }
    const size_t cells = texts * n_ex;
    max_over_segments_kernel<<<static_cast<unsigned>((cells + 255) / 256), 256, 0, stream_>>>(
        d_sims_.get(), d_text_begin_.get(), static_cast<uint32_t>(texts), static_cast<uint32_t>(n_ex), d_scores_.get());
    SITO_CUDA_TRY("max kernel", cudaGetLastError());
    SITO_CUDA_TRY("copy scores", cudaMemcpyAsync(h_scores_.get(), d_scores_.get(), cells * sizeof(float),
                                                 cudaMemcpyDeviceToHost, stream_));
    SITO_CUDA_TRY("synchronize", cudaStreamSynchronize(stream_));
    std::memcpy(out.data(), h_scores_.get(), cells * sizeof(float));
    return ok_status();
  }

  const cublas_api* api_;
  cublasHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  std::mutex mutex_;
  pinned_buffer<uint32_t> h_input_;
  pinned_buffer<float> h_scores_;
  device_buffer<uint32_t> d_input_, d_text_begin_, d_offsets_;
  device_buffer<float> d_segments_, d_vectors_, d_sims_, d_scores_, d_foreign_examples_;
  device_buffer<uint64_t> d_bigrams_;
  device_buffer<uint16_t> d_signatures_;
};

}  // namespace

result<std::unique_ptr<enrich::embedding_backend>> make_cuda_embedding_backend() {
  return cuda_embedding_backend::create();
}

bool register_cuda_embedding_backend(std::string* why_not) {
  if (why_not) why_not->clear();
  if (cuda_device_count() == 0) {
    if (why_not) *why_not = "no CUDA device";
    return false;
  }
  if (!load_cublas(why_not)) return false;
  enrich::register_embedding_backend("cuda", 100, [] { return make_cuda_embedding_backend(); });
  return true;
}

void host_reference_embed(const enrich::prepared_batch& batch, std::vector<float>& out) {
  out.assign(batch.segments() * embedding_dim, 0.0f);
  for (size_t s = 0; s < batch.segments(); ++s) {
    int32_t counts[em::dim] = {};
    const uint32_t* cp = batch.codepoints.data() + batch.segment_begin[s];
    const int n = static_cast<int>(batch.segment_begin[s + 1] - batch.segment_begin[s]);
    for (int b = 0; b < n; ++b) bodies::position_features(cp, n, b, [&](int bucket, int w) { counts[bucket] += w; });
    const int64_t ss = em::sum_of_squares(counts);
    for (int d = 0; d < em::dim; ++d) out[s * embedding_dim + d] = em::component(counts[d], ss);
  }
}

void host_reference_minhash(std::span<const uint64_t> bigrams, std::span<const uint32_t> offsets,
                            std::span<dedup::minhash_signature> out) {
  for (size_t set = 0; set < out.size(); ++set)
    for (size_t i = 0; i < dedup::minhash_size; ++i)
      out[set][i] = bodies::minhash_lane(bigrams.data() + offsets[set], offsets[set + 1] - offsets[set],
                                         dedup::minhash_seeds[i].a, dedup::minhash_seeds[i].b);
}

}  // namespace sito::kernels
