// Paged attention's host side: plan (split-KV choice), workspace size, argument checks and the launches of
// the decode pass, the prefill pass and the split-KV merge. The kernels live in paged_attention_decode.cu and
// paged_attention_prefill.cu.
#include "kernels/cuda/paged_attention.cuh"

#include <algorithm>
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_utils.cuh"
#include "kernels/cuda/paged_attention_impl.cuh"

namespace llmc::kernels::cuda {
namespace {

using detail::AttentionParams;

// Split-KV bounds. A split should hold enough keys that its fixed cost (loading the queries, the merge of
// partials) stays small next to streaming its K/V; at small batches parallelism matters more (256 left a
// batch-1 decode of a 1,024-token context on an H100 with 32 CTAs for 132 SMs: 21% of the step.)
constexpr int kMaxSplits = 64;
constexpr int kMinKeysPerSplit = 64;
// (sequence, split) pairs the workspace holds: splitting only pays when sequences are few, so this caps the
// workspace at kMaxPartialRows * q_heads * (head_dim + 2) floats whatever max_tokens is.
constexpr int64_t kMaxPartialRows = 1024;
// Decode CTAs are small (4 warps); below about this many per SM the GPU's bandwidth is not saturated.
constexpr int64_t kDecodeCtasPerSm = 4;

bool supported_head_dim(int64_t d) { return d == 16 || d == 32 || d == 64 || d == 128 || d == 256; }

// Combines each decode row's split partials: out = sum_s w_s o_s / sum_s w_s, w_s = l_s * 2^(m_s - max m).
template <typename T>
__global__ void merge_splits_kernel(AttentionParams p, int head_dim) {
  const int seq = blockIdx.x;
  const int head = blockIdx.y;
  const int q_begin = p.query_start[seq];
  if (p.query_start[seq + 1] - q_begin != 1) return;
  const int64_t first_row = static_cast<int64_t>(seq) * p.num_splits * p.q_heads + head;
  float m_max = -INFINITY;
  for (int s = 0; s < p.num_splits; ++s) m_max = fmaxf(m_max, p.part_ml[(first_row + s * p.q_heads) * 2]);
  T* out = static_cast<T*>(p.out) + (static_cast<int64_t>(q_begin) * p.q_heads + head) * head_dim;
  for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
    float o = 0.0f, l_sum = 0.0f;
    for (int s = 0; s < p.num_splits; ++s) {
      const int64_t row = first_row + s * p.q_heads;
      const float m = p.part_ml[row * 2];
      if (m == -INFINITY) continue;  // an empty split
      const float w = p.part_ml[row * 2 + 1] * exp2f(m - m_max);
      l_sum += w;
      o += w * p.part_out[row * head_dim + d];
    }
    out[d] = detail::from_float<T>(l_sum > 0.0f ? o / l_sum : 0.0f);
  }
}

}  // namespace

size_t paged_attention_workspace_bytes(const PagedAttentionShape& shape, int64_t max_tokens) {
  const int64_t rows = std::min<int64_t>(std::max<int64_t>(max_tokens, 0) * kMaxSplits, kMaxPartialRows);
  return static_cast<size_t>(rows * shape.q_heads * (shape.head_dim + 2)) * sizeof(float);
}

PagedAttentionPlan plan_paged_attention(const PagedAttentionShape& shape, int64_t num_tokens, int64_t num_seqs,
                                        int64_t max_query_len, int64_t max_context_len, int num_sms) {
  PagedAttentionPlan plan;
  plan.num_tokens = num_tokens;
  plan.num_seqs = num_seqs;
  plan.max_query_len = max_query_len;
  plan.max_context_len = max_context_len;
  plan.decode_only = max_query_len <= 1;
  plan.num_splits = 1;
  if (!plan.decode_only || num_seqs <= 0 || shape.kv_heads <= 0 || num_sms <= 0) return plan;
  const int group = static_cast<int>(shape.q_heads / shape.kv_heads);
  const int64_t group_tiles = detail::ceil_div(group, detail::decode_group_tile(group));
  const int64_t ctas = num_seqs * shape.kv_heads * group_tiles;
  const int64_t target = kDecodeCtasPerSm * num_sms;
  if (ctas >= target) return plan;
  const int64_t splits = std::min({detail::ceil_div(target, ctas), max_context_len / kMinKeysPerSplit,
                                   int64_t{kMaxSplits}, kMaxPartialRows / num_seqs});
  plan.num_splits = static_cast<int>(std::max<int64_t>(splits, 1));
  return plan;
}

