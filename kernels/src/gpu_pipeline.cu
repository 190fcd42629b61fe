// GPU preprocessing: the kernels over preprocess_bodies.cuh, the device
// buffers, and (where the toolkit ships nvJPEG) JPEG decoding on the device.
// cudaError_t becomes sito::status here and goes no further.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cuda_memory.cuh"
#include "gpu_pipeline.hpp"
#include "preprocess_bodies.cuh"
#include "sito/kernels/cuda_ocr.hpp"

#if SITO_HAVE_NVJPEG
#include <nvjpeg.h>
#endif

namespace sito::kernels {
namespace {

#define SITO_CUDA(expr) SITO_RETURN_IF_ERROR(cuda_status((expr), #expr))

constexpr int k_block = 256;
unsigned blocks_for(int64_t n, int per = k_block) { return static_cast<unsigned>((n + per - 1) / per); }
dim3 grid2d(int w, int h) { return dim3(static_cast<unsigned>((w + 15) / 16), static_cast<unsigned>((h + 15) / 16)); }

__global__ void k_gray(const uint8_t* in, int channels, uint8_t* out, int64_t n, unsigned long long* total) {
  __shared__ unsigned long long part[k_block];
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  unsigned long long v = 0;
  if (i < n) {
    body::gray(in, channels, out, i);
    v = out[i];
  }
  part[threadIdx.x] = v;
  __syncthreads();
  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) atomicAdd(total, part[0]);
}

__global__ void k_sat_rows(const uint8_t* g, int w, int h, uint32_t* sum, uint64_t* sq) {
  const int y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y < h) body::sat_rows(g, w, sum, sq, y);
}

__global__ void k_sat_cols(int w, int h, uint32_t* sum, uint64_t* sq) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  if (x <= w) body::sat_cols(w, h, sum, sq, x);
}

__global__ void k_binarize(const uint8_t* g, const uint32_t* sum, const uint64_t* sq, int w, int h, int r, float k,
                           bool dark, uint8_t* out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < w && y < h) body::binarize(g, sum, sq, w, h, r, k, dark, out, x, y);
}

__global__ void k_profiles(const uint8_t* bin, int w, int h, const float* tangents, int pad, int rows,
                           uint32_t* profiles) {
  const int xs = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y;
  const int a = blockIdx.z;
  if (xs >= (w + 1) / 2 || y >= h) return;
  const int r = body::profile_row(bin, w, y, xs, tangents[a], pad, rows);
  if (r >= 0) atomicAdd(&profiles[static_cast<int64_t>(a) * rows + r], 1u);
}

__global__ void k_rotate(const uint8_t* g, int w, int h, int dw, int dh, float c, float s, uint8_t* out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < dw && y < dh) body::rotate(g, w, h, dw, dh, c, s, out, x, y);
}

__global__ void k_scale(const uint8_t* g, int w, int h, int dw, int dh, uint8_t* out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < dw && y < dh) body::scale(g, w, h, dw, dh, out, x, y);
}

__global__ void k_invert(uint8_t* g, int64_t n) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) body::invert(g, i);
}

/// Sauvola over a device gray image into `out` (allocated here).
status binarize_device(const device_buffer<uint8_t>& g, int w, int h, int r, float k, bool dark,
                       device_buffer<uint8_t>& out, cudaStream_t st) {
  device_buffer<uint32_t> sum;
  device_buffer<uint64_t> sq;
  const size_t cells = static_cast<size_t>(w + 1) * (h + 1);
  SITO_RETURN_IF_ERROR(sum.allocate(cells));
  SITO_RETURN_IF_ERROR(sq.allocate(cells));
  SITO_RETURN_IF_ERROR(out.allocate(static_cast<size_t>(w) * h));
  k_sat_rows<<<blocks_for(h, 128), 128, 0, st>>>(g.ptr, w, h, sum.ptr, sq.ptr);
  k_sat_cols<<<blocks_for(w + 1, 128), 128, 0, st>>>(w, h, sum.ptr, sq.ptr);
  k_binarize<<<grid2d(w, h), dim3(16, 16), 0, st>>>(g.ptr, sum.ptr, sq.ptr, w, h, r, k, dark, out.ptr);
  SITO_CUDA(cudaGetLastError());
  // The tables go out of scope: wait for their users first.
  SITO_CUDA(cudaStreamSynchronize(st));
  return ok_status();
}

}  // namespace

