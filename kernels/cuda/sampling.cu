// Device sampler, one CTA per row; see sampling.cuh for the semantics. The row stays in global memory (L2 holds
// it) and each step is a pass over it:
//   check + max -> [log-sum-exp, top-N select + gather] -> [penalties] -> argmax | draw.
// Draws follow the CPU's three paths (engine/sampler/draw.cpp):
//   - no top_k / top_p: inverse CDF in id order over per-64 block sums computed exactly as the CPU's
//     softmax_weights does (8 float lanes, then double), so the CDF differs from the CPU's only by the order
//     in which those doubles are added;
//   - top_k and/or top_p: the kept set is a prefix in rank order (larger logit first, lower id first) and the
//     draw walks it in that order. Each "first token in rank order whose running count / mass reaches R" is a
//     radix select over the 32-bit order-preserving key of the logit (4 passes of 8 bits, histograms of counts
//     and 2^-44 fixed-point masses, so sums are exact and deterministic), then a scan in id order among equal
//     logits. No sort of the vocabulary.
// All float arithmetic that must match the CPU bit for bit uses __f*_rn intrinsics, which nvcc never fuses.
#include "kernels/cuda/sampling.cuh"

#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <cfloat>
#include <climits>
#include <cstdint>
#include <limits>

#include "kernels/cuda/cuda_check.h"

