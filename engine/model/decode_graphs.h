// Decode steps replayed from recorded graphs (CUDA graphs): a decode step of a large model launches some 300
// small kernels, and at small batches launching them costs more than running them. At startup one graph is
// recorded per batch size of a ladder (1, 2, 4, 8, 16, ... up to --max-num-seqs); a decode-only step of n
// sequences is padded to the next size and replays that graph. Mixed and prefill steps run eagerly.
//
// What makes a replay valid: the graph reads its inputs from fixed device buffers (ids, positions, cache
// slots, context lengths, and a block table of fixed width max_model_len / block_size) that run() refills
// before each replay, and its activations sit at the scratch offsets it was recorded with (the backend's
// workspace is reset before each). Padding rows have no cache slot (nothing is written) and an empty context.
// Attention is planned for the longest context (max_model_len), so one graph serves every context length.
//
// Usable only where the whole pass can be recorded: a backend with graphs, one pipeline stage, and a
// tensor-parallel communicator whose collectives enqueue without waiting on the host (Communicator::capturable).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/model/causal_lm.h"

namespace llmc {

struct DecodeGraphOptions {
  int64_t max_batch = 256;       // the largest decode batch (--max-num-seqs)
  int64_t max_model_len = 4096;
  int64_t block_size = 16;
};

class DecodeGraphs {
 public:
  // Records every graph of the ladder (each size first runs once eagerly, so GEMM plans exist before
  // recording). Throws llmc::Error naming the batch size if a recording fails.
  DecodeGraphs(CausalLM& model, Backend& backend, KvCache& cache, const DecodeGraphOptions& options);

  // 1, 2, 4, then steps of 8 to 64, 16 to 128, 32 beyond, and max_batch itself.
  static std::vector<int64_t> batch_ladder(int64_t max_batch);

  // A decode-only batch: every sequence schedules one token and samples it, at most max_batch of them.
  bool fits(const ForwardBatch& batch) const;

  // Resets the backend's scratch, uploads the batch into the graphs' buffers and replays the graph of the
  // next ladder size; the scratch position is left past the graph's range, so the caller may allocate.
  // The logits are rows [0, n) of the graph's output: [n, V'] f32, as CausalLM::forward returns them.
  StageOutput run(const ForwardBatch& batch);

  size_t count() const { return graphs_.size(); }
  double capture_seconds() const { return capture_seconds_; }
  int64_t memory_bytes() const { return memory_bytes_; }  // device memory the recorded graphs took

 private:
  struct Graph {
    int64_t batch = 0;
    int handle = -1;
    Tensor logits;             // [batch, V'] f32, scratch memory at the recorded offset
    int64_t scratch_end = 0;   // the scratch position after the recorded pass
  };

  DeviceBatch device_batch(int64_t batch) const;
  void fill_inputs(const ForwardBatch* batch, int64_t padded);  // nullptr: every row is padding
  Graph record(int64_t batch);

  CausalLM& model_;
  Backend& backend_;
  KvCache& cache_;
  DecodeGraphOptions options_;
  int64_t table_width_ = 0;        // W = ceil(max_model_len / block_size)
  std::vector<std::byte> host_;    // the inputs buffer's host image
  Tensor inputs_;                  // i64 words: slots [B], ids [B], positions [B], logits rows [B], query starts [B + 1], context lens [B]
  Tensor block_tables_;            // [max_batch, W] i32
  std::vector<Graph> graphs_;      // ascending batch sizes
  double capture_seconds_ = 0;
  int64_t memory_bytes_ = 0;
};

}  // namespace llmc
