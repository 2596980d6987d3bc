// The compute interface a device fills: the CPU backend (float32, OpenBLAS) and the CUDA backend (bf16/fp16
// activations with float32 accumulation, cuBLASLt). The model code calls only these operations, on Tensors the
// backend allocated, so a new device is one new implementation of this class.
//
// Ownership and lifetime: the backend owns every Tensor's memory. empty()/zeros() allocate memory that lives
// until the last Tensor sharing it goes (weights, the KV cache, persistent buffers); scratch() hands out
// activation memory from a workspace that is sized at startup and recycled by reset_scratch() at the start of
// every forward pass, so nothing inside a forward pass allocates device memory (what CUDA graphs need).
//
// Streams: every operation is enqueued on the backend's one compute stream and may still be running when it
// returns; copy_to_host and synchronize wait for it. Communicators given native_stream() enqueue there too.
//
// Failure: a device error or an allocation that does not fit throws llmc::Error naming the operation, the
// size asked for, and (for memory) the option to lower; the backend is unusable after a device error.
//
// Shape comments: T tokens, H hidden, S sequences, D head_dim, Hq/Hkv local query/key-value heads.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/backend/tensor.h"
#include "engine/sampler/sampler.h"

namespace llmc {

// Where each query token reads and writes the paged KV cache. All tensors are i32 except slot_mapping (i64).
// The host-side sizes let plan_attention() choose kernel shapes without reading device memory.
struct AttentionMetadata {
  Tensor query_start;     // [S + 1]
  Tensor context_lens;    // [S]: tokens in the cache after this step
  Tensor block_tables;    // [S, max_blocks_per_seq]
  Tensor slot_mapping;    // [T]
  int64_t num_tokens = 0;
  int64_t num_seqs = 0;
  int64_t max_blocks_per_seq = 0;
  int64_t max_query_len = 0;
  int64_t max_context_len = 0;
};

// The per-layer attention geometry the backend plans for (the same for every layer of a model).
struct AttentionShape {
  int64_t q_heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 0;
};

// One row for sample(): its parameters and the token history the penalties read.
struct SampleRow {
  const SamplingParams* params = nullptr;
  std::span<const int32_t> prompt_ids;
  std::span<const int32_t> output_ids;  // its size is the step number the draw is keyed by
  // Constrained decoding's token mask (engine/grammar): empty, or at least (vocab + 31) / 32 words whose bit i
  // allows token i. Applied before anything else (SamplerInput::allowed).
  std::span<const uint32_t> allowed;
};

struct DeviceMemory {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "cpu", "cuda:0 (NVIDIA H100 80GB HBM3)"
  virtual DeviceKind device() const = 0;
  // The type of activations, weights and the KV cache (f32 on the CPU; bf16 or fp16 on CUDA, f32 on request).
  virtual ScalarType activation_type() const = 0;

  // Memory.
  virtual Tensor empty(ScalarType type, std::vector<int64_t> shape) = 0;  // contents undefined
  virtual Tensor zeros(ScalarType type, std::vector<int64_t> shape) = 0;
  // Activation memory valid until the next reset_scratch(); contents undefined.
  virtual Tensor scratch(ScalarType type, std::vector<int64_t> shape) = 0;
  virtual void reset_scratch() = 0;
  // Until reserve_scratch() fixes the workspace's size it grows as asked (the profiling forward at startup),
  // and scratch_peak_bytes() reports the most one forward pass used; after it, a pass that needs more throws.
  virtual void reserve_scratch(int64_t bytes) = 0;
  virtual int64_t scratch_peak_bytes() const = 0;
  // The workspace's bump position. A replayed graph writes the scratch range it was captured with, so the
  // caller moves the position past it before allocating anything else in that step.
  virtual int64_t scratch_position() const = 0;
  virtual void set_scratch_position(int64_t bytes) = 0;
  virtual void copy_from_host(const void* src, Tensor& dst) = 0;
  // Rows of a compact host array [rows, row_bytes] into the first rows of dst, whose rows are wider (a block
  // table of fixed width filled only as far as this step's sequences need it).
  virtual void copy_rows_from_host(const void* src, int64_t rows, int64_t row_bytes, Tensor& dst) = 0;
  virtual void copy_to_host(const Tensor& src, void* dst) = 0;
  // A weight from host values of `src_type` (f32, bf16 or f16), stored in activation_type().
  virtual Tensor upload_weight(const void* src, ScalarType src_type, std::vector<int64_t> shape) = 0;
  // What the device has free now (0/0 on the CPU, where the KV cache budget is --kv-cache-memory).
  virtual DeviceMemory memory() const = 0;
  // The compute stream as the native handle (cudaStream_t), or null on the CPU.
  virtual void* native_stream() const = 0;

