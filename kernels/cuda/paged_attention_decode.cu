// Decode attention (one query token per sequence) over the paged KV cache.
//
// A CTA serves one (sequence, kv head, group tile, KV split): the GT query heads sharing the kv head sit in
// shared memory, so each K/V row is read from global memory once for the whole group. The 4 warps take
// interleaved 32-key tiles of the split's key range: lane j scores key j against every query head (reading
// the key row with 16-byte loads), the warp keeps an online softmax per head, and for the weighted sum of V
// each lane owns D/32 output dims and reads its slice of the 32 value rows (coalesced across the warp).
// At the end the warps' partial (max, sum, acc) are merged through shared memory; with one split the CTA
// writes the output, otherwise the normalized partial goes to the workspace for the merge pass.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"
#include "kernels/cuda/paged_attention_impl.cuh"

namespace llmc::kernels::cuda::detail {
namespace {

constexpr int kWarps = 4;
constexpr unsigned kFull = 0xffffffffu;
constexpr int kVRows = 16;  // V rows each warp loads ahead (a divisor of 32)

template <typename T, int D, int GT>
__global__ void __launch_bounds__(kWarps * 32) paged_decode_kernel(AttentionParams p) {
  constexpr int kVec = kVec16<T>;             // key elements per 16-byte load
  constexpr int kDpl = D >= 32 ? D / 32 : 1;  // output dims per lane
  __shared__ __align__(16) float q_s[GT][D];                 // the group's queries, pre-scaled
  __shared__ __align__(16) float red_acc[kWarps][GT][D];     // each warp's unnormalized output
  __shared__ float red_m[kWarps][GT];
  __shared__ float red_l[kWarps][GT];

  const int seq = blockIdx.x;
  const int chunks = (p.group + GT - 1) / GT;
  const int kv_head = blockIdx.y / chunks;
  const int g0 = (blockIdx.y % chunks) * GT;
  const int split = blockIdx.z;
  const int q_begin = p.query_start[seq];
  if (p.query_start[seq + 1] - q_begin != 1) return;  // a prefill chunk: the prefill pass serves it
  const int ctx = p.context_lens[seq];
  const int first = p.sliding_window > 0 ? max(0, ctx - p.sliding_window) : 0;
  // Split boundaries on 32-key tiles; with short contexts the last splits are empty and say so (l = 0).
  const int per_split = (((ctx - first) + p.num_splits - 1) / p.num_splits + 31) / 32 * 32;
  const int begin = first + split * per_split;
  const int end = min(ctx, begin + per_split);

  const T* q = static_cast<const T*>(p.q) + (static_cast<int64_t>(q_begin) * p.q_heads + kv_head * p.group + g0) * D;
  for (int i = threadIdx.x; i < GT * D; i += blockDim.x) {
    const int g = i / D;
    q_s[g][i % D] = g0 + g < p.group ? to_float(q[i]) * p.scale_log2 : 0.0f;
  }
  __syncthreads();

  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const bool pv_lane = lane * kDpl < D;
  float m[GT], l[GT], acc[GT][kDpl];
#pragma unroll
  for (int g = 0; g < GT; ++g) {
    m[g] = -INFINITY;
    l[g] = 0.0f;
#pragma unroll
    for (int e = 0; e < kDpl; ++e) acc[g][e] = 0.0f;
  }
  const int32_t* table = p.block_tables + static_cast<int64_t>(seq) * p.max_blocks_per_seq;
  const int block_mask = (1 << p.block_shift) - 1;
  const int64_t slot_stride = static_cast<int64_t>(p.kv_heads) * D;
  const T* k_base = static_cast<const T*>(p.k_cache) + kv_head * D;
  const T* v_base = static_cast<const T*>(p.v_cache) + kv_head * D + lane * kDpl;

  for (int t0 = begin + warp * 32; t0 < end; t0 += kWarps * 32) {
    const int kp = t0 + lane;
    const bool valid = kp < end;
    int slot = 0;
    float sc[GT];
#pragma unroll
    for (int g = 0; g < GT; ++g) sc[g] = 0.0f;
    if (valid) {
      slot = (table[kp >> p.block_shift] << p.block_shift) | (kp & block_mask);
      const T* krow = k_base + slot * slot_stride;
#pragma unroll
      for (int c = 0; c < D; c += kVec) {
        float kf[kVec];
        load_float<T, kVec>(krow + c, kf);
#pragma unroll
        for (int g = 0; g < GT; ++g) {
#pragma unroll
          for (int e = 0; e < kVec; ++e) sc[g] += q_s[g][c + e] * kf[e];
        }
      }
    }
    float pr[GT];
#pragma unroll
    for (int g = 0; g < GT; ++g) {
      const float s = valid ? sc[g] : -INFINITY;
      const float m_new = fmaxf(m[g], warp_max(s));  // finite: lane 0's key is valid
      const float corr = exp2f(m[g] - m_new);
      pr[g] = exp2f(s - m_new);
      l[g] = l[g] * corr + pr[g];  // per-lane partial sums; reduced over the warp at the end
#pragma unroll
      for (int e = 0; e < kDpl; ++e) acc[g][e] *= corr;
      m[g] = m_new;
    }
    // The weighted sum of V, kVRows rows at a time: every row's load is issued before the first is used, so a
    // warp keeps kVRows rows in flight instead of waiting out each load's latency in turn (the decode step is
    // bound by how many bytes are in flight). A key past the range has pr = 0 and a zero row.
    const int n_keys = min(32, end - t0);
    for (int j0 = 0; j0 < n_keys; j0 += kVRows) {
      float v[kVRows][kDpl];
#pragma unroll
      for (int u = 0; u < kVRows; ++u) {
        const int slot_j = __shfl_sync(kFull, slot, j0 + u);
        if (pv_lane && j0 + u < n_keys) {
          load_float<T, kDpl>(v_base + slot_j * slot_stride, v[u]);
        } else {
#pragma unroll
          for (int e = 0; e < kDpl; ++e) v[u][e] = 0.0f;
        }
      }
#pragma unroll
      for (int u = 0; u < kVRows; ++u) {
#pragma unroll
        for (int g = 0; g < GT; ++g) {
          const float pj = __shfl_sync(kFull, pr[g], j0 + u);
#pragma unroll
          for (int e = 0; e < kDpl; ++e) acc[g][e] += pj * v[u][e];
        }
      }
    }
  }

#pragma unroll
  for (int g = 0; g < GT; ++g) {
    const float l_sum = warp_sum(l[g]);
    if (lane == 0) {
      red_m[warp][g] = m[g];
      red_l[warp][g] = l_sum;
    }
    if (pv_lane) {
#pragma unroll
      for (int e = 0; e < kDpl; ++e) red_acc[warp][g][lane * kDpl + e] = acc[g][e];
    }
  }
  __syncthreads();

  for (int i = threadIdx.x; i < GT * D; i += blockDim.x) {
    const int g = i / D;
    const int d = i % D;
    if (g0 + g >= p.group) continue;
    float m_max = -INFINITY;
#pragma unroll
    for (int w = 0; w < kWarps; ++w) m_max = fmaxf(m_max, red_m[w][g]);
    float l_sum = 0.0f, o = 0.0f;
    if (m_max != -INFINITY) {
#pragma unroll
      for (int w = 0; w < kWarps; ++w) {
        const float f = exp2f(red_m[w][g] - m_max);  // 0 for a warp that saw no key
        l_sum += red_l[w][g] * f;
        o += red_acc[w][g][d] * f;
      }
    }
    const float normalized = l_sum > 0.0f ? o / l_sum : 0.0f;
    const int head = kv_head * p.group + g0 + g;
    if (p.num_splits == 1) {
      static_cast<T*>(p.out)[(static_cast<int64_t>(q_begin) * p.q_heads + head) * D + d] = from_float<T>(normalized);
    } else {
      const int64_t row = (static_cast<int64_t>(seq) * p.num_splits + split) * p.q_heads + head;
      p.part_out[row * D + d] = normalized;
      if (d == 0) {
        p.part_ml[row * 2] = m_max;
        p.part_ml[row * 2 + 1] = l_sum;
      }
    }
  }
}

template <typename T, int D>
void launch_d(const AttentionParams& p, cudaStream_t stream) {
  const int gt = decode_group_tile(p.group);
  const int chunks = (p.group + gt - 1) / gt;
  const dim3 grid(static_cast<unsigned>(p.num_seqs), static_cast<unsigned>(p.kv_heads * chunks),
                  static_cast<unsigned>(p.num_splits));
  switch (gt) {
    case 1:
      paged_decode_kernel<T, D, 1><<<grid, kWarps * 32, 0, stream>>>(p);
      break;
    case 2:
      paged_decode_kernel<T, D, 2><<<grid, kWarps * 32, 0, stream>>>(p);
      break;
    case 4:
      paged_decode_kernel<T, D, 4><<<grid, kWarps * 32, 0, stream>>>(p);
      break;
    default:
      paged_decode_kernel<T, D, 8><<<grid, kWarps * 32, 0, stream>>>(p);
      break;
  }
  LLMC_CUDA_CHECK_LAUNCH("paged_attention decode");
}

}  // namespace

void launch_paged_decode(DType type, int head_dim, const AttentionParams& p, cudaStream_t stream) {
  dispatch_type(type, [&](auto tag) {
    using T = typename decltype(tag)::type;
    switch (head_dim) {
      case 16:
        return launch_d<T, 16>(p, stream);
      case 32:
        return launch_d<T, 32>(p, stream);
      case 64:
        return launch_d<T, 64>(p, stream);
      case 128:
        return launch_d<T, 128>(p, stream);
      case 256:
        return launch_d<T, 256>(p, stream);
      default:
        LLMC_FAIL() << "paged_attention: head_dim " << head_dim << " is not one of 16, 32, 64, 128, 256";
    }
  });
}

}  // namespace llmc::kernels::cuda::detail
