#include "engine/model/shard_spec.h"

#include <algorithm>

#include "common/check.h"

namespace llmc {

std::vector<int64_t> pipeline_layer_bounds(int64_t num_layers, int pp_size, const std::vector<int64_t>& partition) {
  LLMC_CHECK(pp_size >= 1) << "--pp must be at least 1, got " << pp_size;
  LLMC_CHECK(pp_size <= num_layers) << "--pp " << pp_size << " exceeds the model's " << num_layers
                                    << " layers: every pipeline stage needs at least one layer";
  std::vector<int64_t> bounds{0};
  if (!partition.empty()) {
    LLMC_CHECK(static_cast<int>(partition.size()) == pp_size)
        << "--pp-layer-partition names " << partition.size() << " stages but --pp is " << pp_size;
    for (int64_t n : partition) {
      LLMC_CHECK(n >= 1) << "--pp-layer-partition: every stage needs at least one layer, got " << n;
      bounds.push_back(bounds.back() + n);
    }
    LLMC_CHECK(bounds.back() == num_layers)
        << "--pp-layer-partition sums to " << bounds.back() << " layers but the model has " << num_layers;
    return bounds;
  }
  const int64_t base = num_layers / pp_size;
  const int64_t extra = num_layers % pp_size;
  for (int s = 0; s < pp_size; ++s) bounds.push_back(bounds.back() + base + (s < extra ? 1 : 0));
  return bounds;
}

ShardSpec single_process_shard(const ModelConfig& config) {
  ShardSpec s;
  s.layer_end = config.num_layers;
  return s;
}

HeadSplit split_heads(const ModelConfig& c, int tp_rank, int tp_size) {
  c.check_tensor_parallel(tp_size);
  HeadSplit h;
  h.q_heads = c.num_heads / tp_size;
  h.q_head_begin = tp_rank * h.q_heads;
  if (c.num_kv_heads >= tp_size) {
    h.kv_heads = c.num_kv_heads / tp_size;
    h.kv_head_begin = tp_rank * h.kv_heads;
  } else {
    // Fewer kv heads than ranks: each rank keeps a copy of the one kv head its query heads attend to.
    h.kv_heads = 1;
    h.kv_head_begin = tp_rank / (tp_size / c.num_kv_heads);
  }
  return h;
}

VocabSplit split_vocab(int64_t vocab_size, int tp_rank, int tp_size) {
  VocabSplit v;
  v.padded_shard = (vocab_size + tp_size - 1) / tp_size;
  v.begin = std::min(vocab_size, tp_rank * v.padded_shard);
  v.end = std::min(vocab_size, v.begin + v.padded_shard);
  return v;
}

}  // namespace llmc
