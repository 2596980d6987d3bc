// Prefill / chunked-prefill attention (two or more query tokens per sequence) over the paged KV cache.
//
// A CTA serves kRows query rows of one (sequence, kv head): rows are the sequence's (query token, group head)
// pairs flattened with the head fastest, so the whole group of a token shares the CTA and each K/V tile is
// read once for it. Tiles are numbered without a host-side prefix sum: sequence s owns tile indices from
// tile_begin(s) = s + query_start[s] * group / kRows, which leaves room for its ceil(q_len * group / kRows)
// tiles, and the grid is bounded by num_seqs + num_tokens * group / kRows + 1 (CTAs past a sequence's tiles
// exit at once). The CTA walks 32-key tiles from the first key any of its rows sees (sliding window) to the
// last (causal), staging K and V as float32 in shared memory (K rows padded so lane j reading key j's row
// is conflict-free). Each warp owns kRows / 4 rows: lane j scores key j for all of them, an online softmax
// per row (exp2, flash-attention style) keeps the running max and sum, and each lane accumulates D/32 dims.
// SIMT, no tensor cores: serves float32 and head_dim 256; bf16/f16 with head_dim <= 128 go to the
// tensor-core kernel in paged_attention_prefill_mma.cu.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"
#include "kernels/cuda/paged_attention_impl.cuh"

