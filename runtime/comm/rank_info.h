// What each rank reports at startup, and the head's checks over all of them: the same program and library
// versions everywhere, the same model, no two ranks on one accelerator, and tensor-parallel groups inside a node.
#pragma once

#include <string>
#include <vector>

#include "runtime/comm/parallel_config.h"

namespace llmc {

struct RankInfo {
  int rank = 0;
  std::string role;          // "head", "head+worker 0", "worker 3"
  std::string hostname;
  std::string address;       // the IPv4 address this rank uses for the control plane
  std::string ifname;        // its interface
  std::string device;        // "cpu" or the accelerator's identity (for example "cuda:0 NVIDIA H100")
  std::string version;       // llm-cluster version
  std::string mpi_version;
  std::string libraries;     // "ZeroMQ 4.3.4, hwloc 2.9.0" (+ ", NCCL 2.28.3" on CUDA ranks)
  std::string model_hash;    // ModelConfig::fingerprint
  int stage = -1, tp_rank = -1;
  std::string binding;       // CPU cores this rank is bound to

  std::string to_json() const;
  static RankInfo from_json(const std::string& text);
};

// Throws llmc::Error describing every mismatch or duplicate (mentioning the ranks involved). Ranks that share a
// GPU are a duplicate only without `allow_shared_gpus` (NCCL refuses them; the engine's host-staged
// communicator serves them, slowly, and the head logs a warning naming them).
void check_rank_infos(const std::vector<RankInfo>& ranks, const ParallelConfig& parallel, bool allow_cross_node_tp,
                      bool allow_shared_gpus = false);

// A fixed-width table, one line per rank, for the head's log.
std::string format_rank_table(const std::vector<RankInfo>& ranks);

}  // namespace llmc
