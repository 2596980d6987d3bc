// Prefill / chunked-prefill attention on tensor cores (WMMA 16x16x16, bf16 or f16 in, float32 accumulate),
// for head_dim 16 to 128; paged_attention_prefill.cu keeps the SIMT kernel for float32 and head_dim 256.
//
// Same CTA layout as the SIMT kernel: 64 query rows (token, group head) of one (sequence, kv head), tiles
// numbered from tile_begin(s) = s + query_start[s] * group / 64. Per 64-key tile, each of the 4 warps owns
// 16 rows: S = Q K^T on tensor cores into shared memory, the online softmax in float32 on S's rows (SIMT,
// exp2 with the scale folded in), P rounded to the input type (as FlashAttention does), then O += P V on
// tensor cores with O kept in shared memory in float32 (rescaled by the softmax correction before each
// product, so accumulator fragments never need a row mapping). Simple rather than fastest: no cp.async
// pipelining, one CTA's tiles strictly in sequence.
#include <mma.h>

#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"
#include "kernels/cuda/paged_attention_impl.cuh"

namespace llmc::kernels::cuda::detail {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kWarps = 4;
constexpr int kRows = 64;  // query rows per CTA: 16 per warp
constexpr int kKeys = 64;  // keys per tile

template <typename T, int D>
struct MmaTile {
  // Row strides padded by 16 bytes (8 half-words / 4 floats) against bank conflicts; WMMA needs ld to be a
  // multiple of 8 half-words or 4 floats and each 16-row tile to start 32-byte aligned, which these keep.
  static constexpr int kLdQ = D + 8;      // Q, K, V tiles in T
  static constexpr int kLdS = kKeys + 4;  // scores, float
  static constexpr int kLdP = kKeys + 8;  // probabilities, T
  static constexpr int kLdO = D + 4;      // output accumulator, float
  static constexpr size_t kQBytes = size_t{kRows} * kLdQ * sizeof(T);
  static constexpr size_t kKVBytes = size_t{kKeys} * kLdQ * sizeof(T);
  static constexpr size_t kSBytes = size_t{kRows} * kLdS * sizeof(float);
  static constexpr size_t kPBytes = size_t{kRows} * kLdP * sizeof(T);
  static constexpr size_t kOBytes = size_t{kRows} * kLdO * sizeof(float);
  static constexpr size_t kSmemBytes = kQBytes + 2 * kKVBytes + kSBytes + kPBytes + kOBytes;
};

// Copies 64 rows of D elements (16-byte vectors) into a padded shared tile; rows with src == nullptr are zero.
template <typename T, int D>
__device__ __forceinline__ void copy_tile_row(T* dst, const T* src, int chunk) {
  constexpr int kVec = kVec16<T>;
  uint4 v = make_uint4(0, 0, 0, 0);
  if (src != nullptr) v = *reinterpret_cast<const uint4*>(src + chunk * kVec);
  *reinterpret_cast<uint4*>(dst + chunk * kVec) = v;
}

template <typename T, int D>
__global__ void __launch_bounds__(kWarps * 32) paged_prefill_mma_kernel(AttentionParams p) {
  using S = MmaTile<T, D>;
  constexpr int kVec = kVec16<T>;
  constexpr int kChunks = D / kVec;  // 16-byte vectors per row
  extern __shared__ __align__(128) unsigned char smem_raw[];
  T* q_s = reinterpret_cast<T*>(smem_raw);                                   // [kRows, kLdQ]
  T* k_s = reinterpret_cast<T*>(smem_raw + S::kQBytes);                      // [kKeys, kLdQ]
  T* v_s = reinterpret_cast<T*>(smem_raw + S::kQBytes + S::kKVBytes);        // [kKeys, kLdQ]
  float* s_s = reinterpret_cast<float*>(smem_raw + S::kQBytes + 2 * S::kKVBytes);  // [kRows, kLdS]
  T* p_s = reinterpret_cast<T*>(smem_raw + S::kQBytes + 2 * S::kKVBytes + S::kSBytes);  // [kRows, kLdP]
  float* o_s = reinterpret_cast<float*>(smem_raw + S::kQBytes + 2 * S::kKVBytes + S::kSBytes + S::kPBytes);

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
  if (q_len <= 1) return;
  const int64_t tile = b - (seq + static_cast<int64_t>(q_begin) * p.group / kRows);
  const int total_rows = q_len * p.group;
  if (tile * kRows >= total_rows) return;
  const int row0 = static_cast<int>(tile) * kRows;
  const int kv_head = blockIdx.y;
  const int ctx = p.context_lens[seq];
  const int pos0 = ctx - q_len;
  const int row_end = min(row0 + kRows, total_rows);
  const int qp_min = pos0 + row0 / p.group;
  const int qp_max = pos0 + (row_end - 1) / p.group;
  const int key_first = p.sliding_window > 0 ? max(0, qp_min - p.sliding_window + 1) : 0;
  const int key_end = qp_max + 1;

  const T* q = static_cast<const T*>(p.q);
  for (int i = threadIdx.x; i < kRows * kChunks; i += blockDim.x) {
    const int r = i / kChunks;
    const int row = row0 + r;
    const T* src = nullptr;
    if (row < total_rows) {
      const int64_t token = q_begin + row / p.group;
      src = q + (token * p.q_heads + kv_head * p.group + row % p.group) * D;
    }
    copy_tile_row<T, D>(q_s + r * S::kLdQ, src, i % kChunks);
  }
  for (int i = threadIdx.x; i < kRows * D; i += blockDim.x) o_s[(i / D) * S::kLdO + i % D] = 0.0f;

  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int wrow0 = warp * 16;  // this warp's first row in the tile
  int qpos[16];
  int warp_qp_max = -1;
  int warp_qp_min = 0x7fffffff;
  float m[16], l[16];
#pragma unroll
  for (int i = 0; i < 16; ++i) {
    const int row = row0 + wrow0 + i;
    qpos[i] = row < total_rows ? pos0 + row / p.group : -1;
    if (qpos[i] >= 0) {
      warp_qp_max = max(warp_qp_max, qpos[i]);
      warp_qp_min = min(warp_qp_min, qpos[i]);
    }
    m[i] = -INFINITY;
    l[i] = 0.0f;
  }

  const int32_t* table = p.block_tables + static_cast<int64_t>(seq) * p.max_blocks_per_seq;
  const int block_mask = (1 << p.block_shift) - 1;
  const int64_t slot_stride = static_cast<int64_t>(p.kv_heads) * D;
  const T* k_base = static_cast<const T*>(p.k_cache) + kv_head * D;
  const T* v_base = static_cast<const T*>(p.v_cache) + kv_head * D;

  for (int t0 = key_first; t0 < key_end; t0 += kKeys) {
    __syncthreads();  // Q and O staged; no warp still reads the previous K/V tile
    for (int i = threadIdx.x; i < kKeys * kChunks; i += blockDim.x) {
      const int j = i / kChunks;
      const int kp = t0 + j;
      const T* k_src = nullptr;
      const T* v_src = nullptr;
      if (kp < key_end) {  // past the last visible key: zeros, so a zero weight never meets a NaN
        const int slot = (table[kp >> p.block_shift] << p.block_shift) | (kp & block_mask);
        k_src = k_base + slot * slot_stride;
        v_src = v_base + slot * slot_stride;
      }
      copy_tile_row<T, D>(k_s + j * S::kLdQ, k_src, i % kChunks);
      copy_tile_row<T, D>(v_s + j * S::kLdQ, v_src, i % kChunks);
    }
    __syncthreads();
    if (warp_qp_max < t0) continue;  // the whole tile is in this warp's future
    if (p.sliding_window > 0 && t0 + kKeys - 1 <= warp_qp_min - p.sliding_window) continue;

    // S [16 rows, 64 keys] = Q K^T for this warp's rows.
    {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[kKeys / 16];
#pragma unroll
      for (int n = 0; n < kKeys / 16; ++n) wmma::fill_fragment(acc[n], 0.0f);
#pragma unroll
      for (int k0 = 0; k0 < D; k0 += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::load_matrix_sync(a, q_s + wrow0 * S::kLdQ + k0, S::kLdQ);
#pragma unroll
        for (int n = 0; n < kKeys / 16; ++n) {
          // K^T as a column-major [D, keys] matrix is K's row-major [keys, D] storage.
          wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> bk;
          wmma::load_matrix_sync(bk, k_s + n * 16 * S::kLdQ + k0, S::kLdQ);
          wmma::mma_sync(acc[n], a, bk, acc[n]);
        }
      }
#pragma unroll
      for (int n = 0; n < kKeys / 16; ++n) {
        wmma::store_matrix_sync(s_s + wrow0 * S::kLdS + n * 16, acc[n], S::kLdS, wmma::mem_row_major);
      }
    }
    __syncwarp();

    // Online softmax over the tile, row by row: lane owns keys lane and lane + 32. Unrolled so the per-row
    // state (qpos, m, l) stays in registers.
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const int qp = qpos[i];
      const int r = wrow0 + i;
      float s2[2];
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int kp = t0 + lane + 32 * h;
        const bool visible = qp >= 0 && kp <= qp && (p.sliding_window == 0 || kp > qp - p.sliding_window);
        s2[h] = visible ? s_s[r * S::kLdS + lane + 32 * h] * p.scale_log2 : -INFINITY;
      }
      const float m_new = fmaxf(m[i], warp_max(fmaxf(s2[0], s2[1])));
      float corr = 1.0f, p0 = 0.0f, p1 = 0.0f;
      if (m_new != -INFINITY) {  // warp-uniform
        corr = exp2f(m[i] - m_new);
        p0 = exp2f(s2[0] - m_new);
        p1 = exp2f(s2[1] - m_new);
        l[i] = l[i] * corr + warp_sum(p0 + p1);
        m[i] = m_new;
      }
      p_s[r * S::kLdP + lane] = from_float<T>(p0);
      p_s[r * S::kLdP + lane + 32] = from_float<T>(p1);
      for (int d = lane; d < D; d += 32) o_s[r * S::kLdO + d] *= corr;
    }
    __syncwarp();