namespace llmc::kernels::cuda::detail {
namespace {

constexpr int kWarps = 4;
constexpr int kKeys = 32;  // keys per tile: one per lane
constexpr unsigned kFull = 0xffffffffu;

template <int D>
struct Tile {
  // Rows per CTA: per-lane accumulators stay at <= 32 floats (rows per warp x D/32 dims) and the query tile
  // at <= 16 KB.
  static constexpr int kRows = D >= 128 ? 4096 / D : 64;
  static constexpr int kRowsPerWarp = kRows / kWarps;
  static constexpr int kKStride = D + 4;  // 16-byte padding: lanes reading rows j = 0..7 hit distinct banks
  static constexpr int kDpl = D >= 32 ? D / 32 : 1;
  static constexpr size_t kSmemBytes = (size_t{kRows} * D + size_t{kKeys} * kKStride + size_t{kKeys} * D) * 4;
};

template <int N>
__device__ __forceinline__ void store_smem(float* dst, const float (&v)[N]) {
  static_assert(N % 4 == 0, "16-byte shared stores");
#pragma unroll
  for (int e = 0; e < N; e += 4) *reinterpret_cast<float4*>(dst + e) = make_float4(v[e], v[e + 1], v[e + 2], v[e + 3]);
}

template <int N>
__device__ __forceinline__ void load_smem(const float* src, float (&v)[N]) {
  if constexpr (N % 4 == 0) {
#pragma unroll
    for (int e = 0; e < N; e += 4) {
      const float4 x = *reinterpret_cast<const float4*>(src + e);
      v[e] = x.x;
      v[e + 1] = x.y;
      v[e + 2] = x.z;
      v[e + 3] = x.w;
    }
  } else if constexpr (N == 2) {
    const float2 x = *reinterpret_cast<const float2*>(src);
    v[0] = x.x;
    v[1] = x.y;
  } else {
#pragma unroll
    for (int e = 0; e < N; ++e) v[e] = src[e];
  }
}

template <typename T, int D>
__global__ void __launch_bounds__(kWarps * 32) paged_prefill_kernel(AttentionParams p) {
  using S = Tile<D>;
  constexpr int kRows = S::kRows;
  constexpr int kRpw = S::kRowsPerWarp;
  constexpr int kDpl = S::kDpl;
  constexpr int kVec = kVec16<T>;
  constexpr int kChunks = D / kVec;
  extern __shared__ __align__(16) float smem[];
  float* q_s = smem;                     // [kRows, D], pre-scaled by scale * log2(e)
  float* k_s = q_s + kRows * D;          // [kKeys, kKStride]
  float* v_s = k_s + kKeys * S::kKStride;  // [kKeys, D]

  // Which sequence and tile: the largest s with tile_begin(s) <= blockIdx.x (tile_begin strictly increases).
  const int64_t b = blockIdx.x;
  int lo = 0, hi = p.num_seqs - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (mid + static_cast<int64_t>(p.query_start[mid]) * p.group / kRows <= b) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  const int seq = lo;
  const int q_begin = p.query_start[seq];
  const int q_len = p.query_start[seq + 1] - q_begin;
  if (q_len <= 1) return;  // a decode (the decode pass serves it) or an empty sequence
  const int64_t tile = b - (seq + static_cast<int64_t>(q_begin) * p.group / kRows);
  const int total_rows = q_len * p.group;
  if (tile * kRows >= total_rows) return;
  const int row0 = static_cast<int>(tile) * kRows;
  const int kv_head = blockIdx.y;
  const int ctx = p.context_lens[seq];
  const int pos0 = ctx - q_len;  // position of the sequence's first query token
  const int row_end = min(row0 + kRows, total_rows);
  const int qp_min = pos0 + row0 / p.group;
  const int qp_max = pos0 + (row_end - 1) / p.group;
  const int key_first = p.sliding_window > 0 ? max(0, qp_min - p.sliding_window + 1) : 0;
  const int key_end = qp_max + 1;

  const T* q = static_cast<const T*>(p.q);
  for (int i = threadIdx.x; i < kRows * kChunks; i += blockDim.x) {
    const int r = i / kChunks;
    const int c = (i % kChunks) * kVec;
    const int row = row0 + r;
    float v[kVec];
    if (row < total_rows) {
      const int64_t token = q_begin + row / p.group;
      const int head = kv_head * p.group + row % p.group;
      load_float<T, kVec>(q + (token * p.q_heads + head) * D + c, v);
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[e] *= p.scale_log2;
    } else {
#pragma unroll
      for (int e = 0; e < kVec; ++e) v[e] = 0.0f;
    }
    store_smem<kVec>(q_s + r * D + c, v);
  }

  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const bool pv_lane = lane * kDpl < D;
  int qpos[kRpw];  // query position of each of this warp's rows; -1: no row
  int warp_qp_max = -1;
  int warp_qp_min = 0x7fffffff;
  float m[kRpw], l[kRpw], acc[kRpw][kDpl];
#pragma unroll
  for (int i = 0; i < kRpw; ++i) {
    const int row = row0 + warp * kRpw + i;
    qpos[i] = row < total_rows ? pos0 + row / p.group : -1;
    if (qpos[i] >= 0) {
      warp_qp_max = max(warp_qp_max, qpos[i]);
      warp_qp_min = min(warp_qp_min, qpos[i]);
    }
    m[i] = -INFINITY;
    l[i] = 0.0f;
#pragma unroll
    for (int e = 0; e < kDpl; ++e) acc[i][e] = 0.0f;
  }

  const int32_t* table = p.block_tables + static_cast<int64_t>(seq) * p.max_blocks_per_seq;
  const int block_mask = (1 << p.block_shift) - 1;
  const int64_t slot_stride = static_cast<int64_t>(p.kv_heads) * D;
  const T* k_base = static_cast<const T*>(p.k_cache) + kv_head * D;
  const T* v_base = static_cast<const T*>(p.v_cache) + kv_head * D;

  for (int t0 = key_first; t0 < key_end; t0 += kKeys) {
    __syncthreads();  // the query tile is staged; no warp still reads the previous K/V tile
    for (int i = threadIdx.x; i < kKeys * kChunks; i += blockDim.x) {
      const int j = i / kChunks;
      const int c = (i % kChunks) * kVec;
      const int kp = t0 + j;
      float kf[kVec], vf[kVec];
      if (kp < key_end) {
        const int slot = (table[kp >> p.block_shift] << p.block_shift) | (kp & block_mask);
        load_float<T, kVec>(k_base + slot * slot_stride + c, kf);
        load_float<T, kVec>(v_base + slot * slot_stride + c, vf);
      } else {  // past the last visible key: zeros, so a zero weight never meets a NaN
#pragma unroll
        for (int e = 0; e < kVec; ++e) kf[e] = vf[e] = 0.0f;
      }
      store_smem<kVec>(k_s + j * S::kKStride + c, kf);
      store_smem<kVec>(v_s + j * D + c, vf);
    }
    __syncthreads();
    // Tiles wholly in this warp's future (causal) or wholly before its window: nothing to add.
    if (warp_qp_max < t0) continue;
    if (p.sliding_window > 0 && t0 + kKeys - 1 <= warp_qp_min - p.sliding_window) continue;

    float sc[kRpw];
#pragma unroll
    for (int i = 0; i < kRpw; ++i) sc[i] = 0.0f;
    const float* krow = k_s + lane * S::kKStride;
    const float* qw = q_s + warp * kRpw * D;
#pragma unroll 4
    for (int d = 0; d < D; d += 4) {
      const float4 k4 = *reinterpret_cast<const float4*>(krow + d);
#pragma unroll
      for (int i = 0; i < kRpw; ++i) {
        const float4 q4 = *reinterpret_cast<const float4*>(qw + i * D + d);
        sc[i] += q4.x * k4.x + q4.y * k4.y + q4.z * k4.z + q4.w * k4.w;
      }
    }
    const int kp = t0 + lane;
    float pr[kRpw];
#pragma unroll
    for (int i = 0; i < kRpw; ++i) {
      const int qp = qpos[i];
      const bool visible = qp >= 0 && kp <= qp && (p.sliding_window == 0 || kp > qp - p.sliding_window);
      const float s = visible ? sc[i] : -INFINITY;
      const float m_new = fmaxf(m[i], warp_max(s));
      if (m_new == -INFINITY) {  // no key of this row visible yet (warp-uniform)
        pr[i] = 0.0f;
        continue;
      }
      const float corr = exp2f(m[i] - m_new);
      pr[i] = exp2f(s - m_new);
      l[i] = l[i] * corr + pr[i];  // per-lane partial sums; reduced over the warp at the end
#pragma unroll
      for (int e = 0; e < kDpl; ++e) acc[i][e] *= corr;
      m[i] = m_new;
    }
    const int n_keys = min(kKeys, key_end - t0);
#pragma unroll 2
    for (int j = 0; j < n_keys; ++j) {
      float v[kDpl];
      if (pv_lane) {
        load_smem<kDpl>(v_s + j * D + lane * kDpl, v);
      } else {
#pragma unroll
        for (int e = 0; e < kDpl; ++e) v[e] = 0.0f;
      }
#pragma unroll
      for (int i = 0; i < kRpw; ++i) {
        const float pj = __shfl_sync(kFull, pr[i], j);
#pragma unroll
        for (int e = 0; e < kDpl; ++e) acc[i][e] += pj * v[e];
      }
    }
  }

  T* out = static_cast<T*>(p.out);
#pragma unroll
  for (int i = 0; i < kRpw; ++i) {
    if (qpos[i] < 0) continue;  // warp-uniform
    const float l_sum = warp_sum(l[i]);
    const float inv = l_sum > 0.0f ? 1.0f / l_sum : 0.0f;
    const int row = row0 + warp * kRpw + i;
    const int64_t token = q_begin + row / p.group;
    const int head = kv_head * p.group + row % p.group;
    if (pv_lane) {
#pragma unroll
      for (int e = 0; e < kDpl; ++e) out[(token * p.q_heads + head) * D + lane * kDpl + e] = from_float<T>(acc[i][e] * inv);
    }
  }
}

template <typename T, int D>
void launch_d(int64_t num_tokens, const AttentionParams& p, cudaStream_t stream) {
  using S = Tile<D>;
  const int64_t tiles = p.num_seqs + num_tokens * p.group / S::kRows + 1;
  LLMC_CHECK(tiles < (int64_t{1} << 31)) << "paged_attention: " << num_tokens << " tokens exceed the grid limit";
  const auto kernel = paged_prefill_kernel<T, D>;
  if (S::kSmemBytes > 48 * 1024) {
    // Above 48 KB a kernel must opt in (per device; cheap enough to repeat on every eager prefill launch).
    LLMC_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(S::kSmemBytes)));
  }
  const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(p.kv_heads));
  kernel<<<grid, kWarps * 32, S::kSmemBytes, stream>>>(p);
  LLMC_CUDA_CHECK_LAUNCH("paged_attention prefill");
}

}  // namespace

void launch_paged_prefill(DType type, int head_dim, int64_t num_tokens, const AttentionParams& p,
                          cudaStream_t stream) {
  if (launch_paged_prefill_mma(type, head_dim, num_tokens, p, stream)) return;
  dispatch_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (head_dim) {
      case 16:
        return launch_d<T, 16>(num_tokens, p, stream);
      case 32:
        return launch_d<T, 32>(num_tokens, p, stream);
      case 64:
        return launch_d<T, 64>(num_tokens, p, stream);
      case 128:
        return launch_d<T, 128>(num_tokens, p, stream);
      case 256:
        return launch_d<T, 256>(num_tokens, p, stream);
      default:
        LLMC_FAIL() << "paged_attention: head_dim " << head_dim << " is not one of 16, 32, 64, 128, 256";
    }
  });
}

}  // namespace llmc::kernels::cuda::detail