namespace llmc::kernels::cuda {
namespace {

constexpr int kThreads = 512;
constexpr int kItems = 4;  // consecutive logits per thread per tile (one 16-byte load)
constexpr int kTile = kThreads * kItems;
constexpr int kWeightBlock = 64;  // engine/sampler/row_math.h kWeightBlock
constexpr int kLanes = 8;         // engine/sampler/row_math.cpp kLanes
constexpr int kBlocksPerTile = kTile / kWeightBlock;
constexpr int kBins = 256;
constexpr uint32_t kNoDigit = 0xFFFFFFFFu;
constexpr float kMassScale = 17592186044416.0f;  // 2^44: a weight in [0, 1] as fixed point
constexpr int kMassSplit = 27;                   // masses <= 2^44 reduce over a warp as two 32-bit halves
constexpr uint32_t kInPrompt = 1u << 30;         // penalty table entry: output count | flags
constexpr uint32_t kDone = 1u << 31;
constexpr uint32_t kCountMask = kInPrompt - 1;
constexpr float kMinLogprob = -9999.0f;  // engine/sampler/sampler.h
constexpr float kInf = std::numeric_limits<float>::infinity();

using u64 = unsigned long long;

struct RowCheck {
  float max;
  int bad;     // some NaN or +inf
  int finite;  // some finite value
};
struct ArgMax {
  float value;
  int32_t id;
};
struct CheckOp {
  __device__ RowCheck operator()(const RowCheck& a, const RowCheck& b) const {
    return {a.max > b.max ? a.max : b.max, a.bad | b.bad, a.finite | b.finite};
  }
};
struct ArgMaxOp {  // ties to the lower id, as engine/sampler/top_select.cpp argmax
  __device__ ArgMax operator()(const ArgMax& a, const ArgMax& b) const {
    return (b.value > a.value || (b.value == a.value && b.id < a.id)) ? b : a;
  }
};
struct SumOp {
  template <typename T>
  __device__ T operator()(const T& a, const T& b) const {
    return a + b;
  }
};

struct Smem {
  union {
    cub::BlockReduce<RowCheck, kThreads>::TempStorage check;
    cub::BlockReduce<ArgMax, kThreads>::TempStorage argmax;
    cub::BlockReduce<double, kThreads>::TempStorage f64;
    cub::BlockReduce<u64, kThreads>::TempStorage u64_sum;
    cub::BlockScan<u64, kThreads>::TempStorage u64_scan;
    cub::BlockScan<double, kThreads>::TempStorage f64_scan;
  } cub;
  float tile_w[kTile];                          // one tile's values for the per-64 block sums
  float lane_sum[kBlocksPerTile * kLanes];
  double block_sum[kBlocksPerTile];
  unsigned hist_count[kBins];
  u64 hist_mass[kBins];
  int hist_id[kBins];
  // Broadcast slots.
  RowCheck check;
  ArgMax argmax;
  double f64;
  u64 u64v;
  uint32_t digit;
  u64 before;
  u64 want;
  int found;
  int last;
  u64 found_cum;
  int gather_n;
  float gather_value[kMaxTopLogprobs];
  int gather_id[kMaxTopLogprobs];
};

template <typename T, typename Op, typename Storage>
__device__ T all_reduce(T v, Op op, Storage& tmp, T& slot) {
  const T r = cub::BlockReduce<T, kThreads>(tmp).Reduce(v, op);
  if (threadIdx.x == 0) slot = r;
  __syncthreads();
  const T out = slot;
  __syncthreads();  // the temp storage and slot may be reused at once
  return out;
}

struct Row {
  float* x;  // [n]
  int64_t n;
  bool vec;  // 16-byte aligned rows
  __device__ void load(int64_t i0, float (&v)[kItems], bool (&ok)[kItems]) const {
    if (vec && i0 + kItems <= n) {
      const float4 f = *reinterpret_cast<const float4*>(x + i0);
      v[0] = f.x, v[1] = f.y, v[2] = f.z, v[3] = f.w;
#pragma unroll
      for (int j = 0; j < kItems; ++j) ok[j] = true;
      return;
    }
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      ok[j] = i0 + j < n;
      v[j] = ok[j] ? x[i0 + j] : 0.0f;
    }
  }
};

// f(base, i0, v, ok) for every tile; the loop is uniform over the block, so f may use warp intrinsics.
template <typename F>
__device__ void for_each_tile(const Row& r, F&& f) {
  for (int64_t base = 0; base < r.n; base += kTile) {
    const int64_t i0 = base + static_cast<int64_t>(threadIdx.x) * kItems;
    float v[kItems];
    bool ok[kItems];
    r.load(i0, v, ok);
    f(base, i0, v, ok);
  }
}

// engine/sampler/row_math.cpp exp_nonpositive, operation for operation.
__device__ __forceinline__ float exp_nonpositive(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693145751953125f;
  constexpr float kLn2Lo = 1.42860682030941723e-6f;
  constexpr float kRound = 12582912.0f;
  const float clamped = x > -87.0f ? x : -87.0f;
  const float n = __fsub_rn(__fadd_rn(__fmul_rn(clamped, kLog2e), kRound), kRound);
  float r = __fsub_rn(clamped, __fmul_rn(n, kLn2Hi));
  r = __fsub_rn(r, __fmul_rn(n, kLn2Lo));
  float p = __fadd_rn(1.0f / 720, __fmul_rn(r, 1.0f / 5040));
  p = __fadd_rn(1.0f / 120, __fmul_rn(r, p));
  p = __fadd_rn(1.0f / 24, __fmul_rn(r, p));
  p = __fadd_rn(1.0f / 6, __fmul_rn(r, p));
  p = __fadd_rn(0.5f, __fmul_rn(r, p));
  p = __fadd_rn(1.0f, __fmul_rn(r, p));
  p = __fadd_rn(1.0f, __fmul_rn(r, p));
  const float scale = __int_as_float((static_cast<int>(n) + 127) << 23);
  return x >= -87.0f ? __fmul_rn(p, scale) : 0.0f;
}

// What defines the distribution after temperature and min_p (draw.cpp Shape).
struct Shape {
  float max;
  float temperature;
  float floor;
  __device__ float weight(float logit) const {
    return logit >= floor ? exp_nonpositive(__fdiv_rn(__fsub_rn(logit, max), temperature)) : 0.0f;
  }
  __device__ u64 mass(float logit) const { return __float2ull_rn(__fmul_rn(weight(logit), kMassScale)); }
};

// Order-preserving key: larger logit, larger key; -0 is +0 because the CPU's comparisons treat them as equal.
__device__ __forceinline__ uint32_t rank_key(float v) {
  const uint32_t u = __float_as_uint(v == 0.0f ? 0.0f : v);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

// engine/sampler/counter_rng.h, duplicated because kernels depend on nothing above them (the GPU test checks
// draws against the CPU sampler).
__device__ __forceinline__ u64 mix64(u64 z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
__device__ __forceinline__ double counter_uniform(u64 seed, u64 step) {
  return static_cast<double>(mix64(mix64(seed) + step * 0x9E3779B97F4A7C15ull) >> 11) * 0x1p-53;
}

// Sums of each 64-value block of one tile into sm.block_sum, exactly as row_math.cpp block_sum: lane k adds
// values k, k+8, ... in float, the lanes are added in double, then the tail of a partial block value by value.
__device__ void tile_block_sums(const float (&w)[kItems], int64_t base, int64_t n, Smem& sm) {
#pragma unroll
  for (int j = 0; j < kItems; ++j) sm.tile_w[threadIdx.x * kItems + j] = w[j];
  __syncthreads();
  const int t = threadIdx.x;
  if (t < kBlocksPerTile * kLanes) {
    const int b = t / kLanes;
    const int64_t len = min(static_cast<int64_t>(kWeightBlock), max(int64_t{0}, n - base - b * kWeightBlock));
    float acc = 0.0f;
    for (int m = 0; m < len / kLanes; ++m) acc = __fadd_rn(acc, sm.tile_w[b * kWeightBlock + m * kLanes + t % kLanes]);
    sm.lane_sum[t] = acc;
  }
  __syncthreads();
  if (t < kBlocksPerTile) {
    const int64_t len = min(static_cast<int64_t>(kWeightBlock), max(int64_t{0}, n - base - t * kWeightBlock));
    double s = 0.0;
    for (int k = 0; k < kLanes; ++k) s += sm.lane_sum[t * kLanes + k];
    for (int64_t e = len / kLanes * kLanes; e < len; ++e) s += sm.tile_w[t * kWeightBlock + e];
    sm.block_sum[t] = s;
  }
  __syncthreads();
}

// log(sum(exp(x))) over the row, as row_math.cpp log_sum_exp.
__device__ double log_sum_exp(const Row& r, float max, Smem& sm) {
  double mine = 0.0;
  for_each_tile(r, [&](int64_t base, int64_t, const float(&v)[kItems], const bool(&ok)[kItems]) {
    float w[kItems];
#pragma unroll
    for (int j = 0; j < kItems; ++j) w[j] = ok[j] ? exp_nonpositive(__fsub_rn(v[j], max)) : 0.0f;
    tile_block_sums(w, base, r.n, sm);
    if (threadIdx.x < kBlocksPerTile) mine += sm.block_sum[threadIdx.x];
  });
  const double total = all_reduce(mine, SumOp{}, sm.cub.f64, sm.f64);
  return static_cast<double>(max) + log(total);
}

struct Boundary {
  int32_t id;    // the token found
  uint32_t key;  // its rank_key
  u64 cum;       // running count or mass in rank order up to and including it
};

// No bound: every token ranks at or before it.
__device__ __forceinline__ Boundary no_bound() { return {INT_MAX, 0u, 0}; }

__device__ __forceinline__ bool ranks_at_or_before(uint32_t key, int64_t id, const Boundary& b) {
  return key > b.key || (key == b.key && id <= b.id);
}

// What select_rank looks for, given the total T (count or mass) of the tokens it ranks: the first token whose
// running total reaches `need` (kCount), ceil(fraction * T) (kTopP: draw.cpp top_p_prefix's acc >= needed),
// or exceeds floor(fraction * T) (kDraw: draw.cpp pick_in's acc > u * total). Always at least 1, at most T.
struct Need {
  enum Kind { kCount, kTopP, kDraw } kind;
  u64 count;
  double fraction;
  __device__ u64 resolve(u64 total) const {
    u64 want = count;
    if (kind == kTopP) {
      const double needed = ceil(fraction * static_cast<double>(total));
      want = needed < 1.0 ? 1 : static_cast<u64>(needed);
    } else if (kind == kDraw) {
      want = static_cast<u64>(fraction * static_cast<double>(total)) + 1;
    }
    return want < 1 ? 1 : (want > total ? total : want);
  }
};

// The first token in rank order (larger logit first, lower id first) among the tokens that reach s.floor,
// rank at or before `bound` and, when by_mass, have non-zero fixed-point mass, whose running count or mass
// reaches what `need` asks. Radix select over rank_key, 8 bits a pass from the top, stopping as soon as the
// bin holding the target holds one token; ties on the whole key are settled by an id-order scan.
__device__ Boundary select_rank(const Row& r, const Shape& s, bool by_mass, const Boundary& bound, Need need_spec,
                                Smem& sm) {
  const int lane = threadIdx.x & 31;
  uint32_t prefix = 0;
  u64 above = 0;  // count or mass of the tokens ranking before the bins still searched
  u64 need = 0;
  auto eligible = [&](float v, uint32_t key, int64_t id) {
    return v >= s.floor && ranks_at_or_before(key, id, bound);
  };
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (int i = threadIdx.x; i < kBins; i += kThreads) sm.hist_count[i] = 0, sm.hist_mass[i] = 0;
    __syncthreads();
    const uint32_t high = shift == 24 ? 0u : ~0u << (shift + 8);
    for_each_tile(r, [&](int64_t, int64_t i0, const float(&v)[kItems], const bool(&ok)[kItems]) {
#pragma unroll
      for (int j = 0; j < kItems; ++j) {
        const uint32_t key = rank_key(v[j]);
        bool in = ok[j] && ((key ^ prefix) & high) == 0 && eligible(v[j], key, i0 + j);
        u64 q = 0;
        if (by_mass && in) {
          q = s.mass(v[j]);
          in = q != 0;
        }
        if (!__any_sync(0xFFFFFFFFu, in)) continue;  // after the first pass, most warps hold no candidate
        const uint32_t d = in ? (key >> shift) & 0xFFu : kNoDigit;
        // One atomic per distinct digit per warp: the top bins hold most of the row in the first pass.
        const unsigned peers = __match_any_sync(0xFFFFFFFFu, d);
        if (d == kNoDigit) continue;
        const bool leader = lane == __ffs(peers) - 1;
        if (by_mass) {
          const unsigned lo = __reduce_add_sync(peers, static_cast<unsigned>(q & ((1ull << kMassSplit) - 1)));
          const unsigned hi = __reduce_add_sync(peers, static_cast<unsigned>(q >> kMassSplit));
          if (leader) atomicAdd(&sm.hist_mass[d], (static_cast<u64>(hi) << kMassSplit) + lo);
        }
        if (leader) {
          atomicAdd(&sm.hist_count[d], static_cast<unsigned>(__popc(peers)));
          sm.hist_id[d] = static_cast<int>(i0 + j);  // meaningful only when the bin holds one token
        }
      }
    });
    __syncthreads();
    if (threadIdx.x < 32) {  // bins from the top: lane l holds digits 255 - 8l ... 248 - 8l
      u64 val[8];
      u64 sum = 0;
#pragma unroll
      for (int k = 0; k < 8; ++k) {
        const int bin = kBins - 1 - (lane * 8 + k);
        val[k] = by_mass ? sm.hist_mass[bin] : sm.hist_count[bin];
        sum += val[k];
      }
      u64 incl = sum;
#pragma unroll
      for (int o = 1; o < 32; o <<= 1) {
        const u64 t = __shfl_up_sync(0xFFFFFFFFu, incl, o);
        if (lane >= o) incl += t;
      }
      const u64 total = __shfl_sync(0xFFFFFFFFu, incl, 31);
      const u64 want = shift == 24 ? need_spec.resolve(total) : need;
      if (total == 0 && lane == 0) sm.digit = kNoDigit;
      if (total != 0 && incl - sum < want && want <= incl) {
        u64 cum = incl - sum;
        for (int k = 0; k < 8; ++k) {
          if (cum + val[k] >= want) {
            sm.digit = kBins - 1 - (lane * 8 + k);
            sm.before = cum;
            sm.want = want;
            break;
          }
          cum += val[k];
        }
      }
    }
    __syncthreads();
    const uint32_t d = sm.digit;
    if (d == kNoDigit) return {-1, 0, above};  // nothing eligible; callers rule this out
    const u64 before = sm.before;
    need = sm.want - before;
    above += before;
    prefix |= d << shift;
    const unsigned count = sm.hist_count[d];
    const u64 bin_value = by_mass ? sm.hist_mass[d] : count;
    const int id = sm.hist_id[d];
    __syncthreads();
    if (count == 1) return {id, rank_key(r.x[id]), above + bin_value};
  }
  // Several tokens share the logit `prefix`: they rank by id, so scan them in id order.
  if (threadIdx.x == 0) sm.found = -1;
  __syncthreads();
  u64 carry = 0;
  for (int64_t base = 0; base < r.n; base += kTile) {
    const int64_t i0 = base + static_cast<int64_t>(threadIdx.x) * kItems;
    float v[kItems];
    bool ok[kItems];
    r.load(i0, v, ok);
    u64 c[kItems];
    u64 sum = 0;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      const bool in = ok[j] && rank_key(v[j]) == prefix && eligible(v[j], prefix, i0 + j);
      c[j] = in ? (by_mass ? s.mass(v[j]) : 1) : 0;
      sum += c[j];
    }
    u64 excl = 0;
    u64 aggregate = 0;
    cub::BlockScan<u64, kThreads>(sm.cub.u64_scan).ExclusiveSum(sum, excl, aggregate);
    u64 run = carry + excl;
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      if (c[j] != 0 && run < need && run + c[j] >= need) {
        sm.found = static_cast<int>(i0 + j);
        sm.found_cum = run + c[j];
      }
      run += c[j];
    }
    carry += aggregate;
    __syncthreads();
    if (sm.found >= 0) break;
  }
  const Boundary b{sm.found, prefix, above + sm.found_cum};
  __syncthreads();
  return b;
}