    // O [16 rows, D] += P [16, 64 keys] V [64 keys, D].
#pragma unroll 1
    for (int d0 = 0; d0 < D; d0 += 16) {
      wmma::fragment<wmma::accumulator, 16, 16, 16, float> o;
      wmma::load_matrix_sync(o, o_s + wrow0 * S::kLdO + d0, S::kLdO, wmma::mem_row_major);
#pragma unroll
      for (int j0 = 0; j0 < kKeys; j0 += 16) {
        wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a;
        wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> bv;
        wmma::load_matrix_sync(a, p_s + wrow0 * S::kLdP + j0, S::kLdP);
        wmma::load_matrix_sync(bv, v_s + j0 * S::kLdQ + d0, S::kLdQ);
        wmma::mma_sync(o, a, bv, o);
      }
      wmma::store_matrix_sync(o_s + wrow0 * S::kLdO + d0, o, S::kLdO, wmma::mem_row_major);
    }
    __syncwarp();
  }
  __syncwarp();

  T* out = static_cast<T*>(p.out);
#pragma unroll
  for (int i = 0; i < 16; ++i) {
    if (qpos[i] < 0) continue;
    const int row = row0 + wrow0 + i;
    const int64_t token = q_begin + row / p.group;
    const int head = kv_head * p.group + row % p.group;
    const float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
    for (int d = lane; d < D; d += 32) {
      out[(token * p.q_heads + head) * D + d] = from_float<T>(o_s[(wrow0 + i) * S::kLdO + d] * inv);
    }
  }
}

