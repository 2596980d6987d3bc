// Builds one rank's worker: backend, model shard, KV cache sized from a memory budget, and the step runner.
// Used for the single-process engine and by every worker rank of a cluster.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/backend/backend.h"
#include "engine/backend/communicator.h"
#include "engine/core/model_config.h"
#include "engine/model/causal_lm.h"
#include "runtime/worker/step_runner.h"

namespace llmc {

struct WorkerOptions {
  std::filesystem::path model_dir;
  std::filesystem::path tokenizer_dir;  // tokenizer.json for constrained decoding (empty: model_dir)
  std::string load_format = "auto";  // "auto"/"safetensors": the checkpoint; "dummy": random weights
  int64_t block_size = 16;
  int64_t kv_cache_bytes = int64_t{2} << 30;  // budget for K and V of this rank's layers
  int64_t num_kv_blocks = 0;                  // > 0 overrides the budget (tests that force preemption)
  int64_t max_model_len = 0;                  // 0: the model's max_position_embeddings
  int threads = 0;                            // CPU compute threads; 0: all cores
  std::string device = "cpu";                 // "cpu" or "cuda" (resolved from --device auto by the launcher)
  int cuda_device = 0;                        // this rank's GPU
  std::string dtype = "auto";                 // auto | bfloat16 | float16 | float32 (CUDA activations)
  double gpu_memory_utilization = 0.9;        // share of the GPU's memory this run may use (all its ranks)
  int ranks_per_gpu = 1;                      // ranks sharing this GPU split that share
  bool kv_cache_bytes_given = false;          // --kv-cache-memory given: it sizes the cache on the GPU too
  int64_t max_num_batched_tokens = 2048;      // the profiling forward's size
  int64_t max_num_seqs = 256;
  bool enforce_eager = false;                 // no decode graphs (CUDA graphs) even where they could be used
};

// The CUDA activation type --dtype asks for on a checkpoint stored as `checkpoint_dtype` (config.json's
// "bfloat16", "float16" or "float32"): auto keeps bf16/fp16 and serves float32 checkpoints as bf16.
ScalarType resolve_cuda_dtype(const std::string& dtype, const std::string& checkpoint_dtype);

class Worker {
 public:
  // Loads this rank's shard. `tp` must outlive the worker; `pipeline` may be null for one stage.
  Worker(const WorkerOptions& options, const ModelConfig& config, const ShardSpec& shard, Communicator& tp,
         Communicator* pipeline, bool samples);
  int64_t num_kv_blocks() const { return cache_->num_blocks(); }
  int64_t max_model_len() const { return max_model_len_; }
  const CausalLM& model() const { return *model_; }
  // One forward pass of a one-token request through this rank's whole path (its layers, the tensor-parallel
  // all-reduces, the pipeline send/recv, sampling), then its state dropped: every worker runs it at the same
  // point of startup, so a broken link or kernel shows before any user request. KV block 0 is written; it is
  // overwritten before any request reads it. Throws what the step throws.
  void warm_up();
  const Backend& backend() const { return *backend_; }
  // The runner, handed to whoever drives this rank (the in-process executor or the worker loop).
  std::unique_ptr<StepRunner> take_runner() { return std::move(runner_); }

 private:
  // GPU memory plan: after the weights, one forward at the largest batch measures the activation workspace,
  // which is then fixed; what the memory share leaves is the KV cache's. Returns the cache's block count.
  int64_t plan_device_memory(const WorkerOptions& o, const KvCacheShape& shape, const ShardSpec& shard,
                             bool graphs);
  // Whether decode steps can replay graphs on this rank, and if not, why (for the startup log).
  bool graphs_possible(const WorkerOptions& o, const ShardSpec& shard, const Communicator& tp,
                       std::string* why) const;

  int64_t max_model_len_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<CausalLM> model_;
  std::unique_ptr<KvCache> cache_;
  std::unique_ptr<StepRunner> runner_;
};

// The model length a run serves: --max-model-len when given (it may not exceed the model's positions), else
// the model's max_position_embeddings.
int64_t resolve_max_model_len(const ModelConfig& config, int64_t requested);

}  // namespace llmc
