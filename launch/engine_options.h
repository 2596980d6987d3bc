// Command-line options shared by every subcommand that runs the model (serve, generate, doctor), with
// vLLM's names and defaults where vLLM has the option.
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>

#include "runtime/cluster/cluster_bootstrap.h"
#include "runtime/head/engine_config.h"
#include "runtime/worker/worker_setup.h"

namespace llmc {

struct EngineOptions {
  WorkerOptions worker;
  ClusterOptions cluster;
  std::string layer_partition;  // "2,3"
  int worker_timeout_s = 5;
  int step_timeout_s = 300;
  int handshake_timeout_s = 60;
  int rendezvous_timeout_s = 60;
  int load_timeout_s = 900;
  int warmup_timeout_s = 300;
  double kv_cache_gib = 0.0;  // 0: 2 GiB on the CPU, the memory plan on a GPU
  int32_t max_num_seqs = 256;
  int32_t max_num_batched_tokens = 2048;
  int32_t long_prefill_token_threshold = 0;
  int32_t max_num_queued_requests = 1024;
  int64_t max_num_queued_tokens = 4 * 1024 * 1024;
  bool no_prefix_caching = false;
  std::string scheduling_policy = "fcfs";
  int64_t seed = -1;
};

// Option groups, titled and ordered as vLLM's `vllm serve --help` groups its flags (Frontend, ModelConfig,
// LoadConfig, ParallelConfig, CacheConfig, SchedulerConfig), plus two of ours (DeviceConfig as older vLLM had
// it, and Cluster: the control plane and the startup deadlines). Each subcommand fills the groups it uses.
struct OptionGroups {
  explicit OptionGroups(std::string usage);
  std::string usage;                                    // the first line of --help
  boost::program_options::options_description general;  // untitled, first: --help, the subcommand's own
  boost::program_options::options_description frontend, model, load, device, parallel, cache, scheduler,
      cluster;
  // Every option of the non-empty groups, in the order above; printed, it is the --help text.
  boost::program_options::options_description all() const;
};

// Fills model, load, device, parallel, cache, scheduler and cluster.
void add_engine_options(OptionGroups& groups, EngineOptions& o);

// Fills the derived fields after parsing (byte budgets, the layer partition list).
void finish_engine_options(EngineOptions& o);

// The head's engine configuration for a model with `max_model_len` and `vocab_size`; eos ids from the model;
// `num_kv_blocks` the cache every worker holds. Throws when one max_model_len sequence cannot fit the cache.
EngineConfig make_engine_config(const EngineOptions& o, int64_t max_model_len, int64_t vocab_size,
                                const std::vector<int64_t>& eos_token_ids, int64_t num_kv_blocks);

}  // namespace llmc
