// q/k norm + RoPE + KV-cache store. One warp per (token, head): a lane holds the pairs (i, i + D/2) that
// rotate-half RoPE mixes, for i = lane, lane + 32, ... (at most 4 pairs: head_dim <= 256), so the per-head
// RMSNorm is a warp reduction and the rotation needs no exchange between lanes.
#include "kernels/cuda/qkv_rope_store.cuh"

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"

namespace llmc::kernels::cuda {
namespace {

using detail::from_float;
using detail::round_to;
using detail::to_float;

constexpr int kWarps = 4;
constexpr int kMaxPairsPerLane = 4;  // head_dim <= 256

template <typename T>
struct Params {
  const T* qkv;
  const int32_t* positions;
  const float* cos_sin;
  const T* q_norm;
  const T* k_norm;
  float eps;
  const int64_t* slot_mapping;
  T* q_out;
  T* k_cache;
  T* v_cache;
  int q_heads;
  int kv_heads;
  int head_dim;
};

template <typename T>
__global__ void __launch_bounds__(kWarps * 32) qkv_rope_store_kernel(Params<T> p) {
  const int lane = threadIdx.x & 31;
  const int head = blockIdx.y * kWarps + (threadIdx.x >> 5);
  const int total_heads = p.q_heads + 2 * p.kv_heads;
  if (head >= total_heads) return;
  const int64_t token = blockIdx.x;
  const int d = p.head_dim;
  const int half = d / 2;
  const T* src = p.qkv + token * total_heads * d + static_cast<int64_t>(head) * d;
  const bool is_q = head < p.q_heads;
  const int64_t slot = is_q ? 0 : p.slot_mapping[token];
  if (!is_q && slot < 0) return;  // a padding token: nothing to store

  if (head >= p.q_heads + p.kv_heads) {  // v: copied as is
    T* dst = p.v_cache + (slot * p.kv_heads + (head - p.q_heads - p.kv_heads)) * d;
    for (int i = lane; i < d; i += 32) dst[i] = src[i];
    return;
  }

  float a[kMaxPairsPerLane], b[kMaxPairsPerLane];
  float sum_sq = 0.0f;
#pragma unroll
  for (int r = 0; r < kMaxPairsPerLane; ++r) {
    const int i = lane + 32 * r;
    a[r] = i < half ? to_float(src[i]) : 0.0f;
    b[r] = i < half ? to_float(src[i + half]) : 0.0f;
    sum_sq += a[r] * a[r] + b[r] * b[r];
  }
  const T* norm = is_q ? p.q_norm : p.k_norm;
  if (norm != nullptr) {
    const float inv_rms = rsqrtf(detail::warp_sum(sum_sq) / static_cast<float>(d) + p.eps);
#pragma unroll
    for (int r = 0; r < kMaxPairsPerLane; ++r) {
      const int i = lane + 32 * r;
      if (i < half) {
        a[r] = round_to<T>(to_float(norm[i]) * round_to<T>(a[r] * inv_rms));
        b[r] = round_to<T>(to_float(norm[i + half]) * round_to<T>(b[r] * inv_rms));
      }
    }
  }
  const float* cs = p.cos_sin + static_cast<int64_t>(p.positions[token]) * d;
  T* dst = is_q ? p.q_out + (token * p.q_heads + head) * d : p.k_cache + (slot * p.kv_heads + (head - p.q_heads)) * d;
#pragma unroll
  for (int r = 0; r < kMaxPairsPerLane; ++r) {
    const int i = lane + 32 * r;
    if (i < half) {
      const float c = cs[i];
      const float s = cs[i + half];
      dst[i] = from_float<T>(a[r] * c - b[r] * s);
      dst[i + half] = from_float<T>(b[r] * c + a[r] * s);
    }
  }
}

}  // namespace

void qkv_rope_store(const QkvRopeStoreArgs& args, cudaStream_t stream) {
  LLMC_CHECK(args.head_dim >= 2 && args.head_dim <= 2 * 32 * kMaxPairsPerLane && args.head_dim % 2 == 0)
      << "qkv_rope_store: head_dim must be even and at most 256, got " << args.head_dim;
  LLMC_CHECK(args.tokens >= 0 && args.q_heads > 0 && args.kv_heads > 0)
      << "qkv_rope_store: bad sizes tokens=" << args.tokens << " q_heads=" << args.q_heads
      << " kv_heads=" << args.kv_heads;
  if (args.tokens == 0) return;
  LLMC_CHECK(args.tokens < (int64_t{1} << 31)) << "qkv_rope_store: too many tokens " << args.tokens;
  detail::dispatch_type(args.type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    Params<T> p{static_cast<const T*>(args.qkv), args.positions, args.cos_sin,
                static_cast<const T*>(args.q_norm), static_cast<const T*>(args.k_norm), args.eps,
                args.slot_mapping, static_cast<T*>(args.q_out), static_cast<T*>(args.k_cache),
                static_cast<T*>(args.v_cache), static_cast<int>(args.q_heads), static_cast<int>(args.kv_heads),
                static_cast<int>(args.head_dim)};
    const int64_t total_heads = args.q_heads + 2 * args.kv_heads;
    const dim3 grid(static_cast<unsigned>(args.tokens), static_cast<unsigned>(detail::ceil_div(total_heads, kWarps)));
    qkv_rope_store_kernel<T><<<grid, kWarps * 32, 0, stream>>>(p);
    LLMC_CUDA_CHECK_LAUNCH("qkv_rope_store");
  });
}

}  // namespace llmc::kernels::cuda