result<enrich::image> gpu_preprocess_device(const uint8_t* d_in, uint32_t width, uint32_t height, int channels,
                                            const enrich::preprocess_options& opt, void* stream,
                                            enrich::preprocess_report* report) {
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  enrich::preprocess_report rep;
  int w = static_cast<int>(width), h = static_cast<int>(height);
  const int64_t n = static_cast<int64_t>(w) * h;
  device_buffer<uint8_t> gray;
  device_buffer<unsigned long long> total;
  SITO_RETURN_IF_ERROR(gray.allocate(static_cast<size_t>(n)));
  SITO_RETURN_IF_ERROR(total.allocate(1));
  SITO_CUDA(cudaMemsetAsync(total.ptr, 0, sizeof(unsigned long long), st));
  k_gray<<<blocks_for(n), k_block, 0, st>>>(d_in, channels, gray.ptr, n, total.ptr);
  SITO_CUDA(cudaGetLastError());
  unsigned long long sum = 0;
  SITO_CUDA(cudaMemcpyAsync(&sum, total.ptr, sizeof(sum), cudaMemcpyDeviceToHost, st));
  SITO_CUDA(cudaStreamSynchronize(st));
  rep.dark_text = enrich::is_dark_text_mean(sum, static_cast<uint64_t>(n));

  device_buffer<uint8_t> analysis;
  SITO_RETURN_IF_ERROR(binarize_device(gray, w, h, opt.sauvola_radius, opt.sauvola_k, rep.dark_text, analysis, st));
  const enrich::skew_search s =
      enrich::plan_skew_search(width, height, opt.deskew ? opt.max_skew_degrees : 0.0f, opt.skew_step_degrees);
  device_buffer<float> tangents;
  device_buffer<uint32_t> profiles;
  const size_t cells = s.rows * s.degrees.size();
  SITO_RETURN_IF_ERROR(tangents.allocate(s.tangents.size()));
  SITO_RETURN_IF_ERROR(profiles.allocate(cells));
  SITO_CUDA(cudaMemcpyAsync(tangents.ptr, s.tangents.data(), s.tangents.size() * sizeof(float), cudaMemcpyHostToDevice, st));
  SITO_CUDA(cudaMemsetAsync(profiles.ptr, 0, cells * sizeof(uint32_t), st));
  const dim3 pgrid(blocks_for((w + 1) / 2, 128), static_cast<unsigned>(h), static_cast<unsigned>(s.degrees.size()));
  k_profiles<<<pgrid, 128, 0, st>>>(analysis.ptr, w, h, tangents.ptr, s.pad, static_cast<int>(s.rows), profiles.ptr);
  SITO_CUDA(cudaGetLastError());
  std::vector<uint32_t> host_profiles(cells);
  SITO_CUDA(cudaMemcpyAsync(host_profiles.data(), profiles.ptr, cells * sizeof(uint32_t), cudaMemcpyDeviceToHost, st));
  SITO_CUDA(cudaStreamSynchronize(st));
  const enrich::skew_estimate skew = enrich::pick_skew(s, host_profiles);

  if (opt.deskew && std::fabs(skew.degrees) >= opt.min_skew_degrees) {
    const enrich::rotation_plan rp = enrich::plan_rotation(width, height, -skew.degrees);
    device_buffer<uint8_t> rot;
    SITO_RETURN_IF_ERROR(rot.allocate(static_cast<size_t>(rp.width) * rp.height));
    k_rotate<<<grid2d(static_cast<int>(rp.width), static_cast<int>(rp.height)), dim3(16, 16), 0, st>>>(
        gray.ptr, w, h, static_cast<int>(rp.width), static_cast<int>(rp.height), rp.cos_a, rp.sin_a, rot.ptr);
    SITO_CUDA(cudaGetLastError());
    SITO_CUDA(cudaStreamSynchronize(st));
    std::swap(gray.ptr, rot.ptr);
    std::swap(gray.count, rot.count);
    w = static_cast<int>(rp.width);
    h = static_cast<int>(rp.height);
    rep.skew_degrees = skew.degrees;
  }
  rep.x_height = skew.x_height;
  const enrich::scale_plan sp = enrich::plan_scale(static_cast<uint32_t>(w), static_cast<uint32_t>(h), skew.x_height, opt);
  if (sp.apply) {
    device_buffer<uint8_t> sc;
    SITO_RETURN_IF_ERROR(sc.allocate(static_cast<size_t>(sp.width) * sp.height));
    k_scale<<<grid2d(static_cast<int>(sp.width), static_cast<int>(sp.height)), dim3(16, 16), 0, st>>>(
        gray.ptr, w, h, static_cast<int>(sp.width), static_cast<int>(sp.height), sc.ptr);
    SITO_CUDA(cudaGetLastError());
    SITO_CUDA(cudaStreamSynchronize(st));
    std::swap(gray.ptr, sc.ptr);
    std::swap(gray.count, sc.count);
    w = static_cast<int>(sp.width);
    h = static_cast<int>(sp.height);
    rep.scale = sp.factor;
  }
  const uint8_t* final_ptr = gray.ptr;
  device_buffer<uint8_t> bin_out;
  if (opt.binarize_output) {
    SITO_RETURN_IF_ERROR(
        binarize_device(gray, w, h, enrich::output_sauvola_radius(opt), opt.sauvola_k, rep.dark_text, bin_out, st));
    final_ptr = bin_out.ptr;
  } else if (!rep.dark_text) {
    k_invert<<<blocks_for(static_cast<int64_t>(w) * h), k_block, 0, st>>>(gray.ptr, static_cast<int64_t>(w) * h);
    SITO_CUDA(cudaGetLastError());
  }
  enrich::image page;
  page.width = static_cast<uint32_t>(w);
  page.height = static_cast<uint32_t>(h);
  page.channels = 1;
  page.pixels.resize(static_cast<size_t>(w) * h);
  SITO_CUDA(cudaMemcpyAsync(page.pixels.data(), final_ptr, page.pixels.size(), cudaMemcpyDeviceToHost, st));
  SITO_CUDA(cudaStreamSynchronize(st));
  if (report) *report = rep;
  return page;
}

