// Which part of the model one rank holds: its tensor-parallel slice and its pipeline stage's layers.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/core/model_config.h"

namespace llmc {

struct ShardSpec {
  int tp_rank = 0;
  int tp_size = 1;
  int pp_rank = 0;
  int pp_size = 1;
  int64_t layer_begin = 0;  // this stage's layers: [layer_begin, layer_end)
  int64_t layer_end = 0;

  bool first_stage() const { return pp_rank == 0; }
  bool last_stage() const { return pp_rank == pp_size - 1; }
  int64_t num_local_layers() const { return layer_end - layer_begin; }
};

// Splits `num_layers` over `pp_size` stages: `partition` (layers per stage, summing to num_layers) when given,
// else as evenly as possible with the earlier stages taking the remainder. Returns the first layer of each
// stage plus num_layers at the end. Throws on an impossible split.
std::vector<int64_t> pipeline_layer_bounds(int64_t num_layers, int pp_size, const std::vector<int64_t>& partition);

// The whole-model shard of a single process.
ShardSpec single_process_shard(const ModelConfig& config);

// Heads this rank computes, and the key/value heads it stores (replicated when tp exceeds the kv heads).
struct HeadSplit {
  int64_t q_heads = 0;
  int64_t q_head_begin = 0;
  int64_t kv_heads = 0;
  int64_t kv_head_begin = 0;
};
HeadSplit split_heads(const ModelConfig& config, int tp_rank, int tp_size);

// Rows of the vocabulary this rank holds in the embedding and LM head: [begin, end), possibly empty at the tail.
struct VocabSplit {
  int64_t begin = 0;
  int64_t end = 0;
  int64_t padded_shard = 0;  // every rank's shard size, ceil(vocab / tp)
};
VocabSplit split_vocab(int64_t vocab_size, int tp_rank, int tp_size);

}  // namespace llmc
