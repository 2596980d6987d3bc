// RMSNorm and residual-add + RMSNorm, one CTA per row. The row's sum of squares is reduced over the block;
// each thread then re-reads the elements it read (or wrote) itself in the first pass, which L1/L2 serve, so
// out may alias x (or residual) without a hazard: an element is read and written by the same thread in order.
#include "kernels/cuda/rms_norm.cuh"

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"

namespace llmc::kernels::cuda {
namespace {

using detail::from_float;
using detail::round_to;

// kAdd: residual = T(residual + x) first, and the norm reads that rounded residual (transformers' order).
template <typename T, int kVec, bool kAdd>
__global__ void __launch_bounds__(1024)
    rms_norm_kernel(const T* x, T* residual, const T* __restrict__ weight, float eps, int64_t dim, T* out) {
  const int64_t row = blockIdx.x;
  const int64_t num_vec = dim / kVec;
  const T* src = kAdd ? residual + row * dim : x + row * dim;
  float sum_sq = 0.0f;
  for (int64_t i = threadIdx.x; i < num_vec; i += blockDim.x) {
    float v[kVec];
    detail::load_float(x + row * dim + i * kVec, v);
    if constexpr (kAdd) {
      float r[kVec];
      detail::load_float(residual + row * dim + i * kVec, r);
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[e] = round_to<T>(r[e] + v[e]);
      detail::store_float(residual + row * dim + i * kVec, v);
    }
#pragma unroll
    for (int e = 0; e < kVec; ++e) sum_sq += v[e] * v[e];
  }
  sum_sq = detail::block_sum(sum_sq);
  const float inv_rms = rsqrtf(sum_sq / static_cast<float>(dim) + eps);
  for (int64_t i = threadIdx.x; i < num_vec; i += blockDim.x) {
    float v[kVec], w[kVec];
    detail::load_float(src + i * kVec, v);
    detail::load_float(weight + i * kVec, w);
#pragma unroll
    for (int e = 0; e < kVec; ++e) v[e] = w[e] * round_to<T>(v[e] * inv_rms);
    detail::store_float(out + row * dim + i * kVec, v);
  }
}

template <bool kAdd>
void launch(const void* x, void* residual, const void* weight, float eps, int64_t rows, int64_t dim, void* out,
            DType type, cudaStream_t stream) {
  LLMC_CHECK(rows >= 0 && dim > 0) << "rms_norm: bad sizes rows=" << rows << " dim=" << dim;
  if (rows == 0) return;
  LLMC_CHECK(rows < (int64_t{1} << 31)) << "rms_norm: " << rows << " rows exceed the grid limit";
  detail::dispatch_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int kVec = detail::kVec16<T>;
    const bool vec = dim % kVec == 0 && detail::aligned_to(x, 16) && detail::aligned_to(weight, 16) &&
                     detail::aligned_to(out, 16) && (!kAdd || detail::aligned_to(residual, 16));
    const int64_t per_thread_units = vec ? dim / kVec : dim;
    const int threads = static_cast<int>(per_thread_units >= 1024 ? 1024 : ((per_thread_units + 31) / 32) * 32);
    const auto grid = static_cast<unsigned>(rows);
    auto* res = static_cast<T*>(residual);
    if (vec) {
      rms_norm_kernel<T, kVec, kAdd><<<grid, threads, 0, stream>>>(
          static_cast<const T*>(x), res, static_cast<const T*>(weight), eps, dim, static_cast<T*>(out));
    } else {
      rms_norm_kernel<T, 1, kAdd><<<grid, threads, 0, stream>>>(
          static_cast<const T*>(x), res, static_cast<const T*>(weight), eps, dim, static_cast<T*>(out));
    }
    LLMC_CUDA_CHECK_LAUNCH(kAdd ? "add_rms_norm" : "rms_norm");
  });
}

}  // namespace

void rms_norm(const void* x, const void* weight, float eps, int64_t rows, int64_t dim, void* out, DType type,
              cudaStream_t stream) {
  launch<false>(x, nullptr, weight, eps, rows, dim, out, type, stream);
}

void add_rms_norm(void* residual, const void* x, const void* weight, float eps, int64_t rows, int64_t dim, void* out,
                  DType type, cudaStream_t stream) {
  launch<true>(x, residual, weight, eps, rows, dim, out, type, stream);
}

}  // namespace llmc::kernels::cuda
