// Timings of the kernels that dominate a step, for a person reading numbers on a GPU machine; disabled by
// default (they check nothing): cuda_kernels_test --gtest_also_run_disabled_tests --gtest_filter='*Perf*'.
#include <algorithm>
#include <cstdio>
#include <random>

#include "kernels/cuda/gemm.cuh"
#include "kernels/cuda/paged_attention.cuh"
#include "tests/gpu/cuda_test_util.h"

namespace llmc::cuda_test {
namespace {

namespace kc = kernels::cuda;

// Mean milliseconds of f() over `iters` launches on `stream`, after a warm-up launch.
template <typename F>
double time_ms(cudaStream_t stream, int iters, F&& f) {
  f();
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "cudaEventCreate");
  check_cuda(cudaEventCreate(&stop), "cudaEventCreate");
  check_cuda(cudaEventRecord(start, stream), "cudaEventRecord");
  for (int i = 0; i < iters; ++i) f();
  check_cuda(cudaEventRecord(stop, stream), "cudaEventRecord");
  check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
  float ms = 0;
  check_cuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  return ms / iters;
}

using CudaKernelsPerfTest = CudaTest;

// Uniform batches (num_seqs sequences of q_len query tokens and ctx context each), bf16, 32/8 heads, D 128.
void attention_perf(cudaStream_t stream, int num_seqs, int q_len, int ctx, int head_dim) {
  const int q_heads = 32, kv_heads = 8, bs = 16;
  const int blocks_per_seq = (ctx + bs - 1) / bs;
  const int64_t num_blocks = int64_t{num_seqs} * blocks_per_seq;
  const int64_t tokens = int64_t{num_seqs} * q_len;
  std::vector<int32_t> query_start(num_seqs + 1), ctx_lens(num_seqs, ctx), tables(num_blocks);
  for (int s = 0; s <= num_seqs; ++s) query_start[s] = s * q_len;
  std::vector<int32_t> perm(num_blocks);
  for (int64_t i = 0; i < num_blocks; ++i) perm[i] = static_cast<int32_t>(i);
  std::shuffle(perm.begin(), perm.end(), std::mt19937(1));
  tables = perm;
  const size_t cache_bytes = num_blocks * bs * kv_heads * head_dim * 2;
  DeviceBuffer d_k(cache_bytes), d_v(cache_bytes), d_q(tokens * q_heads * head_dim * 2),
      d_out(tokens * q_heads * head_dim * 2), d_qs(query_start), d_ctx(ctx_lens), d_tables(tables);
  check_cuda(cudaMemset(d_k.get(), 0x3c, cache_bytes), "memset");  // small finite bf16 values
  check_cuda(cudaMemset(d_v.get(), 0x3c, cache_bytes), "memset");
  check_cuda(cudaMemset(d_q.get(), 0x3c, d_q.bytes()), "memset");
  const kc::PagedAttentionShape shape{q_heads, kv_heads, head_dim, bs, DType::kBF16};
  int sms = 0;
  check_cuda(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0), "sm count");
  const kc::PagedAttentionPlan plan = kc::plan_paged_attention(shape, tokens, num_seqs, q_len, ctx, sms);
  DeviceBuffer d_ws(kc::paged_attention_workspace_bytes(shape, tokens));
  kc::PagedAttentionArgs args;
  args.q = d_q.get();
  args.k_cache = d_k.get();
  args.v_cache = d_v.get();
  args.query_start = d_qs.as<int32_t>();
  args.context_lens = d_ctx.as<int32_t>();
  args.block_tables = d_tables.as<int32_t>();
  args.max_blocks_per_seq = blocks_per_seq;
  args.scale = 0.088f;
  args.out = d_out.get();
  args.workspace = d_ws.get();
  const double ms = time_ms(stream, 20, [&] { kc::paged_attention(shape, plan, args, stream); });
  const double causal_pairs = q_len == 1 ? double(ctx) : double(q_len) * (2.0 * ctx - q_len + 1) / 2;
  const double flops = 4.0 * num_seqs * q_heads * head_dim * causal_pairs;
  std::printf("attention seqs=%d q_len=%d ctx=%d D=%d splits=%d: %.3f ms, KV read %.0f GB/s, %.1f TFLOP/s\n",
              num_seqs, q_len, ctx, head_dim, plan.num_splits, ms, 2.0 * cache_bytes / ms / 1e6, flops / ms / 1e9);
}

TEST_F(CudaKernelsPerfTest, DISABLED_PagedAttention) {
  attention_perf(stream_, 64, 1, 1024, 128);
  attention_perf(stream_, 256, 1, 2048, 128);
  attention_perf(stream_, 1, 1, 32768, 128);
  attention_perf(stream_, 4, 1, 20000, 128);
  attention_perf(stream_, 1, 4096, 4096, 128);
  attention_perf(stream_, 4, 1024, 3072, 128);
  attention_perf(stream_, 1, 2048, 2048, 64);
}

TEST_F(CudaKernelsPerfTest, DISABLED_Gemm) {
  auto gemm = kc::Gemm::create();
  for (int64_t rows : {1, 64, 256, 2048}) {
    const int64_t in = 4096, out = 6144;
    DeviceBuffer x(rows * in * 2), w(out * in * 2), y(rows * out * 2);
    check_cuda(cudaMemset(x.get(), 0x3c, x.bytes()), "memset");
    check_cuda(cudaMemset(w.get(), 0x3c, w.bytes()), "memset");
    const double ms = time_ms(stream_, 20, [&] {
      gemm->linear(x.get(), w.get(), nullptr, y.get(), rows, in, out, DType::kBF16, DType::kBF16, stream_);
    });
    std::printf("gemm bf16 %ldx%ld->%ld: %.3f ms, %.1f TFLOP/s, weights %.0f GB/s\n", static_cast<long>(rows),
                static_cast<long>(in), static_cast<long>(out), ms, 2.0 * rows * in * out / ms / 1e9,
                2.0 * in * out / ms / 1e6);
  }
}

}  // namespace
}  // namespace llmc::cuda_test
