// The first startup phases of a distributed run, on every rank: the topology (validated identically on every
// rank, so a bad --tp/--pp fails everywhere with one message printed once), the rank reports gathered at the
// head and checked, and the head's control-plane address chosen and broadcast. Each phase has a deadline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/check.h"
#include "engine/core/model_config.h"
#include "runtime/comm/parallel_config.h"
#include "runtime/comm/rank_info.h"
#include "runtime/worker/cpu_binding.h"

namespace llmc {

struct ClusterOptions {
  int tp = 1;
  int pp = 1;
  std::vector<int64_t> layer_partition;
  std::string host_ip;
  std::string ifname;
  bool allow_cross_node_tp = false;
  bool allow_shared_gpus = true;  // serve/generate: ranks may share a GPU (host-staged); doctor measures NCCL: no
  std::string device = "cpu";  // "cpu" or "cuda": a CUDA rank takes GPU (local rank % GPUs on its host)
  std::chrono::seconds rendezvous_timeout{60};
  std::chrono::seconds load_timeout{900};
  std::chrono::seconds warmup_timeout{300};  // one forward step on every worker, before the control plane
  std::chrono::seconds handshake_timeout{60};
  // The head declares a worker dead when it has heard nothing from it for this long (heartbeats every second).
  std::chrono::seconds worker_timeout{5};
};

struct BootstrapResult {
  ParallelConfig parallel;
  std::string head_address;  // where the head binds the control plane and workers connect
  RankInfo self;
  std::vector<RankInfo> ranks;  // every rank's report (head only)
  CpuBinding binding;
  int local_rank = 0;    // among the ranks on this host
  int local_size = 1;
  int cuda_device = -1;  // this rank's GPU when options.device is "cuda" (workers only)
};

// Collective over MPI_COMM_WORLD. Throws llmc::Error on the rank(s) that found the problem; the caller
// (main) prints it and exits non-zero. A topology error is found by every rank; a rank-report error by the
// head, which broadcasts it so the other ranks exit too.
BootstrapResult bootstrap_cluster(const ClusterOptions& options, const ModelConfig& model, int world_rank,
                                  int world_size);

// A startup failure every rank knows about (a bad topology, or a verdict the head broadcast): the head prints
// it (as CollectiveError), the other ranks get PeerFailed and exit quietly; nobody needs to abort the job.
class CollectiveError : public Error {
 public:
  using Error::Error;
};
class PeerFailed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws CollectiveError(message) on the head and PeerFailed elsewhere.
[[noreturn]] void fail_collectively(const std::string& message, bool is_head);

// A startup step every rank does on its own (reading config.json, parsing options) whose failure may differ
// between ranks (a model folder missing on one node): each rank passes its own error ("" when fine); the head
// gathers them within `timeout` and, if any failed, every rank fails collectively with one message naming the
// ranks and hosts. Without this, a rank failing alone would leave the others waiting in the next collective.
void agree_on_local_step(const std::string& local_error, const char* phase, std::chrono::seconds timeout,
                         int world_rank, int world_size);

}  // namespace llmc