  // Operations.
  // ids [T] i32; table [V_shard, H]; out [T, H]: rows of ids outside [vocab_begin, vocab_begin + V_shard) are 0.
  virtual void embedding(const Tensor& ids, const Tensor& table, int64_t vocab_begin, Tensor& out) = 0;
  // x, out [N, D]; weight [D]. out may be x.
  virtual void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;
  // residual += x, then out = rms_norm(residual).
  virtual void add_rms_norm(Tensor& residual, const Tensor& x, const Tensor& weight, float eps, Tensor& out) = 0;
  // x [N, in]; weight [out, in]; bias [out] or undefined; y [N, out] in x's type or f32.
  virtual void linear(const Tensor& x, const Tensor& weight, const Tensor& bias, Tensor& y) = 0;
  // qkv [T, (Hq + 2 Hkv) * D], the fused projection's output; positions [T] i32; cos_sin [max_pos, D] f32;
  // q_norm, k_norm [D] or undefined (Qwen3's per-head RMSNorm). Per head: the norm, then RoPE on q and k; q goes
  // to q_out [T, Hq, D], k and v to their cache slots (meta.slot_mapping); caches [blocks, block_size, Hkv, D].
  virtual void qkv_rope_store(const Tensor& qkv, const Tensor& positions, const Tensor& cos_sin, const Tensor& q_norm,
                              const Tensor& k_norm, float eps, const AttentionMetadata& meta, Tensor& q_out,
                              Tensor& k_cache, Tensor& v_cache) = 0;
  // gate_up [N, 2I]; out [N, I].
  virtual void silu_and_mul(const Tensor& gate_up, Tensor& out) = 0;
  // Called once per forward pass before any paged_attention: prepares what every layer's call shares.
  virtual void plan_attention(const AttentionMetadata& meta, const AttentionShape& shape) = 0;
  // q, out [T, Hq, D]; sliding_window 0 means full causal attention.
  virtual void paged_attention(const Tensor& q, const Tensor& k_cache, const Tensor& v_cache,
                               const AttentionMetadata& meta, float scale, int64_t sliding_window, Tensor& out) = 0;
  // out [len(indices), D] = x [N, D] rows at indices [len] i32.
  virtual void gather_rows(const Tensor& x, const Tensor& indices, Tensor& out) = 0;
  // a += b, same shapes.
  virtual void add(Tensor& a, const Tensor& b) = 0;
  // out [N, parts * W] = stacked [parts * N, W] regrouped: part p's rows become columns [p W, (p + 1) W) (the
  // vocab shards of an all-gather, put back side by side).
  virtual void unshard_columns(const Tensor& stacked, int64_t parts, Tensor& out) = 0;
  // One token per row of logits [rows, ld] f32 (columns [0, vocab) are the vocabulary; changed in place), as
  // engine/sampler defines sampling; only the tokens and requested logprobs come back to the host. Throws
  // naming the row for invalid parameters or non-finite logits.
  virtual std::vector<SampleOutput> sample(Tensor& logits, int64_t vocab, std::span<const SampleRow> rows) = 0;
  virtual void synchronize() = 0;

  // Graphs (CUDA graphs; the CPU backend has none): the operations enqueued between begin_capture() and
  // end_capture() are recorded, not run, and replay() runs them again with the same arguments and addresses.
  // Nothing may allocate, copy from the host or wait for the device while capturing.
  virtual bool supports_graphs() const { return false; }
  virtual void begin_capture();
  virtual int end_capture();  // the graph's handle for replay()
  virtual void replay(int graph);
};

// For backends' copy_rows_from_host: checks the rows fit and returns dst's row pitch in bytes.
int64_t check_row_copy(int64_t rows, int64_t row_bytes, const Tensor& dst);

struct CpuBackendOptions {
  int threads = 0;  // compute threads; 0: all cores
};
std::unique_ptr<Backend> make_cpu_backend(const CpuBackendOptions& options = {});

}  // namespace llmc