// top_k and/or top_p: the kept set is a rank prefix, the draw walks it in rank order. Each select ranks only
// the tokens the previous one kept, so its first pass also yields the kept total the next target needs.
__device__ int32_t draw_ranked(const Row& r, const Shape& s, int64_t top_k, float top_p, double u, Smem& sm) {
  Boundary kept = no_bound();
  if (top_k < r.n) kept = select_rank(r, s, false, no_bound(), Need{Need::kCount, static_cast<u64>(top_k), 0.0}, sm);
  if (top_p < 1.0f) kept = select_rank(r, s, true, kept, Need{Need::kTopP, 0, static_cast<double>(top_p)}, sm);
  return select_rank(r, s, true, kept, Need{Need::kDraw, 0, u}, sm).id;
}

// No top_k / top_p: draw.cpp pick_in_vocab, inverse CDF in id order. block_sums [ceil(n / 64)] workspace.
__device__ int32_t draw_in_id_order(const Row& r, const Shape& s, double u, double* block_sums, Smem& sm) {
  const int64_t num_blocks = (r.n + kWeightBlock - 1) / kWeightBlock;
  double mine = 0.0;
  for_each_tile(r, [&](int64_t base, int64_t, const float(&v)[kItems], const bool(&ok)[kItems]) {
    float w[kItems];
#pragma unroll
    for (int j = 0; j < kItems; ++j) w[j] = ok[j] ? s.weight(v[j]) : 0.0f;
    tile_block_sums(w, base, r.n, sm);
    const int64_t b = base / kWeightBlock + threadIdx.x;
    if (threadIdx.x < kBlocksPerTile && b < num_blocks) {
      block_sums[b] = sm.block_sum[threadIdx.x];
      mine += sm.block_sum[threadIdx.x];
    }
  });
  const double total = all_reduce(mine, SumOp{}, sm.cub.f64, sm.f64);
  const double target = u * total;
  // Each thread owns a run of blocks; a prefix sum over the runs finds the block holding the target.
  const int64_t per = (num_blocks + kThreads - 1) / kThreads;
  const int64_t lo = min(num_blocks, threadIdx.x * per);
  const int64_t hi = min(num_blocks, lo + per);
  double run_sum = 0.0;
  for (int64_t b = lo; b < hi; ++b) run_sum += block_sums[b];
  double excl = 0.0;
  cub::BlockScan<double, kThreads>(sm.cub.f64_scan).ExclusiveSum(run_sum, excl);
  if (threadIdx.x == 0) sm.found = INT_MAX, sm.last = -1;
  __syncthreads();
  double acc = excl;
  for (int64_t b = lo; b < hi; ++b) {
    if (acc + block_sums[b] > target) {
      atomicMin(&sm.found, static_cast<int>(b));
      break;
    }
    acc += block_sums[b];
  }
  for (int64_t b = hi - 1; b >= lo; --b) {
    if (block_sums[b] > 0.0) {
      atomicMax(&sm.last, static_cast<int>(b));
      break;
    }
  }
  __syncthreads();
  // Past the end only when u * total rounds up to total: then the last block with mass, as the CPU steps back.
  const int64_t block = sm.found != INT_MAX ? sm.found : sm.last;
  __syncthreads();  // every thread has read sm.found before its owner overwrites it
  if (lo <= block && block < hi) {
    acc = excl;
    for (int64_t b = lo; b < block; ++b) acc += block_sums[b];
    int32_t last = -1;
    const int64_t end = min(r.n, (block + 1) * kWeightBlock);
    for (int64_t i = block * kWeightBlock; i < end; ++i) {
      const float w = s.weight(r.x[i]);
      if (w == 0.0f) continue;
      acc += w;
      last = static_cast<int32_t>(i);
      if (acc > target) break;
    }
    sm.found = last;
  }
  __syncthreads();
  const int32_t token = sm.found;
  __syncthreads();
  return token;
}

