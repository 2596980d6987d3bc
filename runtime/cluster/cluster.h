// A distributed run from the point of view of one rank: `Cluster::start` does every startup phase
// (topology, rank reports, tensor/pipeline communicators, weight loading, CURVE key exchange, control-plane
// handshake), each with a deadline, and leaves the rank ready for its role:
//   - the head: take_executor() feeds the engine loop (in-process for a single rank, ZeroMQ otherwise); with
//     the head beside worker 0, worker 0 runs on a thread of this process;
//   - every other rank: run_worker() executes plans until the head shuts the job down.
// Collective over MPI_COMM_WORLD: every rank constructs it with the same options.
#pragma once

#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>
#include <future>
#include <thread>

#include "engine/core/model_config.h"
#include "runtime/cluster/cluster_bootstrap.h"
#include "runtime/comm/control/control_plane.h"
#include "runtime/comm/executor.h"
#include "runtime/worker/worker_setup.h"

namespace llmc {

class Communicator;

class Cluster {
 public:
  static std::unique_ptr<Cluster> start(const ClusterOptions& options, const WorkerOptions& worker_options,
                                        const ModelConfig& model, int world_rank, int world_size);
  ~Cluster();

  bool is_head() const { return boot_.parallel.is_head(); }
  const ParallelConfig& parallel() const { return boot_.parallel; }
  int64_t num_kv_blocks() const { return num_kv_blocks_; }   // head: the minimum over workers
  int64_t max_model_len() const { return max_model_len_; }
  // Head: the executor for the engine loop (once).
  std::unique_ptr<Executor> take_executor() { return std::move(executor_); }
  // Non-head ranks: runs plans until shutdown. Throws when the head is lost or a step fails.
  void run_worker();

 private:
  Cluster() = default;
  void make_communicators();
  std::unique_ptr<Communicator> gpu_communicator(std::unique_ptr<Communicator> group, bool own_gpu,
                                                 const std::string& name);
  void warm_up_workers();
  std::string load_and_report(const WorkerOptions& options, const ModelConfig& model);
  // Head: checks the load reports, opens the control plane and broadcasts how to reach it.
  std::string open_control_plane(const std::vector<std::string>& load_reports);
  void connect_worker(const std::string& connection);
  void start_remote_executor();

  ClusterOptions options_;
  BootstrapResult boot_;
  std::unique_ptr<Communicator> tp_comm_, pp_comm_;
  std::vector<std::unique_ptr<Communicator>> nccl_bootstrap_;
  std::unique_ptr<Worker> worker_;
  CurveKeys keys_;
  std::string head_endpoint_;                 // workers: the head's plan endpoint, for messages
  std::map<int, std::string> worker_names_;   // head: world rank -> "host (address)"
  std::vector<int> worker_ranks_;             // head: world ranks of the workers
  std::unique_ptr<HeadControl> head_control_;
  std::unique_ptr<WorkerControl> worker_control_;
  std::unique_ptr<Executor> executor_;
  std::thread local_worker_;  // head beside worker 0: worker 0's loop
  std::promise<void> local_worker_done_;
  int64_t num_kv_blocks_ = 0;
  int64_t max_model_len_ = 0;
};

}  // namespace llmc
