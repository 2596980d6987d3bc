#include "runtime/cluster/cluster.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "common/check.h"
#include "runtime/cluster/remote_executor.h"
#include "runtime/comm/mpi_communicator.h"
#include "runtime/comm/nccl/host_staged_communicator.h"
#include "runtime/comm/nccl/nccl_communicator.h"
#include "runtime/comm/rendezvous.h"
#include "runtime/worker/in_process_executor.h"
#include "runtime/worker/worker_loop.h"

namespace llmc {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
constexpr const char* kError = "!";

}  // namespace

std::unique_ptr<Cluster> Cluster::start(const ClusterOptions& options, const WorkerOptions& worker_options,
                                        const ModelConfig& model, int world_rank, int world_size) {
  std::unique_ptr<Cluster> c(new Cluster());
  c->options_ = options;
  c->boot_ = bootstrap_cluster(options, model, world_rank, world_size);
  WorkerOptions wo = worker_options;
  if (wo.threads <= 0) wo.threads = c->boot_.binding.num_cores;
  wo.device = options.device;
  if (options.device == "cuda") {
    wo.cuda_device = std::max(0, c->boot_.cuda_device);
    // Ranks that share a GPU (TP/PP on one GPU through the host-staged communicator) split its memory share.
    const int gpus = std::max(1, cuda_device_count());
    wo.ranks_per_gpu = (c->boot_.local_size + gpus - 1) / gpus;
  }
  if (world_rank == 0) spdlog::info("device: {}{}", options.device, options.device == "cuda" ? ", dtype " + wo.dtype : "");
  if (world_size == 1) {
    // One process: no control plane; the worker runs behind the in-process executor.
    auto tp = std::make_unique<SingleRankCommunicator>();
    c->worker_ = std::make_unique<Worker>(wo, model, c->boot_.parallel.shard(), *tp, nullptr, true);
    c->worker_->warm_up();
    c->tp_comm_ = std::move(tp);
    c->num_kv_blocks_ = c->worker_->num_kv_blocks();
    c->max_model_len_ = c->worker_->max_model_len();
    c->executor_ = std::make_unique<InProcessExecutor>(c->worker_->take_runner());
    return c;
  }
  c->make_communicators();
  const std::string report = c->load_and_report(wo, model);
  const std::vector<std::string> reports = gather_at_head(report, "loading weights", options.load_timeout);
  std::string connection = c->is_head() ? c->open_control_plane(reports) : "";
  // Workers wait here while the head still gathers the slowest rank's load report, so their deadline covers
  // the whole load phase, not only the broadcast.
  connection = broadcast_from_head(connection, "opening the control plane",
                                   options.load_timeout + options.rendezvous_timeout);
  if (connection.rfind(kError, 0) == 0) fail_collectively(connection.substr(1), c->is_head());
  c->warm_up_workers();
  c->connect_worker(connection);
  if (c->is_head()) c->start_remote_executor();
  return c;
}

Cluster::~Cluster() {
  if (!local_worker_.joinable()) return;
  // After a failure worker 0 may be stuck in a collective with a dead rank; do not wait for it forever, so
  // the caller can report the failure and end the job.
  if (local_worker_done_.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready) {
    local_worker_.join();
  } else {
    spdlog::error("worker 0 (beside the head) did not stop: a peer rank is probably gone");
    local_worker_.detach();
  }
}