__device__ float penalize(float logit, uint32_t entry, const DeviceSamplingRow& p) {
  if (p.repetition_penalty != 1.0f) {
    logit = logit > 0.0f ? __fdiv_rn(logit, p.repetition_penalty) : __fmul_rn(logit, p.repetition_penalty);
  }
  const uint32_t count = entry & kCountMask;
  if (count > 0) {
    logit = __fsub_rn(logit, __fadd_rn(__fmul_rn(p.frequency_penalty, static_cast<float>(count)),
                                       p.presence_penalty));
  }
  return logit > FLT_MAX ? FLT_MAX : logit;  // a tiny repetition penalty must not make +inf
}

// penalties.cpp apply_penalties: table [n] counts output occurrences and flags prompt ids; each distinct id is
// penalised once, by the thread that sets its kDone flag, which keeps its raw logit in raw [n].
__device__ void apply_penalties(const Row& r, const DeviceSamplingRow& p, const int32_t* ids, uint32_t* table,
                                float* raw) {
  for (int64_t i = threadIdx.x; i < r.n; i += kThreads) table[i] = 0;
  __syncthreads();
  const bool use_prompt = p.repetition_penalty != 1.0f;
  for (int i = threadIdx.x; i < p.output_count; i += kThreads) atomicAdd(&table[ids[p.output_begin + i]], 1u);
  if (use_prompt) {
    for (int i = threadIdx.x; i < p.prompt_count; i += kThreads) atomicOr(&table[ids[p.prompt_begin + i]], kInPrompt);
  }
  __syncthreads();
  auto claim = [&](int32_t id) {
    const uint32_t old = atomicOr(&table[id], kDone);
    if (old & kDone) return;
    raw[id] = r.x[id];
    r.x[id] = penalize(r.x[id], old, p);
  };
  for (int i = threadIdx.x; i < p.output_count; i += kThreads) claim(ids[p.output_begin + i]);
  if (use_prompt) {
    for (int i = threadIdx.x; i < p.prompt_count; i += kThreads) claim(ids[p.prompt_begin + i]);
  }
  __syncthreads();
}

