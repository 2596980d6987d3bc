// A pipeline stage of a decoder-only language model on one rank. One implementation per model family
// (llama_model.cpp covers Llama, Mistral, Qwen2 and Qwen3); load_causal_lm picks it from the config.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/communicator.h"
#include "engine/core/model_config.h"
#include "engine/model/device_batch.h"
#include "engine/model/forward_batch.h"
#include "engine/model/kv_cache.h"
#include "engine/model/shard_spec.h"
#include "engine/model/weight_source.h"

namespace llmc {

struct StageOutput {
  Tensor hidden;  // non-last stages: [T, H], to send to the next stage
  // Last stage: [logits_indices.size(), V'] f32 in backend memory, V' >= vocab_size (the vocab shards' padding
  // sits past column vocab_size). Scratch: valid until the backend's next reset_scratch().
  Tensor logits;
};

class CausalLM {
 public:
  virtual ~CausalLM() = default;
  // The first stage embeds batch.token_ids; later stages start from hidden_in [T, H]. Activations come from
  // the backend's scratch workspace: the caller resets it before the pass (and after using its outputs).
  virtual StageOutput forward(const ForwardBatch& batch, const Tensor& hidden_in, KvCache& cache) = 0;
  // The same pass on inputs already on the device, after the caller's backend.plan_attention(d.attention,
  // attention_shape(block_size)): what a CUDA graph records (it uploads nothing and never waits for the device).
  virtual StageOutput forward_device(const DeviceBatch& d, const Tensor& hidden_in, KvCache& cache) = 0;
  virtual AttentionShape attention_shape(int64_t block_size) const = 0;
  virtual KvCacheShape kv_cache_shape(int64_t block_size) const = 0;
  virtual int64_t hidden_size() const = 0;
  virtual int64_t vocab_size() const = 0;
  // Bytes of weights this rank holds (for memory planning and bandwidth estimates).
  virtual int64_t weight_bytes() const = 0;
};

// The logits of `out` on the host, [rows, vocab_size] (for tests and tools; serving samples on the device).
std::vector<float> host_logits(Backend& backend, const StageOutput& out, int64_t vocab_size);

// Loads this rank's shard. `tp` is the tensor-parallel group (size ShardSpec::tp_size). Positions up to
// max_model_len get rotary tables.
std::unique_ptr<CausalLM> load_causal_lm(const ModelConfig& config, const WeightSource& weights, const ShardSpec& shard,
                                         Backend& backend, Communicator& tp, int64_t max_model_len);

}  // namespace llmc