// Every worker runs one warm-up step at once (the step's collectives need them all), on a thread so that a
// rank stuck in a collective with a missing peer is reported at the deadline instead of hanging the head. Any
// failure ends the job: a plain error, so main aborts the ranks that may be stuck.
void Cluster::warm_up_workers() {
  const auto deadline = Clock::now() + options_.warmup_timeout;
  std::string mine;
  if (boot_.parallel.is_worker()) {
    auto done = std::make_shared<std::promise<std::string>>();
    std::future<std::string> result = done->get_future();
    std::thread([worker = worker_.get(), done] {
      try {
        worker->warm_up();
        done->set_value("");
      } catch (const std::exception& e) {
        done->set_value(e.what());
      }
    }).detach();  // joined through the future; left behind only when the job is about to be aborted
    if (result.wait_until(deadline) == std::future_status::ready) {
      mine = result.get();
    } else {
      mine = "its warm-up step did not finish within " + std::to_string(options_.warmup_timeout.count()) +
             " s (stuck in a collective with a rank that is gone or stuck?)";
    }
  }
  const auto left = std::max(std::chrono::seconds(1),
                             std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now()));
  const std::vector<std::string> reports = gather_at_head(mine, "warm-up", left);
  if (is_head()) {
    std::ostringstream errors;
    for (size_t r = 0; r < reports.size(); ++r) {
      if (!reports[r].empty()) errors << "; rank " << r << " (" << boot_.ranks[r].hostname << "): " << reports[r];
    }
    LLMC_CHECK(errors.str().empty()) << "warm-up step failed: " << errors.str().substr(2);
  }
  broadcast_from_head("ok", "warm-up", left + options_.rendezvous_timeout);
}

void Cluster::make_communicators() {
  ParallelGroups groups = split_parallel_groups(boot_.parallel);
  tp_comm_ = std::move(groups.tp);
  pp_comm_ = std::move(groups.pp);
  if (options_.device != "cuda" || !boot_.parallel.is_worker()) return;
  // GPU ranks: NCCL where every rank of a group has a GPU of its own; host-staged MPI where ranks share one
  // (NCCL refuses two ranks on one device). Each group decides together, so its members never disagree.
  const bool own_gpu = boot_.local_size <= cuda_device_count();
  tp_comm_ = gpu_communicator(std::move(tp_comm_), own_gpu, "tensor-parallel group of stage " +
                                                                std::to_string(boot_.parallel.stage()));
  if (pp_comm_) {
    pp_comm_ = gpu_communicator(std::move(pp_comm_), own_gpu, "pipeline of tensor rank " +
                                                                  std::to_string(boot_.parallel.tp_rank()));
  }
}

std::unique_ptr<Communicator> Cluster::gpu_communicator(std::unique_ptr<Communicator> group, bool own_gpu,
                                                        const std::string& name) {
  if (group->size() == 1) return make_host_staged_communicator(std::move(group));
  // Every member learns whether all of them have a GPU of their own (a sum of "shares a GPU" flags).
  std::shared_ptr<std::byte> flag_storage(new std::byte[sizeof(float)](), std::default_delete<std::byte[]>());
  Tensor flag(flag_storage, 0, ScalarType::kF32, {1}, DeviceKind::kCpu);
  *flag.data<float>() = own_gpu ? 0.0f : 1.0f;
  group->all_reduce_sum(flag);
  if (*flag.data<float>() > 0.0f) {
    if (group->rank() == 0) {
      spdlog::info("{}: ranks share a GPU, so its tensors go through host memory over MPI (NCCL needs one GPU per "
                   "rank)", name);
    }
    return make_host_staged_communicator(std::move(group));
  }
  NcclOptions o;
  o.device = std::max(0, boot_.cuda_device);
  o.group_name = name;
  o.init_timeout = options_.rendezvous_timeout + std::chrono::seconds(60);
  auto nccl = make_nccl_communicator(*group, o);
  nccl_bootstrap_.push_back(std::move(group));  // NCCL's bootstrap group stays alive with it
  return nccl;
}

// Loads this rank's shard; the report tells the head its KV blocks and CURVE public key, or "!" and the error.
std::string Cluster::load_and_report(const WorkerOptions& wo, const ModelConfig& model) {
  const ParallelConfig& p = boot_.parallel;
  try {
    json report = {{"rank", p.world_rank}};
    if (p.is_worker()) {
      const bool samples = p.worker_index() == p.sampling_worker();
      worker_ = std::make_unique<Worker>(wo, model, p.shard(), *tp_comm_, p.pp > 1 ? pp_comm_.get() : nullptr, samples);
      report["blocks"] = worker_->num_kv_blocks();
      report["max_model_len"] = worker_->max_model_len();
      keys_ = generate_curve_keys();  // the secret key never leaves this rank
      report["curve_public"] = keys_.public_key;
    }
    return report.dump();
  } catch (const std::exception& e) {
    return std::string(kError) + e.what();
  }
}

