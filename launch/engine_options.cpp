#include "launch/engine_options.h"

#include <sstream>

#include "common/check.h"
#include "runtime/comm/nccl/nccl_communicator.h"

namespace llmc {

namespace po = boost::program_options;

OptionGroups::OptionGroups(std::string usage_line)
    : usage(std::move(usage_line)),
      general(""),
      frontend("Frontend (the OpenAI-compatible HTTP server)"),
      model("ModelConfig (the model)"),
      load("LoadConfig (reading the weights)"),
      device("DeviceConfig (where each rank computes)"),
      parallel("ParallelConfig (tensor and pipeline parallelism)"),
      cache("CacheConfig (the paged KV cache)"),
      scheduler("SchedulerConfig (batching and admission)"),
      cluster("Cluster (control plane and deadlines; no vLLM equivalent)") {}

po::options_description OptionGroups::all() const {
  po::options_description out(usage);
  for (const po::options_description* g : {&general, &frontend, &model, &load, &device, &parallel, &cache, &scheduler,
                                           &cluster}) {
    if (!g->options().empty()) out.add(*g);
  }
  return out;
}

void add_engine_options(OptionGroups& g, EngineOptions& o) {
  g.model.add_options()
      ("dtype", po::value(&o.worker.dtype)->default_value("auto"),
       "GPU weights, activations and KV cache: auto (the checkpoint's; float32 runs as bfloat16) | bfloat16 | "
       "float16 | float32 (the CPU computes in float32)")
      ("max-model-len", po::value(&o.worker.max_model_len)->default_value(0),
       "longest prompt + output in tokens (0: the model's)")
      ("seed", po::value(&o.seed)->default_value(-1), "base seed for requests without one (-1: random)")
      ("enforce-eager", po::bool_switch(&o.worker.enforce_eager),
       "run every step eagerly: no CUDA graphs for decode steps");
  g.load.add_options()
      ("load-format", po::value(&o.worker.load_format)->default_value("auto"),
       "auto | safetensors | dummy (random weights of the model's shapes)");
  g.device.add_options()
      ("device", po::value(&o.cluster.device)->default_value("auto"),
       "auto (cuda where a GPU is visible, else cpu) | cuda (one GPU per worker rank) | cpu")
      ("threads", po::value(&o.worker.threads)->default_value(0),
       "CPU compute threads per rank (0: its share of the node's cores)");
  g.parallel.add_options()
      // Boost 1.74 prints only the first of several long names, so the description names vLLM's.
      ("tp,tensor-parallel-size", po::value(&o.cluster.tp)->default_value(1),
       "tensor-parallel ranks per stage (also --tensor-parallel-size)")
      ("pp,pipeline-parallel-size", po::value(&o.cluster.pp)->default_value(1),
       "pipeline stages (also --pipeline-parallel-size)")
      ("pp-layer-partition", po::value(&o.layer_partition), "layers per stage, e.g. 10,14 (default: even split)")
      ("allow-cross-node-tp", po::bool_switch(&o.cluster.allow_cross_node_tp),
       "allow a tensor-parallel group to span nodes");
  g.cache.add_options()
      ("block-size", po::value(&o.worker.block_size)->default_value(16), "tokens per KV-cache block")
      ("gpu-memory-utilization", po::value(&o.worker.gpu_memory_utilization)->default_value(0.9, "0.9"),
       "share of each GPU's memory for weights, activations and the KV cache")
      ("kv-cache-memory", po::value(&o.kv_cache_gib)->default_value(0.0),
       "GiB of KV cache per rank (0: 2 GiB on the CPU; on a GPU, what --gpu-memory-utilization leaves)")
      ("num-kv-blocks", po::value(&o.worker.num_kv_blocks)->default_value(0),
       "KV blocks per rank (0: from the memory; else overrides --kv-cache-memory)")
      ("no-enable-prefix-caching", po::bool_switch(&o.no_prefix_caching), "turn automatic prefix caching off");
  g.scheduler.add_options()
      ("max-num-seqs", po::value(&o.max_num_seqs)->default_value(256), "running sequences at most")
      ("max-num-batched-tokens", po::value(&o.max_num_batched_tokens)->default_value(2048), "tokens per step at most")
      ("long-prefill-token-threshold", po::value(&o.long_prefill_token_threshold)->default_value(0),
       "prompt tokens of one sequence per step at most (0: no limit)")
      ("scheduling-policy", po::value(&o.scheduling_policy)->default_value("fcfs"),
       "fcfs | priority (lower `priority` first)")
      ("max-num-queued-requests", po::value(&o.max_num_queued_requests)->default_value(1024),
       "waiting requests at most; beyond it new ones get 503")
      ("max-num-queued-tokens", po::value(&o.max_num_queued_tokens)->default_value(4 * 1024 * 1024),
       "prompt tokens of waiting requests at most; beyond it new ones get 503");
  g.cluster.add_options()
      ("host-ip", po::value(&o.cluster.host_ip),
       "the head's control-plane address (default: --ifname's, else picked from the routes)")
      ("ifname", po::value(&o.cluster.ifname), "network interface of the head's control-plane address")
      ("rendezvous-timeout", po::value(&o.rendezvous_timeout_s)->default_value(60),
       "seconds for every rank to report at startup")
      ("load-timeout", po::value(&o.load_timeout_s)->default_value(900),
       "seconds for every rank to load its shard of the weights")
      ("handshake-timeout", po::value(&o.handshake_timeout_s)->default_value(60),
       "seconds for every worker to connect to the head's control plane")
      ("warmup-timeout", po::value(&o.warmup_timeout_s)->default_value(300),
       "seconds for the warm-up step every worker runs before serving")
      ("worker-timeout", po::value(&o.worker_timeout_s)->default_value(5),
       "seconds of silence before a rank is declared dead")
      ("step-timeout", po::value(&o.step_timeout_s)->default_value(300),
       "seconds one step may take before the engine fails");
}

void finish_engine_options(EngineOptions& o) {
  LLMC_CHECK(o.kv_cache_gib >= 0) << "--kv-cache-memory must not be negative, got " << o.kv_cache_gib;
  o.worker.kv_cache_bytes_given = o.kv_cache_gib > 0;
  o.worker.kv_cache_bytes = static_cast<int64_t>((o.kv_cache_gib > 0 ? o.kv_cache_gib : 2.0) * (1 << 30));
  LLMC_CHECK(o.cluster.device == "auto" || o.cluster.device == "cpu" || o.cluster.device == "cuda")
      << "--device must be auto, cuda or cpu, got '" << o.cluster.device << "'";
  if (o.cluster.device == "auto") o.cluster.device = cuda_device_count() > 0 ? "cuda" : "cpu";
  o.worker.device = o.cluster.device;
  resolve_cuda_dtype(o.worker.dtype, "bfloat16");  // throws for an unknown --dtype on every rank alike
  LLMC_CHECK(o.worker.gpu_memory_utilization > 0 && o.worker.gpu_memory_utilization <= 1)
      << "--gpu-memory-utilization must be in (0, 1], got " << o.worker.gpu_memory_utilization;
  o.worker.max_num_batched_tokens = o.max_num_batched_tokens;
  o.worker.max_num_seqs = o.max_num_seqs;
  o.cluster.worker_timeout = std::chrono::seconds(o.worker_timeout_s);
  o.cluster.handshake_timeout = std::chrono::seconds(o.handshake_timeout_s);
  o.cluster.rendezvous_timeout = std::chrono::seconds(o.rendezvous_timeout_s);
  o.cluster.load_timeout = std::chrono::seconds(o.load_timeout_s);
  o.cluster.warmup_timeout = std::chrono::seconds(o.warmup_timeout_s);
  LLMC_CHECK(o.handshake_timeout_s >= 1) << "--handshake-timeout must be positive";
  LLMC_CHECK(o.rendezvous_timeout_s >= 1) << "--rendezvous-timeout must be positive";
  LLMC_CHECK(o.load_timeout_s >= 1) << "--load-timeout must be positive";
  LLMC_CHECK(o.warmup_timeout_s >= 1) << "--warmup-timeout must be positive";
  LLMC_CHECK(o.worker_timeout_s >= 2) << "--worker-timeout must be at least 2 seconds";
  LLMC_CHECK(o.step_timeout_s >= 1) << "--step-timeout must be positive";
  o.cluster.layer_partition.clear();
  std::stringstream in(o.layer_partition);
  for (std::string item; std::getline(in, item, ',');) {
    try {
      o.cluster.layer_partition.push_back(std::stoll(item));
    } catch (const std::exception&) {
      LLMC_FAIL() << "--pp-layer-partition must be a comma-separated list of layer counts, got '" << o.layer_partition
                  << "'";
    }
  }
}

EngineConfig make_engine_config(const EngineOptions& o, int64_t max_model_len, int64_t vocab_size,
                                const std::vector<int64_t>& eos_token_ids, int64_t num_kv_blocks) {
  // As vLLM refuses to start: a sequence of max_model_len tokens must fit the cache, or requests near that
  // length would be accepted and then never run.
  const int64_t capacity = num_kv_blocks * o.worker.block_size;
  LLMC_CHECK(capacity >= max_model_len)
      << "the KV cache holds " << capacity << " tokens (" << num_kv_blocks << " blocks of " << o.worker.block_size
      << (o.worker.num_kv_blocks > 0 ? "; --num-kv-blocks" : "; --kv-cache-memory " + std::to_string(o.worker.kv_cache_bytes >> 20) + " MiB")
      << " per rank), fewer than the model length " << max_model_len << ": raise "
      << (o.worker.num_kv_blocks > 0 ? "--num-kv-blocks" : "--kv-cache-memory") << " or pass --max-model-len "
      << capacity << " or less";
  EngineConfig c;
  c.scheduler.block_size = static_cast<int32_t>(o.worker.block_size);
  c.scheduler.max_num_batched_tokens = o.max_num_batched_tokens;
  c.scheduler.max_num_seqs = o.max_num_seqs;
  c.scheduler.max_model_len = static_cast<int32_t>(max_model_len);
  c.scheduler.long_prefill_token_threshold = o.long_prefill_token_threshold;
  c.scheduler.enable_prefix_caching = !o.no_prefix_caching;
  LLMC_CHECK(o.scheduling_policy == "fcfs" || o.scheduling_policy == "priority")
      << "--scheduling-policy must be fcfs or priority, got '" << o.scheduling_policy << "'";
  c.scheduler.policy = o.scheduling_policy == "fcfs" ? SchedulingPolicy::kFcfs : SchedulingPolicy::kPriority;
  c.scheduler.max_plans_in_flight = o.cluster.pp;
  c.step_timeout = std::chrono::seconds(o.step_timeout_s);
  for (int64_t id : eos_token_ids) c.scheduler.eos_token_ids.push_back(static_cast<int32_t>(id));
  c.max_num_queued_requests = o.max_num_queued_requests;
  c.max_num_queued_tokens = o.max_num_queued_tokens;
  c.vocab_size = static_cast<int32_t>(vocab_size);
  if (o.seed >= 0) c.seed = static_cast<uint64_t>(o.seed);
  c.validate();
  return c;
}

}  // namespace llmc
