// Paged attention (kernels/cuda/paged_attention) against a double-precision host reference and, in float32,
// the CPU kernel: decodes (split-KV and not), fresh and chunked prefills, mixed batches, GQA/MQA ratios, every
// head dim, several block sizes and sliding windows. Block tables are random permutations (scattered blocks);
// cache slots no sequence may read (unused blocks, the tail of each last block, table padding) hold NaN, so a
// read past a context shows as a NaN output; outputs are poisoned with NaN before each run.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/check.h"
#include "kernels/cpu/paged_attention.h"
#include "kernels/cuda/paged_attention.cuh"
#include "tests/gpu/cuda_test_util.h"

namespace llmc::cuda_test {
namespace {

namespace kc = kernels::cuda;

struct Seq {
  int q_len;
  int ctx;
};

struct Case {
  std::vector<Seq> seqs;
  int q_heads = 8;
  int kv_heads = 2;
  int head_dim = 64;
  int block_size = 16;
  int window = 0;
  int splits = 0;  // 0: the plan's choice; otherwise forced
  DType type = DType::kBF16;
  std::string label() const {
    std::string s = std::string(name(type)) + " D=" + std::to_string(head_dim) + " heads=" + std::to_string(q_heads) +
                    "/" + std::to_string(kv_heads) + " bs=" + std::to_string(block_size) +
                    " window=" + std::to_string(window) + " splits=" + std::to_string(splits) + " seqs=";
    for (const Seq& q : seqs) s += "(" + std::to_string(q.q_len) + "/" + std::to_string(q.ctx) + ")";
    return s;
  }
};

class CudaPagedAttentionTest : public CudaTest {
 protected:
  void run_case(const Case& c) {
    SCOPED_TRACE(c.label());
    std::mt19937 rng(static_cast<uint32_t>(c.seqs.size() * 7919 + c.head_dim * 31 + c.q_heads + c.block_size));
    const int64_t num_seqs = static_cast<int64_t>(c.seqs.size());
    const int64_t d = c.head_dim, bs = c.block_size;
    std::vector<int32_t> query_start{0}, ctx_lens;
    int64_t max_q = 0, max_ctx = 0, max_blocks = 1, used_blocks = 0;
    for (const Seq& s : c.seqs) {
      query_start.push_back(query_start.back() + s.q_len);
      ctx_lens.push_back(s.ctx);
      max_q = std::max<int64_t>(max_q, s.q_len);
      max_ctx = std::max<int64_t>(max_ctx, s.ctx);
      max_blocks = std::max<int64_t>(max_blocks, (s.ctx + bs - 1) / bs);
      used_blocks += (s.ctx + bs - 1) / bs;
    }
    const int64_t tokens = query_start.back();
    const int64_t num_blocks = used_blocks + 5;  // a few blocks nobody owns
    const int64_t table_width = max_blocks + 2;  // padding entries past every context
    // Scattered tables: block ids from a random permutation; padding points at an unowned (NaN) block.
    std::vector<int32_t> perm(num_blocks);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    const int32_t nan_block = perm[num_blocks - 1];
    std::vector<int32_t> tables(num_seqs * table_width, nan_block);
    int64_t next = 0;
    const int64_t row = c.kv_heads * d;  // elements per cache slot
    HostArray k_cache = random_array(c.type, num_blocks * bs * row, rng);
    HostArray v_cache = random_array(c.type, num_blocks * bs * row, rng);
    std::vector<bool> readable(num_blocks * bs, false);
    for (int64_t s = 0; s < num_seqs; ++s) {
      for (int64_t b = 0; b < (c.seqs[s].ctx + bs - 1) / bs; ++b) tables[s * table_width + b] = perm[next++];
      for (int64_t p = 0; p < c.seqs[s].ctx; ++p) readable[tables[s * table_width + p / bs] * bs + p % bs] = true;
    }
    for (int64_t slot = 0; slot < num_blocks * bs; ++slot) {
      if (readable[slot]) continue;
      for (int64_t i = 0; i < row; ++i) {
        k_cache.set(slot * row + i, NAN);
        v_cache.set(slot * row + i, NAN);
      }
    }
    // Queries a little larger than keys, so the softmax is not flat.
    const HostArray q = random_array(c.type, tokens * c.q_heads * d, rng, -2.0, 2.0);
    const float scale = 1.0f / std::sqrt(static_cast<float>(d));

    const kc::PagedAttentionShape shape{c.q_heads, c.kv_heads, d, bs, c.type};
    kc::PagedAttentionPlan plan = kc::plan_paged_attention(shape, tokens, num_seqs, max_q, max_ctx, 132);
    if (c.splits > 0) plan.num_splits = c.splits;
    const size_t ws_bytes = kc::paged_attention_workspace_bytes(shape, tokens);
    DeviceBuffer d_q(q), d_k(k_cache), d_v(v_cache), d_qs(query_start), d_ctx(ctx_lens), d_tables(tables);
    DeviceBuffer d_ws(ws_bytes), d_out(q.bytes());
    d_ws.poison();
    d_out.poison();
    kc::PagedAttentionArgs args;
    args.q = d_q.get();
    args.k_cache = d_k.get();
    args.v_cache = d_v.get();
    args.query_start = d_qs.as<int32_t>();
    args.context_lens = d_ctx.as<int32_t>();
    args.block_tables = d_tables.as<int32_t>();
    args.max_blocks_per_seq = table_width;
    args.scale = scale;
    args.sliding_window = c.window;
    args.out = d_out.get();
    args.workspace = ws_bytes > 0 ? d_ws.get() : nullptr;
    kc::paged_attention(shape, plan, args, stream_);
    sync();
    const std::vector<double> out = d_out.download(c.type, tokens * c.q_heads * d).values();
    EXPECT_EQ(count_non_finite(out), 0);

    const std::vector<double> ref = reference(c, q, k_cache, v_cache, query_start, tables, table_width, scale);
    // float32: summation-order noise over up to tens of thousands of keys; bf16/f16: the output's rounding.
    const double tol = c.type == DType::kF32 ? 2e-5 : tolerance(c.type);
    EXPECT_LE(rel_error(out, ref), tol);

    if (c.type == DType::kF32) {
      std::vector<float> cpu_out(tokens * c.q_heads * d);
      const std::vector<float> qf = q.floats(), kf = k_cache.floats(), vf = v_cache.floats();
      kernels::cpu::PagedAttentionArgs a;
      a.q = qf.data();
      a.k_cache = kf.data();
      a.v_cache = vf.data();
      a.query_start = query_start.data();
      a.context_lens = ctx_lens.data();
      a.block_tables = tables.data();
      a.num_seqs = num_seqs;
      a.max_blocks_per_seq = table_width;
      a.q_heads = c.q_heads;
      a.kv_heads = c.kv_heads;
      a.head_dim = d;
      a.block_size = bs;
      a.scale = scale;
      a.sliding_window = c.window;
      a.out = cpu_out.data();
      kernels::cpu::paged_attention(a);
      EXPECT_LE(rel_error(out, std::vector<double>(cpu_out.begin(), cpu_out.end())), tol);
    }
  }