std::string Cluster::open_control_plane(const std::vector<std::string>& reports) {
  std::ostringstream errors;
  std::set<std::string> allowed;
  HeadControlOptions control_options;
  num_kv_blocks_ = INT64_MAX;
  for (size_t r = 0; r < reports.size(); ++r) {
    if (reports[r].rfind(kError, 0) == 0) {
      errors << "; rank " << r << " (" << boot_.ranks[r].hostname << "): " << reports[r].substr(1);
      continue;
    }
    const json j = json::parse(reports[r]);
    if (!j.contains("blocks")) continue;  // the dedicated head
    num_kv_blocks_ = std::min<int64_t>(num_kv_blocks_, j["blocks"].get<int64_t>());
    max_model_len_ = j["max_model_len"].get<int64_t>();
    allowed.insert(j["curve_public"].get<std::string>());
    // A message counts only when its connection's key is its sender rank's: one worker cannot speak for another.
    control_options.rank_keys[static_cast<int32_t>(r)] = j["curve_public"].get<std::string>();
    worker_ranks_.push_back(static_cast<int>(r));
    worker_names_[static_cast<int>(r)] = boot_.ranks[r].hostname + " (" + boot_.ranks[r].address + ")";
  }
  if (!errors.str().empty()) return std::string(kError) + "loading the model failed: " + errors.str().substr(2);
  try {
    const CurveKeys server = generate_curve_keys();
    head_control_ = std::make_unique<HeadControl>(boot_.head_address, server, allowed, control_options);
    spdlog::info("control plane: plans on {}, results on {}; {} KV blocks per rank", head_control_->plan_endpoint(),
                 head_control_->result_endpoint(), num_kv_blocks_);
    return json{{"plans", head_control_->plan_endpoint()},
                {"results", head_control_->result_endpoint()},
                {"server_public", server.public_key}}
        .dump();
  } catch (const std::exception& e) {
    return std::string(kError) + "opening the control plane on " + boot_.head_address + ": " + e.what();
  }
}

void Cluster::connect_worker(const std::string& connection) {
  const ParallelConfig& p = boot_.parallel;
  if (!p.is_worker()) return;
  const json j = json::parse(connection);
  head_endpoint_ = j["plans"].get<std::string>();
  worker_control_ = std::make_unique<WorkerControl>(p.world_rank, j["plans"].get<std::string>(),
                                                    j["results"].get<std::string>(),
                                                    j["server_public"].get<std::string>(), keys_);
  if (p.is_head()) {
    // Worker 0 beside the head: its loop runs on a thread of this process, a client like any other.
    local_worker_ = std::thread([this] {
      try {
        run_worker();
      } catch (const std::exception& e) {
        spdlog::error("worker 0 (beside the head): {}", e.what());
      }
      local_worker_done_.set_value();
    });
  }
}

void Cluster::start_remote_executor() {
  head_control_->handshake(worker_ranks_, Clock::now() + options_.handshake_timeout);
  RemoteExecutorOptions o;
  o.sampling_rank = boot_.parallel.world_rank_of_worker(boot_.parallel.sampling_worker());
  o.workers = worker_names_;
  o.worker_timeout = options_.worker_timeout;
  executor_ = std::make_unique<RemoteExecutor>(std::move(head_control_), o);
  spdlog::info("ready: {} worker rank(s) connected", worker_ranks_.size());
}

void Cluster::run_worker() {
  const ParallelConfig& p = boot_.parallel;
  LLMC_CHECK(worker_ && worker_control_) << "rank " << p.world_rank << " holds no model shard";
  auto runner = worker_->take_runner();
  WorkerLoopOptions o;
  o.reports_results = p.worker_index() == p.sampling_worker();
  o.head_timeout = options_.worker_timeout;
  o.first_contact_timeout = options_.handshake_timeout + options_.worker_timeout;
  o.head_endpoint = head_endpoint_;
  run_worker_loop(*worker_control_, *runner, o);
}

}  // namespace llmc
