#include "runtime/worker/worker_setup.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "common/check.h"
#include "engine/backend/cuda_backend.h"
#include "engine/core/generation_config.h"
#include "engine/model/decode_graphs.h"

namespace llmc {
namespace {

// Device memory kept free for the decode graphs: their nodes and instantiated launch state (tens of MiB for
// a 32-layer model's ladder of 19; the startup log has the measured figure).
constexpr int64_t kDecodeGraphReserve = int64_t{256} << 20;

// The most sequences one step can hold: --max-num-seqs, but never more than the step's token budget.
int64_t max_step_sequences(const WorkerOptions& o) {
  return std::clamp<int64_t>(o.max_num_seqs, 1, std::max<int64_t>(1, o.max_num_batched_tokens));
}

}  // namespace

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
  LLMC_CHECK(o.device == "cpu" || o.device == "cuda") << "--device must be cpu or cuda, got '" << o.device << "'";
  if (o.device == "cuda") {
    backend_ = make_cuda_backend(CudaBackendOptions{o.cuda_device, resolve_cuda_dtype(o.dtype, config.dtype)});
  } else {
    backend_ = make_cpu_backend(CpuBackendOptions{o.threads});
  }
  tp.bind_stream(backend_->native_stream());
  if (pipeline != nullptr) pipeline->bind_stream(backend_->native_stream());
  const auto load_start = std::chrono::steady_clock::now();
  std::unique_ptr<WeightSource> weights;
  if (o.load_format == "dummy") {
    weights = make_dummy_weights();
  } else {
    LLMC_CHECK(o.load_format == "auto" || o.load_format == "safetensors")
        << "--load-format must be auto, safetensors or dummy, got '" << o.load_format << "'";
    weights = open_checkpoint_weights(o.model_dir);
  }
  model_ = load_causal_lm(config, *weights, shard, *backend_, tp, max_model_len_);
  backend_->synchronize();
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  spdlog::info("{} (tp {}/{}, stage {}/{}): loaded layers [{}, {}), {:.1f} MiB of {} weights in {:.1f} s ({:.2f} GB/s)",
               backend_->name(), shard.tp_rank, shard.tp_size, shard.pp_rank, shard.pp_size, shard.layer_begin,
               shard.layer_end, static_cast<double>(model_->weight_bytes()) / (1 << 20),
               scalar_name(backend_->activation_type()), load_s,
               static_cast<double>(model_->weight_bytes()) / 1e9 / std::max(load_s, 1e-9));
  const KvCacheShape shape = model_->kv_cache_shape(o.block_size);
  std::string no_graphs;
  const bool graphs = graphs_possible(o, shard, tp, &no_graphs);
  int64_t blocks = o.num_kv_blocks;
  if (blocks <= 0 && o.device == "cuda") {
    blocks = plan_device_memory(o, shape, shard, graphs);
  } else if (blocks <= 0) {
    blocks = KvCache::blocks_for_bytes(shape, o.kv_cache_bytes);
    LLMC_CHECK(blocks > 0) << "--kv-cache-memory " << o.kv_cache_bytes << " bytes holds no KV block of "
                           << shape.bytes_per_block() << " bytes";
  }
  cache_ = std::make_unique<KvCache>(*backend_, shape, blocks);
  spdlog::info("{}: KV cache of {} blocks of {} tokens ({:.1f} MiB, {})", backend_->name(), blocks, o.block_size,
               static_cast<double>(blocks * shape.bytes_per_block()) / (1 << 20), scalar_name(shape.type));
  runner_ = std::make_unique<StepRunner>(*model_, *cache_, *backend_, shard, pipeline, samples);
  if (samples) {
    // The ids the head stops on (launch/generate_command.cpp): generation_config.json's, else config.json's.
    const GenerationConfig generation = GenerationConfig::from_model_dir(o.model_dir);
    std::vector<int32_t> eos;
    for (int64_t id : generation.eos_token_ids.empty() ? config.eos_token_ids : generation.eos_token_ids) {
      eos.push_back(static_cast<int32_t>(id));
    }
    runner_->use_constrained_sampling(std::make_unique<ConstrainedSampling>(
        o.tokenizer_dir.empty() ? o.model_dir : o.tokenizer_dir, static_cast<int32_t>(config.vocab_size), eos));
  }
  if (graphs) {
    DecodeGraphOptions g;
    g.max_batch = max_step_sequences(o);
    g.max_model_len = max_model_len_;
    g.block_size = o.block_size;
    std::unique_ptr<DecodeGraphs> decode_graphs;
    try {
      decode_graphs = std::make_unique<DecodeGraphs>(*model_, *backend_, *cache_, g);
    } catch (const Error& e) {
      // A bug of ours, not the user's: serve eagerly rather than not at all, and say so loudly.
      spdlog::warn("{}: decode graphs could not be recorded, decode steps run eagerly: {}", backend_->name(),
                   e.what());
      return;
    }
    spdlog::info("{}: recorded {} decode graphs (batch 1 to {}) in {:.1f} s, {:.0f} MiB", backend_->name(),
                 decode_graphs->count(), g.max_batch, decode_graphs->capture_seconds(),
                 static_cast<double>(decode_graphs->memory_bytes()) / (1 << 20));
    runner_->use_decode_graphs(std::move(decode_graphs));
  } else if (o.device == "cuda") {
    spdlog::info("{}: decode steps run eagerly ({})", backend_->name(), no_graphs);
  }
}