void paged_attention(const PagedAttentionShape& shape, const PagedAttentionPlan& plan, const PagedAttentionArgs& args,
                     cudaStream_t stream) {
  LLMC_CHECK(supported_head_dim(shape.head_dim))
      << "paged_attention: head_dim " << shape.head_dim << " is not one of 16, 32, 64, 128, 256";
  LLMC_CHECK(shape.kv_heads > 0 && shape.q_heads > 0 && shape.q_heads % shape.kv_heads == 0)
      << "paged_attention: q_heads " << shape.q_heads << " must be a positive multiple of kv_heads "
      << shape.kv_heads;
  LLMC_CHECK(shape.block_size > 0 && shape.block_size <= 4096 && (shape.block_size & (shape.block_size - 1)) == 0)
      << "paged_attention: block_size must be a power of two, got " << shape.block_size;
  LLMC_CHECK(plan.num_splits == 1 ||
             (plan.num_splits > 1 && plan.num_splits <= kMaxSplits && plan.num_seqs * plan.num_splits <= kMaxPartialRows))
      << "paged_attention: plan has " << plan.num_splits << " splits for " << plan.num_seqs << " sequences";
  LLMC_CHECK(plan.num_splits == 1 || args.workspace != nullptr)
      << "paged_attention: the plan splits the KV range but no workspace was given";
  LLMC_CHECK(args.sliding_window >= 0 && args.sliding_window < (int64_t{1} << 31))
      << "paged_attention: bad sliding_window " << args.sliding_window;
  for (const void* ptr : {args.q, args.k_cache, args.v_cache, static_cast<const void*>(args.out)}) {
    LLMC_CHECK(detail::aligned_to(ptr, 16)) << "paged_attention: q, caches and out must be 16-byte aligned";
  }
  if (plan.num_seqs == 0 || plan.num_tokens == 0) return;

  AttentionParams p{};
  p.q = args.q;
  p.k_cache = args.k_cache;
  p.v_cache = args.v_cache;
  p.query_start = args.query_start;
  p.context_lens = args.context_lens;
  p.block_tables = args.block_tables;
  p.max_blocks_per_seq = args.max_blocks_per_seq;
  p.num_seqs = static_cast<int>(plan.num_seqs);
  p.q_heads = static_cast<int>(shape.q_heads);
  p.kv_heads = static_cast<int>(shape.kv_heads);
  p.group = static_cast<int>(shape.q_heads / shape.kv_heads);
  p.block_shift = 0;
  while ((int64_t{1} << p.block_shift) < shape.block_size) ++p.block_shift;
  p.sliding_window = static_cast<int>(args.sliding_window);
  p.scale_log2 = args.scale * 1.4426950408889634f;  // log2(e)
  p.out = args.out;
  p.num_splits = plan.num_splits;
  if (plan.num_splits > 1) {
    p.part_out = static_cast<float*>(args.workspace);
    p.part_ml = p.part_out + plan.num_seqs * plan.num_splits * shape.q_heads * shape.head_dim;
  }
  const int head_dim = static_cast<int>(shape.head_dim);

  detail::launch_paged_decode(shape.type, head_dim, p, stream);
  if (plan.num_splits > 1) {
    detail::dispatch_type(shape.type, [&](auto tag) {
      using T = typename decltype(tag)::type;
      const dim3 grid(static_cast<unsigned>(plan.num_seqs), static_cast<unsigned>(shape.q_heads));
      merge_splits_kernel<T><<<grid, head_dim >= 128 ? 128 : 64, 0, stream>>>(p, head_dim);
      LLMC_CUDA_CHECK_LAUNCH("paged_attention merge");
    });
  }
  if (!plan.decode_only) detail::launch_paged_prefill(shape.type, head_dim, plan.num_tokens, p, stream);
}

}  // namespace llmc::kernels::cuda
