// Small row and element operations: in-place add, row gather, dtype conversion. Memory bound; vectorized to
// 16-byte accesses where sizes and alignment allow, scalar otherwise.
#include "kernels/cuda/elementwise.cuh"

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"
#include "kernels/cuda/row_copy.cuh"

namespace llmc::kernels::cuda {
namespace {

using detail::from_float;
using detail::to_float;

constexpr int kThreads = 256;

template <typename T, int kVec>
__global__ void add_inplace_kernel(T* a, const T* b, int64_t n_vec) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n_vec; i += int64_t{gridDim.x} * blockDim.x) {
    float x[kVec], y[kVec];
    detail::load_float(a + i * kVec, x);
    detail::load_float(b + i * kVec, y);
#pragma unroll
    for (int e = 0; e < kVec; ++e) x[e] += y[e];
    detail::store_float(a + i * kVec, x);
  }
}

// V: the copy unit (uint4 down to uint8_t), chosen on the host from the row size and alignment.
template <typename V>
__global__ void copy_rows_kernel(const V* __restrict__ src, const int32_t* __restrict__ ids, int64_t row_vecs,
                                 int64_t id_begin, int64_t id_rows, V* __restrict__ out) {
  const int64_t row = blockIdx.x;
  const int64_t local = static_cast<int64_t>(ids[row]) - id_begin;
  const bool inside = id_rows < 0 || (local >= 0 && local < id_rows);
  V* dst = out + row * row_vecs;
  if (inside) {
    const V* s = src + local * row_vecs;
    for (int64_t i = threadIdx.x; i < row_vecs; i += blockDim.x) dst[i] = s[i];
  } else {
    const V zero{};
    for (int64_t i = threadIdx.x; i < row_vecs; i += blockDim.x) dst[i] = zero;
  }
}

template <typename V>
void launch_copy_rows(const void* src, const int32_t* ids, int64_t count, int64_t row_bytes, int64_t id_begin,
                      int64_t id_rows, void* out, cudaStream_t stream) {
  const int64_t row_vecs = row_bytes / static_cast<int64_t>(sizeof(V));
  const int threads = static_cast<int>(row_vecs >= 256 ? 256 : ((row_vecs + 31) / 32) * 32);
  copy_rows_kernel<V><<<static_cast<unsigned>(count), threads, 0, stream>>>(
      static_cast<const V*>(src), ids, row_vecs, id_begin, id_rows, static_cast<V*>(out));
  LLMC_CUDA_CHECK_LAUNCH("copy_rows");
}

template <typename In, typename Out>
__global__ void convert_kernel(const In* in, Out* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = from_float<Out>(to_float(in[i]));
  }
}

}  // namespace

namespace detail {

void copy_rows(const void* src, const int32_t* ids, int64_t count, int64_t row_bytes, int64_t id_begin,
               int64_t id_rows, void* out, cudaStream_t stream) {
  LLMC_CHECK(count >= 0 && row_bytes > 0) << "copy_rows: bad sizes count=" << count << " row_bytes=" << row_bytes;
  if (count == 0) return;
  LLMC_CHECK(count < (int64_t{1} << 31)) << "copy_rows: " << count << " rows exceed the grid limit";
  const auto fits = [&](uintptr_t unit) {
    return row_bytes % static_cast<int64_t>(unit) == 0 && aligned_to(src, unit) && aligned_to(out, unit);
  };
  if (fits(16)) {
    launch_copy_rows<uint4>(src, ids, count, row_bytes, id_begin, id_rows, out, stream);
  } else if (fits(8)) {
    launch_copy_rows<uint2>(src, ids, count, row_bytes, id_begin, id_rows, out, stream);
  } else if (fits(4)) {
    launch_copy_rows<uint32_t>(src, ids, count, row_bytes, id_begin, id_rows, out, stream);
  } else if (fits(2)) {
    launch_copy_rows<uint16_t>(src, ids, count, row_bytes, id_begin, id_rows, out, stream);
  } else {
    launch_copy_rows<uint8_t>(src, ids, count, row_bytes, id_begin, id_rows, out, stream);
  }
}

}  // namespace detail

void add_inplace(void* a, const void* b, int64_t n, DType type, cudaStream_t stream) {
  LLMC_CHECK(n >= 0) << "add_inplace: negative size " << n;
  if (n == 0) return;
  detail::dispatch_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    constexpr int kVec = detail::kVec16<T>;
    if (n % kVec == 0 && detail::aligned_to(a, 16) && detail::aligned_to(b, 16)) {
      add_inplace_kernel<T, kVec><<<detail::grid_for(n / kVec, kThreads), kThreads, 0, stream>>>(
          static_cast<T*>(a), static_cast<const T*>(b), n / kVec);
    } else {
      add_inplace_kernel<T, 1><<<detail::grid_for(n, kThreads), kThreads, 0, stream>>>(
          static_cast<T*>(a), static_cast<const T*>(b), n);
    }
    LLMC_CUDA_CHECK_LAUNCH("add_inplace");
  });
}

void gather_rows(const void* x, const int32_t* indices, int64_t count, int64_t row_bytes, void* out,
                 cudaStream_t stream) {
  detail::copy_rows(x, indices, count, row_bytes, 0, -1, out, stream);
}

void convert(const void* in, DType in_type, void* out, DType out_type, int64_t n, cudaStream_t stream) {
  LLMC_CHECK(n >= 0) << "convert: negative size " << n;
  if (n == 0) return;
  detail::dispatch_type(in_type, [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    detail::dispatch_type(out_type, [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      convert_kernel<In, Out><<<detail::grid_for(n, kThreads), kThreads, 0, stream>>>(static_cast<const In*>(in),
                                                                                     static_cast<Out*>(out), n);
      LLMC_CUDA_CHECK_LAUNCH("convert");
    });
  });
}

}  // namespace llmc::kernels::cuda
