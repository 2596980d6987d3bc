#include "runtime/worker/worker_setup.h"

#include <spdlog/spdlog.h>

#include "common/check.h"

namespace llmc {

int64_t resolve_max_model_len(const ModelConfig& config, int64_t requested) {
  if (requested <= 0) return config.max_position_embeddings;
  LLMC_CHECK(requested <= config.max_position_embeddings)
      << "--max-model-len " << requested << " exceeds the model's max_position_embeddings "
      << config.max_position_embeddings;
  return requested;
}

Worker::Worker(const WorkerOptions& o, const ModelConfig& config, const ShardSpec& shard, Communicator& tp,
               Communicator* pipeline, bool samples)
    : max_model_len_(resolve_max_model_len(config, o.max_model_len)) {
  LLMC_CHECK(o.block_size > 0 && (o.block_size & (o.block_size - 1)) == 0 && o.block_size <= 1024)
      << "--block-size must be a power of two up to 1024, got " << o.block_size;
  backend_ = make_cpu_backend(CpuBackendOptions{o.threads});
  std::unique_ptr<WeightSource> weights;
  if (o.load_format == "dummy") {
    weights = make_dummy_weights();
  } else {
    LLMC_CHECK(o.load_format == "auto" || o.load_format == "safetensors")
        << "--load-format must be auto, safetensors or dummy, got '" << o.load_format << "'";
    weights = open_checkpoint_weights(o.model_dir);
  }
  model_ = load_causal_lm(config, *weights, shard, *backend_, tp, max_model_len_);
  const KvCacheShape shape = model_->kv_cache_shape(o.block_size);
  const int64_t blocks = o.num_kv_blocks > 0 ? o.num_kv_blocks : KvCache::blocks_for_bytes(shape, o.kv_cache_bytes);
  LLMC_CHECK(blocks > 0) << "--kv-cache-memory " << o.kv_cache_bytes << " bytes holds no KV block of "
                         << shape.bytes_per_block() << " bytes";
  cache_ = std::make_unique<KvCache>(*backend_, shape, blocks);
  spdlog::info("loaded {} layers [{}, {}) on tp rank {}/{}: {:.1f} MiB of weights, {} KV blocks of {} tokens",
               shard.num_local_layers(), shard.layer_begin, shard.layer_end, shard.tp_rank, shard.tp_size,
               static_cast<double>(model_->weight_bytes()) / (1 << 20), blocks, o.block_size);
  runner_ = std::make_unique<StepRunner>(*model_, *cache_, *backend_, shard, pipeline, samples);
}

void Worker::warm_up() {
  LLMC_CHECK(runner_ != nullptr) << "warm_up after the runner was handed out";
  // An id the head never uses (its ids count up from 1), so the warm-up cannot meet a real request's state.
  constexpr RequestId kWarmUpId = ~RequestId{0};
  StepPlan plan;
  NewRequestPlan& r = plan.new_requests.emplace_back();
  r.id = kWarmUpId;
  r.token_ids = {0};
  r.num_prompt_tokens = 1;
  r.sampling.temperature = 0.0f;
  r.sampling.max_tokens = 1;
  r.block_ids = {0};
  r.num_scheduled_tokens = 1;
  runner_->run(plan);
  StepPlan drop;
  drop.step_id = plan.step_id + 1;
  drop.finished_ids = {kWarmUpId};
  runner_->run(drop);
  runner_->restart_step_sequence();
}

}  // namespace llmc