// The N most likely raw logits, most likely first (ties: lower id first), as logprobs.
__device__ void top_logprobs(const Row& r, float max, double lse, int n, int32_t* ids_out, float* lp_out,
                             Smem& sm) {
  const Boundary b =
      select_rank(r, Shape{max, 1.0f, -kInf}, false, no_bound(), Need{Need::kCount, static_cast<u64>(n), 0.0}, sm);
  if (threadIdx.x == 0) sm.gather_n = 0;
  __syncthreads();
  for_each_tile(r, [&](int64_t, int64_t i0, const float(&v)[kItems], const bool(&ok)[kItems]) {
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      if (!ok[j] || !ranks_at_or_before(rank_key(v[j]), i0 + j, b)) continue;
      const int slot = atomicAdd(&sm.gather_n, 1);
      if (slot < kMaxTopLogprobs) sm.gather_value[slot] = v[j], sm.gather_id[slot] = static_cast<int>(i0 + j);
    }
  });
  __syncthreads();
  const int gathered = min(sm.gather_n, n);
  if (threadIdx.x < gathered) {
    const float v = sm.gather_value[threadIdx.x];
    const int id = sm.gather_id[threadIdx.x];
    int rank = 0;
    for (int k = 0; k < gathered; ++k) {
      const float o = sm.gather_value[k];
      rank += o > v || (o == v && sm.gather_id[k] < id);
    }
    ids_out[rank] = id;
    lp_out[rank] = static_cast<float>(fmax(static_cast<double>(v) - lse, static_cast<double>(kMinLogprob)));
  }
  __syncthreads();
}

