// SwiGLU activation: a grid-stride loop over [rows, inter], 16-byte vectors when inter allows.
#include "kernels/cuda/silu_and_mul.cuh"

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"

namespace llmc::kernels::cuda {
namespace {

constexpr int kThreads = 256;

template <typename T, int kVec>
__global__ void silu_and_mul_kernel(const T* __restrict__ gate_up, int64_t rows, int64_t inter, T* __restrict__ out) {
  const int64_t vec_per_row = inter / kVec;
  const int64_t total = rows * vec_per_row;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total; i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t row = i / vec_per_row;
    const int64_t col = (i - row * vec_per_row) * kVec;
    float g[kVec], u[kVec];
    detail::load_float(gate_up + row * 2 * inter + col, g);
    detail::load_float(gate_up + row * 2 * inter + inter + col, u);
#pragma unroll
    for (int e = 0; e < kVec; ++e) g[e] = g[e] / (1.0f + expf(-g[e])) * u[e];
    detail::store_float(out + row * inter + col, g);
  }
}

}  // namespace

void silu_and_mul(const void* gate_up, int64_t rows, int64_t inter, void* out, DType type, cudaStream_t stream) {
  LLMC_CHECK(rows >= 0 && inter > 0) << "silu_and_mul: bad sizes rows=" << rows << " inter=" << inter;
  if (rows == 0) return;
  detail::dispatch_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int kVec = detail::kVec16<T>;
    const auto* in = static_cast<const T*>(gate_up);
    auto* o = static_cast<T*>(out);
    if (inter % kVec == 0 && detail::aligned_to(gate_up, 16) && detail::aligned_to(out, 16)) {
      silu_and_mul_kernel<T, kVec><<<detail::grid_for(rows * inter / kVec, kThreads), kThreads, 0, stream>>>(
          in, rows, inter, o);
    } else {
      silu_and_mul_kernel<T, 1><<<detail::grid_for(rows * inter, kThreads), kThreads, 0, stream>>>(in, rows, inter, o);
    }
    LLMC_CUDA_CHECK_LAUNCH("silu_and_mul");
  });
}

}  // namespace llmc::kernels::cuda
