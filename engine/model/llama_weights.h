// The tensors of one rank's shard of a Llama-family model, on the backend.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/core/model_config.h"
#include "engine/model/shard_spec.h"
#include "engine/model/weight_source.h"

namespace llmc {

struct LlamaLayerWeights {
  Tensor input_norm;           // [H]
  Tensor post_attention_norm;  // [H]
  Tensor qkv_proj;  // [(local q heads + 2 * local kv heads) * D, H]: q rows, k rows, v rows (column-parallel)
  Tensor qkv_bias;  // [(local q heads + 2 * local kv heads) * D]; undefined when the model has none
  Tensor q_norm, k_norm;          // [D] (Qwen3)
  Tensor o_proj;                  // [H, local q heads * D] (row-parallel)
  Tensor o_bias;                  // [H] on tensor rank 0 only, so the all-reduce adds it once
  Tensor gate_up_proj;            // [2 * I / tp, H]: this rank's gate rows, then its up rows
  Tensor gate_up_bias;
  Tensor down_proj;               // [H, I / tp] (row-parallel)
  Tensor down_bias;               // [H] on tensor rank 0 only
};

struct LlamaWeights {
  Tensor embed;       // [vocab shard, H] (first stage only)
  Tensor lm_head;     // [vocab shard, H] (last stage only); the embedding's rows when tied
  Tensor final_norm;  // [H] (last stage only)
  std::vector<LlamaLayerWeights> layers;  // this stage's layers
  int64_t bytes = 0;
};

LlamaWeights load_llama_weights(const ModelConfig& config, const WeightSource& source, const ShardSpec& shard,
                                const HeadSplit& heads, const VocabSplit& vocab, Backend& backend);

}  // namespace llmc