struct RowWorkspace {
  double* block_sums;  // [ceil(vocab / 64)]
  uint32_t* table;     // [vocab]
  float* raw;          // [vocab]
};

__host__ __device__ inline int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }
__host__ __device__ inline int64_t block_sums_bytes(int64_t vocab) {
  return round_up((vocab + kWeightBlock - 1) / kWeightBlock * 8, 256);
}
__host__ __device__ inline int64_t row_workspace_bytes(int64_t vocab) {
  return block_sums_bytes(vocab) + 2 * round_up(vocab * 4, 256);
}

__global__ void __launch_bounds__(kThreads)
    sample_rows_kernel(float* logits, int64_t ld, int64_t vocab, bool vec, const DeviceSamplingRow* params,
                       const int32_t* token_ids, int32_t* out_token, float* out_logprob, int32_t* out_top_ids,
                       float* out_top_logprobs, int max_top, int32_t* out_error, char* workspace) {
  __shared__ Smem sm;
  const int64_t row = blockIdx.x;
  const DeviceSamplingRow p = params[row];
  const Row r{logits + row * ld, vocab, vec};
  char* ws = workspace + row * row_workspace_bytes(vocab);
  const RowWorkspace w{reinterpret_cast<double*>(ws), reinterpret_cast<uint32_t*>(ws + block_sums_bytes(vocab)),
                       reinterpret_cast<float*>(ws + block_sums_bytes(vocab) + round_up(vocab * 4, 256))};
  int32_t* top_ids = out_top_ids + row * max_top;
  float* top_lp = out_top_logprobs + row * max_top;
  for (int i = threadIdx.x; i < max_top; i += kThreads) top_ids[i] = -1, top_lp[i] = 0.0f;
  auto fail = [&](SamplingError code) {  // called by every thread
    for (int i = threadIdx.x; i < max_top; i += kThreads) top_ids[i] = -1, top_lp[i] = 0.0f;
    if (threadIdx.x == 0) out_error[row] = code, out_token[row] = -1, out_logprob[row] = 0.0f;
  };

  RowCheck c{-kInf, 0, 0};
  for_each_tile(r, [&](int64_t, int64_t, const float(&v)[kItems], const bool(&ok)[kItems]) {
#pragma unroll
    for (int j = 0; j < kItems; ++j) {
      if (!ok[j]) continue;
      c.max = v[j] > c.max ? v[j] : c.max;
      c.bad |= !(v[j] < kInf);  // NaN fails every comparison
      c.finite |= v[j] > -kInf && v[j] < kInf;
    }
  });
  c = all_reduce(c, CheckOp{}, sm.cub.check, sm.check);
  if (c.bad) return fail(kSamplingNonFiniteLogit);
  if (!c.finite) return fail(kSamplingAllMasked);
  if (p.num_logprobs > max_top || p.num_logprobs > vocab) return fail(kSamplingBadLogprobs);
  bool bad_id = false;
  for (int i = threadIdx.x; i < p.prompt_count; i += kThreads) {
    const int32_t id = token_ids[p.prompt_begin + i];
    bad_id |= id < 0 || id >= vocab;
  }
  for (int i = threadIdx.x; i < p.output_count; i += kThreads) {
    const int32_t id = token_ids[p.output_begin + i];
    bad_id |= id < 0 || id >= vocab;
  }
  if (__syncthreads_or(bad_id)) return fail(kSamplingBadTokenId);

  double lse = 0.0;
  if (p.num_logprobs >= 0) {
    lse = log_sum_exp(r, c.max, sm);  // before penalties: raw logprobs, as vLLM reports them
    if (p.num_logprobs > 0) top_logprobs(r, c.max, lse, p.num_logprobs, top_ids, top_lp, sm);
  }
  const bool penalized =
      p.repetition_penalty != 1.0f || p.frequency_penalty != 0.0f || p.presence_penalty != 0.0f;
  if (penalized) apply_penalties(r, p, token_ids, w.table, w.raw);

  int32_t token = -1;
  if (p.temperature <= 0.0f || p.top_k == 1) {
    ArgMax best{-kInf, INT_MAX};
    for_each_tile(r, [&](int64_t, int64_t i0, const float(&v)[kItems], const bool(&ok)[kItems]) {
#pragma unroll
      for (int j = 0; j < kItems; ++j) {
        if (ok[j]) best = ArgMaxOp{}(best, ArgMax{v[j], static_cast<int32_t>(i0 + j)});
      }
    });
    token = all_reduce(best, ArgMaxOp{}, sm.cub.argmax, sm.argmax).id;
  } else {
    float max = c.max;
    if (penalized) {
      RowCheck m{-kInf, 0, 0};
      for_each_tile(r, [&](int64_t, int64_t, const float(&v)[kItems], const bool(&ok)[kItems]) {
#pragma unroll
        for (int j = 0; j < kItems; ++j) m.max = ok[j] && v[j] > m.max ? v[j] : m.max;
      });
      max = all_reduce(m, CheckOp{}, sm.cub.check, sm.check).max;
      if (!(max > -kInf)) return fail(kSamplingAllMasked);
    }
    // draw.cpp: the most likely token always survives min_p, even when max + T log(min_p) rounds above max.
    float floor = -kInf;
    if (p.min_p > 0.0f) {
      floor = __fadd_rn(max, __fmul_rn(p.temperature, static_cast<float>(log(static_cast<double>(p.min_p)))));
    }
    const Shape s{max, p.temperature, floor < max ? floor : max};
    const double u = counter_uniform(p.seed, p.step);
    if (p.top_k > 0 && p.top_k < vocab) {
      token = draw_ranked(r, s, p.top_k, p.top_p, u, sm);
    } else if (p.top_p < 1.0f) {
      token = draw_ranked(r, s, INT64_MAX, p.top_p, u, sm);
    } else {
      token = draw_in_id_order(r, s, u, w.block_sums, sm);
    }
  }
  if (threadIdx.x == 0) {
    out_error[row] = kSamplingOk;
    out_token[row] = token;
    float logprob = 0.0f;
    if (p.num_logprobs >= 0) {
      const float raw = penalized && (w.table[token] & kDone) ? w.raw[token] : r.x[token];
      logprob = static_cast<float>(fmax(static_cast<double>(raw) - lse, static_cast<double>(kMinLogprob)));
    }
    out_logprob[row] = logprob;
  }
}

}  // namespace