bool Worker::graphs_possible(const WorkerOptions& o, const ShardSpec& shard, const Communicator& tp,
                             std::string* why) const {
  if (!backend_->supports_graphs()) {
    *why = "the " + backend_->name() + " backend has no graphs";
  } else if (o.enforce_eager) {
    *why = "--enforce-eager";
  } else if (shard.pp_size > 1) {
    *why = "pipeline stages exchange hidden states on the host's schedule";
  } else if (!tp.capturable()) {
    *why = "the tensor-parallel communicator waits on the host";
  } else {
    return true;
  }
  return false;
}

ScalarType resolve_cuda_dtype(const std::string& dtype, const std::string& checkpoint_dtype) {
  if (dtype == "bfloat16" || dtype == "bf16") return ScalarType::kBF16;
  if (dtype == "float16" || dtype == "half" || dtype == "fp16") return ScalarType::kF16;
  if (dtype == "float32" || dtype == "float") return ScalarType::kF32;
  LLMC_CHECK(dtype == "auto") << "--dtype must be auto, bfloat16, float16 or float32, got '" << dtype << "'";
  return checkpoint_dtype == "float16" ? ScalarType::kF16 : ScalarType::kBF16;
}

int64_t Worker::plan_device_memory(const WorkerOptions& o, const KvCacheShape& shape, const ShardSpec& shard,
                                   bool graphs) {
  LLMC_CHECK(o.gpu_memory_utilization > 0.0 && o.gpu_memory_utilization <= 1.0)
      << "--gpu-memory-utilization must be in (0, 1], got " << o.gpu_memory_utilization;
  // The largest step the scheduler can plan: max_num_batched_tokens tokens over as many sequences as it
  // allows, every one asking for logits, each in its own KV blocks of a throwaway cache.
  const int64_t tokens = std::max<int64_t>(1, o.max_num_batched_tokens);
  const int64_t seqs = max_step_sequences(o);
  ForwardBatchBuilder builder(o.block_size);
  int64_t next_block = 0;
  std::vector<int32_t> ids(static_cast<size_t>(tokens / seqs + 1), 0);
  for (int64_t s = 0; s < seqs; ++s) {
    const int64_t len = tokens / seqs + (s < tokens % seqs ? 1 : 0);
    std::vector<int32_t> table;
    for (int64_t b = 0; b * o.block_size < len; ++b) table.push_back(static_cast<int32_t>(next_block++));
    builder.add_sequence(ids.data(), len, 0, table, true);
  }
  const ForwardBatch batch = builder.finish();
  {
    KvCache probe(*backend_, shape, next_block);
    backend_->reset_scratch();
    Tensor hidden;
    if (!shard.first_stage()) hidden = backend_->zeros(backend_->activation_type(), {tokens, model_->hidden_size()});
    StageOutput out = model_->forward(batch, hidden, probe);
    if (shard.last_stage()) {
      // Sampling's workspace comes from the same scratch: sample every row (greedy, each with a token mask as
      // constrained requests have) so the peak counts it.
      SamplingParams greedy;
      greedy.temperature = 0.0f;
      const std::vector<uint32_t> all((static_cast<size_t>(model_->vocab_size()) + 31) / 32, ~0u);
      std::vector<SampleRow> rows(static_cast<size_t>(out.logits.dim(0)), SampleRow{&greedy, {}, {}, all});
      backend_->sample(out.logits, model_->vocab_size(), rows);
    }
    backend_->synchronize();
  }
  const int64_t workspace = backend_->scratch_peak_bytes();
  backend_->reserve_scratch(workspace);
  const DeviceMemory mem = backend_->memory();
  int64_t budget = 0;
  if (o.kv_cache_bytes_given) {
    budget = o.kv_cache_bytes;
  } else {
    // This rank's share of the GPU, less what it already holds (weights, workspace, the CUDA context, which
    // the used total includes when it is alone on the GPU), never more than is free now.
    const int64_t share = static_cast<int64_t>(static_cast<double>(mem.total_bytes) * o.gpu_memory_utilization /
                                               std::max(1, o.ranks_per_gpu));
    const int64_t used = o.ranks_per_gpu == 1 ? mem.total_bytes - mem.free_bytes
                                              : model_->weight_bytes() + workspace + (int64_t{512} << 20);
    budget = std::min(share - used, mem.free_bytes - (int64_t{256} << 20));
    // The decode graphs are recorded after the cache exists (they point into it); keep room for them
    // (startup prints what they took).
    if (graphs) budget -= kDecodeGraphReserve;
  }
  const int64_t blocks = KvCache::blocks_for_bytes(shape, std::max<int64_t>(budget, 0));
  LLMC_CHECK(blocks > 0) << backend_->name() << ": no memory left for the KV cache (" << (mem.free_bytes >> 20)
                         << " MiB free of " << (mem.total_bytes >> 20) << " MiB after " << (model_->weight_bytes() >> 20)
                         << " MiB of weights and a " << (workspace >> 20) << " MiB activation workspace for "
                         << tokens << " batched tokens): raise --gpu-memory-utilization, lower "
                         << "--max-num-batched-tokens or --max-num-seqs, or spread the model over more GPUs (--tp, --pp)";
  spdlog::info("{}: memory plan: {:.0f} MiB of weights, {:.0f} MiB activation workspace ({} tokens, {} sequences), "
               "{:.0f} MiB for the KV cache; {:.0f} of {:.0f} MiB free before it",
               backend_->name(), model_->weight_bytes() / 1048576.0, workspace / 1048576.0, tokens, seqs,
               blocks * shape.bytes_per_block() / 1048576.0, mem.free_bytes / 1048576.0, mem.total_bytes / 1048576.0);
  return blocks;
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
