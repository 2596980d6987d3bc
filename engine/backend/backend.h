// The compute interface a device fills: the CPU backend now, CUDA next. The model code calls only these
// operations, on Tensors the backend allocated, so a new device is one new implementation of this class.
//
// Ownership: the backend owns every Tensor's memory (freed when the last Tensor sharing it goes). Operations
// may run asynchronously on the device; copy_to_host and synchronize wait. Shape comments: T tokens, H hidden,
// S sequences.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backend/tensor.h"

namespace llmc {

// Where each query token reads and writes the paged KV cache. All tensors are i32 except slot_mapping (i64).
struct AttentionMetadata {
  Tensor query_start;     // [S + 1]
  Tensor context_lens;    // [S]: tokens in the cache after this step
  Tensor block_tables;    // [S, max_blocks_per_seq]
  Tensor slot_mapping;    // [T]
  int64_t num_seqs = 0;
  int64_t max_blocks_per_seq = 0;
  int64_t max_context_len = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual DeviceKind device() const = 0;

  // Memory.
  virtual Tensor empty(ScalarType type, std::vector<int64_t> shape) = 0;  // contents undefined
  virtual Tensor zeros(ScalarType type, std::vector<int64_t> shape) = 0;
  virtual void copy_from_host(const void* src, Tensor& dst) = 0;
  virtual void copy_to_host(const Tensor& src, void* dst) = 0;
  // A weight from float32 host values, stored in the backend's weight type.
  virtual Tensor upload_weight(std::span<const float> values, std::vector<int64_t> shape) = 0;

  // Operations.
  // ids [T] i32; table [V_shard, H]; out [T, H]: rows of ids outside [vocab_begin, vocab_begin + V_shard) are 0.
  virtual void embedding(const Tensor& ids, const Tensor& table, int64_t vocab_begin, Tensor& out) = 0;
  // x, out [N, D]; weight [D].
  virtual void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;
  // residual += x, then out = rms_norm(residual).
  virtual void add_rms_norm(Tensor& residual, const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;
  // x [N, in]; weight [out, in]; bias [out] or undefined; y [N, out].
  virtual void linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y) = 0;
  // x [T, heads, head_dim] rotated in place; positions [T] i32; cos_sin [max_pos, head_dim].
  virtual void rope(Tensor& x, const Tensor& positions, const Tensor& cos_sin) = 0;
  // gate_up [N, 2I]; out [N, I].
  virtual void silu_and_mul(const Tensor& gate_up, Tensor& out) = 0;
  // k, v [T, kv_heads, head_dim]; caches [blocks, block_size, kv_heads, head_dim].
  virtual void store_kv(const Tensor& k, const Tensor& v, const AttentionMetadata& meta, Tensor& k_cache,
                        Tensor& v_cache) = 0;
  // q, out [T, q_heads, head_dim]; sliding_window 0 means full causal attention.
  virtual void paged_attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache,
                               const AttentionMetadata& meta, float scale, int64_t sliding_window, Tensor& out) = 0;
  // out [len(indices), D] = x [N, D] rows at indices [len] i32.
  virtual void gather_rows(const Tensor& x, const Tensor& indices, Tensor& out) = 0;
  // a += b, same shapes.
  virtual void add(Tensor& a, const Tensor& b) = 0;
  virtual void synchronize() = 0;
};

struct CpuBackendOptions {
  int threads = 0;  // compute threads; 0: all cores
};
std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options = {});

}  // namespace llmc