const char* sampling_error_message(int32_t code) {
  switch (code) {
    case kSamplingOk:
      return "ok";
    case kSamplingNonFiniteLogit:
      return "a logit is NaN or +inf; the model produced a non-finite value";
    case kSamplingAllMasked:
      return "every logit is -inf; nothing to sample";
    case kSamplingBadTokenId:
      return "a prompt or output token id is outside the vocabulary";
    case kSamplingBadLogprobs:
      return "the number of logprobs asked for exceeds the vocabulary or the output width";
    default:
      return "unknown sampling error";
  }
}

size_t sampling_workspace_bytes(int64_t max_rows, int64_t vocab) {
  LLMC_CHECK(max_rows >= 0 && vocab > 0 && vocab <= kMaxSamplingVocab)
      << "sampling_workspace_bytes: bad sizes max_rows=" << max_rows << " vocab=" << vocab << " (vocab at most "
      << kMaxSamplingVocab << ")";
  return static_cast<size_t>(max_rows * row_workspace_bytes(vocab));
}

void sample_rows(float* logits, int64_t ld, int64_t rows, int64_t vocab, const DeviceSamplingRow* params,
                 const int32_t* token_ids, int32_t* out_token, float* out_logprob, int32_t* out_top_ids,
                 float* out_top_logprobs, int max_top, int32_t* out_error, void* workspace, cudaStream_t stream) {
  LLMC_CHECK(rows >= 0 && vocab > 0 && vocab <= kMaxSamplingVocab && ld >= vocab)
      << "sample_rows: bad sizes rows=" << rows << " vocab=" << vocab << " ld=" << ld << " (vocab in [1, "
      << kMaxSamplingVocab << "], ld >= vocab)";
  LLMC_CHECK(max_top >= 0 && max_top <= kMaxTopLogprobs)
      << "sample_rows: max_top must be in [0, " << kMaxTopLogprobs << "], got " << max_top;
  if (rows == 0) return;
  LLMC_CHECK(rows < (int64_t{1} << 31)) << "sample_rows: " << rows << " rows exceed the grid limit";
  LLMC_CHECK(logits && params && out_token && out_logprob && out_error && workspace)
      << "sample_rows: null logits, params, outputs or workspace";
  LLMC_CHECK(max_top == 0 || (out_top_ids && out_top_logprobs)) << "sample_rows: null top-logprob outputs";
  LLMC_CHECK(reinterpret_cast<uintptr_t>(workspace) % 256 == 0) << "sample_rows: workspace must be 256-byte aligned";
  const bool vec = ld % 4 == 0 && reinterpret_cast<uintptr_t>(logits) % 16 == 0;
  sample_rows_kernel<<<static_cast<unsigned>(rows), kThreads, 0, stream>>>(
      logits, ld, vocab, vec, params, token_ids, out_token, out_logprob, out_top_ids, out_top_logprobs, max_top,
      out_error, static_cast<char*>(workspace));
  LLMC_CUDA_CHECK_LAUNCH("sample_rows");
}

}  // namespace llmc::kernels::cuda