template <typename T, int D>
void launch_d(int64_t num_tokens, const AttentionParams& p, cudaStream_t stream) {
  using S = MmaTile<T, D>;
  const int64_t tiles = p.num_seqs + num_tokens * p.group / kRows + 1;
  LLMC_CHECK(tiles < (int64_t{1} << 31)) << "paged_attention: " << num_tokens << " tokens exceed the grid limit";
  const auto kernel = paged_prefill_mma_kernel<T, D>;
  LLMC_CUDA_CHECK(
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(S::kSmemBytes)));
  const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(p.kv_heads));
  kernel<<<grid, kWarps * 32, S::kSmemBytes, stream>>>(p);
  LLMC_CUDA_CHECK_LAUNCH("paged_attention prefill (tensor cores)");
}

template <typename T>
bool launch_t(int head_dim, int64_t num_tokens, const AttentionParams& p, cudaStream_t stream) {
  switch (head_dim) {
    case 16:
      launch_d<T, 16>(num_tokens, p, stream);
      return true;
    case 32:
      launch_d<T, 32>(num_tokens, p, stream);
      return true;
    case 64:
      launch_d<T, 64>(num_tokens, p, stream);
      return true;
    case 128:
      launch_d<T, 128>(num_tokens, p, stream);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool launch_paged_prefill_mma(DType type, int head_dim, int64_t num_tokens, const AttentionParams& p,
                              cudaStream_t stream) {
  if (type == DType::kBF16) return launch_t<__nv_bfloat16>(head_dim, num_tokens, p, stream);
  if (type == DType::kF16) return launch_t<__half>(head_dim, num_tokens, p, stream);
  return false;
}

}  // namespace llmc::kernels::cuda::detail