  static std::vector<double> reference(const Case& c, const HostArray& q, const HostArray& k_cache,
                                       const HostArray& v_cache, const std::vector<int32_t>& query_start,
                                       const std::vector<int32_t>& tables, int64_t table_width, float scale) {
    const int64_t d = c.head_dim, bs = c.block_size, group = c.q_heads / c.kv_heads;
    const std::vector<double> kv = k_cache.values(), vv = v_cache.values();
    std::vector<double> out(q.size(), 0.0);
    std::vector<double> scores, qv(d);
    for (size_t s = 0; s < c.seqs.size(); ++s) {
      const Seq& seq = c.seqs[s];
      for (int64_t i = 0; i < seq.q_len; ++i) {
        const int64_t token = query_start[s] + i;
        const int64_t pos = seq.ctx - seq.q_len + i;
        const int64_t first = c.window > 0 ? std::max<int64_t>(0, pos - c.window + 1) : 0;
        for (int64_t h = 0; h < c.q_heads; ++h) {
          const int64_t kvh = h / group;
          for (int64_t e = 0; e < d; ++e) qv[e] = q.get((token * c.q_heads + h) * d + e);
          scores.assign(pos + 1 - first, 0.0);
          double mx = -INFINITY;
          for (int64_t p = first; p <= pos; ++p) {
            const int64_t slot = static_cast<int64_t>(tables[s * table_width + p / bs]) * bs + p % bs;
            const int64_t base = (slot * c.kv_heads + kvh) * d;
            double dot = 0.0;
            for (int64_t e = 0; e < d; ++e) dot += qv[e] * kv[base + e];
            scores[p - first] = dot * scale;
            mx = std::max(mx, scores[p - first]);
          }
          double sum = 0.0;
          for (double& x : scores) sum += (x = std::exp(x - mx));
          double* o = out.data() + (token * c.q_heads + h) * d;
          for (int64_t p = first; p <= pos; ++p) {
            const int64_t slot = static_cast<int64_t>(tables[s * table_width + p / bs]) * bs + p % bs;
            const int64_t base = (slot * c.kv_heads + kvh) * d;
            const double w = scores[p - first] / sum;
            for (int64_t e = 0; e < d; ++e) o[e] += w * vv[base + e];
          }
          for (int64_t e = 0; e < d; ++e) o[e] = round_to(c.type, o[e]);
        }
      }
    }
    return out;
  }
};

struct Heads {
  int q, kv;
};
const std::vector<Heads> kHeads{{4, 4}, {8, 2}, {16, 2}, {7, 1}};  // GQA 1, 4, 8 and a 7-wide MQA group

TEST_F(CudaPagedAttentionTest, DecodeSweep) {
  const std::vector<Seq> seqs{{1, 1}, {1, 15}, {1, 16}, {1, 17}, {1, 33}, {1, 100}, {1, 511}, {1, 3000}};
  for (DType type : all_types()) {
    for (int d : {16, 32, 64, 128, 256}) {
      for (Heads h : kHeads) {
        for (int bs : {16, 32}) {
          for (int splits : {1, 3, 16}) {
            Case c{seqs, h.q, h.kv, d, bs, 0, splits, type};
            run_case(c);
          }
        }
      }
    }
  }
}

TEST_F(CudaPagedAttentionTest, LongDecodePlannedSplits) {
  for (DType type : {DType::kBF16, DType::kF32}) {
    for (int splits : {0, 1}) {
      run_case(Case{{{1, 20000}}, 32, 8, 128, 16, 0, splits, type});
      run_case(Case{{{1, 20000}, {1, 3000}}, 8, 1, 64, 32, 0, splits, type});
      run_case(Case{{{1, 32768}}, 8, 8, 128, 32, 0, splits, type});
    }
  }
}

TEST(CudaPagedAttentionPlan, SplitsOnlyFewLongDecodes) {  // host only: runs without a GPU
  const kc::PagedAttentionShape shape{32, 8, 128, 16, DType::kBF16};
  EXPECT_GT(kc::plan_paged_attention(shape, 1, 1, 1, 20000, 132).num_splits, 1);
  EXPECT_EQ(kc::plan_paged_attention(shape, 1, 1, 1, 100, 132).num_splits, 1);
  EXPECT_EQ(kc::plan_paged_attention(shape, 256, 256, 1, 20000, 132).num_splits, 1);
  EXPECT_EQ(kc::plan_paged_attention(shape, 1000, 1, 1000, 20000, 132).num_splits, 1);
  EXPECT_TRUE(kc::plan_paged_attention(shape, 4, 4, 1, 20000, 132).decode_only);
  EXPECT_FALSE(kc::plan_paged_attention(shape, 5, 4, 2, 20000, 132).decode_only);
}

TEST_F(CudaPagedAttentionTest, FreshPrefill) {
  for (DType type : all_types()) {
    for (int q_len : {2, 3, 17, 99, 1000}) {
      for (Heads h : std::vector<Heads>{{4, 4}, {8, 2}, {16, 2}}) {
        for (int bs : {16, 32}) {
          if (q_len == 1000 && (type != DType::kBF16 || bs != 16)) continue;  // the slow reference, once per GQA ratio
          run_case(Case{{{q_len, q_len}}, h.q, h.kv, 128, bs, 0, 0, type});
        }
      }
    }
  }
}

TEST_F(CudaPagedAttentionTest, PrefillHeadDims) {
  for (DType type : all_types()) {
    for (int d : {16, 32, 64, 128, 256}) {
      for (Heads h : kHeads) {
        run_case(Case{{{17, 17}, {33, 70}, {5, 5}}, h.q, h.kv, d, 16, 0, 0, type});
      }
    }
  }
}

TEST_F(CudaPagedAttentionTest, ChunkedPrefill) {
  for (DType type : all_types()) {
    for (int bs : {8, 16, 32, 256}) {
      run_case(Case{{{17, 100}, {99, 1000}, {3, 3000}, {64, 65}, {2, 2}}, 8, 2, 64, bs, 0, 0, type});
    }
  }
}

TEST_F(CudaPagedAttentionTest, MixedPrefillAndDecode) {
  const std::vector<Seq> seqs{{99, 99}, {1, 3000}, {17, 530}, {1, 1}, {1, 33}, {2, 2}, {1, 4097}, {40, 40}};
  for (DType type : all_types()) {
    for (Heads h : kHeads) {
      for (int d : {64, 128}) {
        for (int splits : {0, 4}) run_case(Case{seqs, h.q, h.kv, d, 16, 0, splits, type});
      }
    }
  }
}

TEST_F(CudaPagedAttentionTest, SlidingWindow) {
  const std::vector<Seq> seqs{{1, 3000}, {64, 3000}, {99, 99}, {1, 5}, {17, 600}};
  for (DType type : all_types()) {
    for (int window : {1, 8, 100, 1000, 4096}) {
      for (int splits : {0, 3}) run_case(Case{seqs, 8, 2, 64, 16, window, splits, type});
      run_case(Case{{{1, 3000}}, 8, 1, 128, 32, window, 0, type});
    }
  }
}

TEST_F(CudaPagedAttentionTest, ManyDecodes) {
  std::vector<Seq> seqs;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> len(1, 2000);
  for (int i = 0; i < 300; ++i) seqs.push_back({1, len(rng)});
  run_case(Case{seqs, 32, 8, 128, 16, 0, 0, DType::kBF16});
}

// Argument checks fire before any CUDA call, so these run (and must pass) without a GPU too.
TEST(CudaPagedAttentionChecks, RejectsUnsupportedShapesAndMissingWorkspace) {
  kc::PagedAttentionPlan plan;
  plan.num_tokens = 1;
  plan.num_seqs = 1;
  plan.max_query_len = 1;
  plan.decode_only = true;
  const kc::PagedAttentionArgs args;
  EXPECT_THROW(kc::paged_attention({8, 3, 64, 16, DType::kBF16}, plan, args, nullptr), Error);   // 8 % 3
  EXPECT_THROW(kc::paged_attention({8, 2, 48, 16, DType::kBF16}, plan, args, nullptr), Error);   // head_dim
  EXPECT_THROW(kc::paged_attention({8, 2, 64, 24, DType::kBF16}, plan, args, nullptr), Error);   // block size
  plan.num_splits = 4;
  EXPECT_THROW(kc::paged_attention({8, 2, 64, 16, DType::kBF16}, plan, args, nullptr), Error);   // no workspace
  plan.num_splits = 1;
  EXPECT_NO_THROW(kc::paged_attention({8, 2, 64, 16, DType::kBF16}, kc::PagedAttentionPlan{}, args, nullptr));
}

}  // namespace
}  // namespace llmc::cuda_test