result<enrich::image> gpu_preprocess_host(const enrich::image& in, const enrich::preprocess_options& opt, void* stream,
                                          enrich::preprocess_report* report) {
  if (in.empty() || in.pixels.size() < in.stride() * in.height) return invalid_argument("preprocess: empty image");
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  device_buffer<uint8_t> d_in;
  SITO_RETURN_IF_ERROR(d_in.allocate(in.pixels.size()));
  SITO_CUDA(cudaMemcpyAsync(d_in.ptr, in.pixels.data(), in.pixels.size(), cudaMemcpyHostToDevice, st));
  return gpu_preprocess_device(d_in.ptr, in.width, in.height, in.channels, opt, stream, report);
}

result<std::vector<result<enrich::image>>> gpu_preprocess_batch(std::span<const enrich::image> decoded,
                                                                 const enrich::preprocess_options& options,
                                                                 void* stream) {
  if (cuda_device_count() == 0) return unavailable("cuda: no device");
  cudaStream_t own = nullptr;
  if (!stream) {
    SITO_CUDA(cudaStreamCreateWithFlags(&own, cudaStreamNonBlocking));
    stream = own;
  }
  std::vector<result<enrich::image>> out;
  out.reserve(decoded.size());
  for (const auto& img : decoded) out.push_back(gpu_preprocess_host(img, options, stream, nullptr));
  if (own) cudaStreamDestroy(own);
  return out;
}

bool has_nvjpeg() { return SITO_HAVE_NVJPEG != 0; }

#if SITO_HAVE_NVJPEG
struct jpeg_decoder::impl {
  nvjpegHandle_t handle = nullptr;
  nvjpegJpegState_t state = nullptr;
  ~impl() {
    if (state) nvjpegJpegStateDestroy(state);
    if (handle) nvjpegDestroy(handle);
  }
};

jpeg_decoder::jpeg_decoder() : impl_(std::make_unique<impl>()) {}
jpeg_decoder::~jpeg_decoder() = default;

status jpeg_decoder::init() {
  if (nvjpegCreateSimple(&impl_->handle) != NVJPEG_STATUS_SUCCESS) return unavailable("nvjpeg: cannot create a handle");
  if (nvjpegJpegStateCreate(impl_->handle, &impl_->state) != NVJPEG_STATUS_SUCCESS)
    return unavailable("nvjpeg: cannot create a decode state");
  return ok_status();
}

result<enrich::image> jpeg_decoder::decode_preprocess(std::span<const uint8_t> bytes, uint32_t width, uint32_t height,
                                                      const enrich::preprocess_options& opt, void* stream) {
  cudaStream_t st = static_cast<cudaStream_t>(stream);
  device_buffer<uint8_t> rgb;
  SITO_RETURN_IF_ERROR(rgb.allocate(static_cast<size_t>(width) * height * 3));
  nvjpegImage_t dst{};
  dst.channel[0] = rgb.ptr;
  dst.pitch[0] = static_cast<size_t>(width) * 3;
  if (nvjpegDecode(impl_->handle, impl_->state, bytes.data(), bytes.size(), NVJPEG_OUTPUT_RGBI, &dst, st) !=
      NVJPEG_STATUS_SUCCESS)
    return invalid_argument("image: nvJPEG cannot decode this JPEG");
  return gpu_preprocess_device(rgb.ptr, width, height, 3, opt, stream, nullptr);
}
#endif

}  // namespace sito::kernels
