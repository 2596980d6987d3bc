#include "launch/engine_options.h"

#include "common/check.h"

namespace llmc {

namespace po = boost::program_options;

void add_engine_options(po::options_description& desc, EngineOptions& o) {
  desc.add_options()
      ("tp,tensor-parallel-size", po::value(&o.tp)->default_value(1), "tensor-parallel ranks per stage")
      ("pp,pipeline-parallel-size", po::value(&o.pp)->default_value(1), "pipeline stages")
      ("load-format", po::value(&o.worker.load_format)->default_value("auto"), "auto | safetensors | dummy (random weights)")
      ("block-size", po::value(&o.worker.block_size)->default_value(16), "tokens per KV-cache block")
      ("max-model-len", po::value(&o.worker.max_model_len)->default_value(0), "longest prompt + output (0: the model's)")
      ("kv-cache-memory", po::value(&o.kv_cache_gib)->default_value(2.0), "GiB of KV cache per rank")
      ("num-kv-blocks", po::value(&o.worker.num_kv_blocks)->default_value(0), "KV blocks per rank (overrides --kv-cache-memory)")
      ("max-num-seqs", po::value(&o.max_num_seqs)->default_value(256), "running sequences at most")
      ("max-num-batched-tokens", po::value(&o.max_num_batched_tokens)->default_value(2048), "tokens per step at most")
      ("long-prefill-token-threshold", po::value(&o.long_prefill_token_threshold)->default_value(0),
       "prompt tokens of one sequence per step at most (0: no limit)")
      ("max-num-queued-requests", po::value(&o.max_num_queued_requests)->default_value(1024),
       "waiting requests at most; beyond it new ones are refused")
      ("no-enable-prefix-caching", po::bool_switch(&o.no_prefix_caching), "turn automatic prefix caching off")
      ("scheduling-policy", po::value(&o.scheduling_policy)->default_value("fcfs"), "fcfs | priority")
      ("seed", po::value(&o.seed)->default_value(-1), "base seed for requests without one (-1: random)")
      ("threads", po::value(&o.worker.threads)->default_value(0), "CPU compute threads per rank (0: all cores)");
}

EngineConfig make_engine_config(const EngineOptions& o, int64_t max_model_len, int64_t vocab_size,
                                const std::vector<int64_t>& eos_token_ids) {
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
  c.scheduler.max_plans_in_flight = o.pp;
  for (int64_t id : eos_token_ids) c.scheduler.eos_token_ids.push_back(static_cast<int32_t>(id));
  c.max_num_queued_requests = o.max_num_queued_requests;
  c.vocab_size = static_cast<int32_t>(vocab_size);
  if (o.seed >= 0) c.seed = static_cast<uint64_t>(o.seed);
  c.validate();
  return c;
}

}  // namespace llmc
