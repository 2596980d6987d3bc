#include "runtime/cluster/cluster_bootstrap.h"

#include <hwloc.h>
#include <mpi.h>
#include <spdlog/spdlog.h>
#include <zmq.h>

#include <algorithm>
#include <tuple>

#include "common/check.h"
#include "common/version.h"
#include "runtime/comm/mpi_session.h"
#include "runtime/comm/nccl/nccl_communicator.h"
#include "runtime/comm/net_interface.h"
#include "runtime/comm/rendezvous.h"

namespace llmc {
namespace {

constexpr const char* kOk = "ok";

// Rank within this host, and ranks on this host.
std::pair<int, int> local_rank_and_size() {
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  int r = 0, s = 1;
  MPI_Comm_rank(local, &r);
  MPI_Comm_size(local, &s);
  MPI_Comm_free(&local);
  return {r, s};
}

std::string role_of(const ParallelConfig& p) {
  if (p.is_head()) return p.is_worker() ? "head+worker 0" : "head";
  return "worker " + std::to_string(p.worker_index());
}

// The head broadcasts "ok" or the error text; every rank throws on an error (the head with the message,
// the others quietly, as the head has printed it).
void agree(const std::string& head_verdict, const char* phase, std::chrono::seconds timeout, bool is_head) {
  const std::string verdict = broadcast_from_head(head_verdict, phase, timeout);
  if (verdict != kOk) fail_collectively(verdict, is_head);
}

// The libraries whose versions must agree across ranks besides MPI (which RankInfo carries on its own).
std::string library_versions(bool cuda) {
  int major = 0, minor = 0, patch = 0;
  zmq_version(&major, &minor, &patch);
  const unsigned hwloc = hwloc_get_api_version();
  std::string s = "ZeroMQ " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch) +
                  ", hwloc " + std::to_string(hwloc >> 16) + "." + std::to_string((hwloc >> 8) & 0xff) + "." +
                  std::to_string(hwloc & 0xff);
  if (cuda) s += ", NCCL " + nccl_version();
  return s;
}

// A CUDA worker's GPU: local rank modulo the host's GPUs (mpirun places consecutive ranks on a host, so a
// host's ranks take its GPUs in order; two ranks on one GPU are refused by the rank checks).
std::pair<int, std::string> choose_cuda_device(int local_rank) {
  const int gpus = cuda_device_count();
  LLMC_CHECK(gpus > 0) << "--device cuda: " << (nccl_built() ? "no CUDA device is visible to this process"
                                                              : "this llm-cluster was built without CUDA/NCCL");
  const int device = local_rank % gpus;
  return {device, "cuda:" + std::to_string(device) + " " + cuda_device_name(device)};
}

// Every GPU of this host (a rank takes local rank % GPUs); none when CUDA is missing, which the device check
// below reports.
std::vector<std::string> local_gpu_bus_ids() {
  std::vector<std::string> ids;
  for (int d = 0; d < cuda_device_count(); ++d) ids.push_back(cuda_pci_bus_id(d));
  return ids;
}

}  // namespace

void fail_collectively(const std::string& message, bool is_head) {
  if (is_head) throw CollectiveError(message);
  throw PeerFailed(message);
}

void agree_on_local_step(const std::string& local_error, const char* phase, std::chrono::seconds timeout,
                         int world_rank, int world_size) {
  if (world_size == 1) {
    if (!local_error.empty()) throw CollectiveError(local_error);
    return;
  }
  const std::string mine = local_error.empty() ? "" : hostname() + "\n" + local_error;
  const std::vector<std::string> all = gather_at_head(mine, phase, timeout);
  std::string verdict = kOk;
  if (world_rank == 0) {
    // The usual case is the same error everywhere (the same files on every node): say it once.
    std::vector<std::pair<std::string, std::string>> failed;  // (ranks on hosts, error)
    for (size_t r = 0; r < all.size(); ++r) {
      if (all[r].empty()) continue;
      const size_t nl = all[r].find('\n');
      const std::string where = std::to_string(r) + " (" + all[r].substr(0, nl) + ")";
      const std::string error = all[r].substr(nl + 1);
      auto same = std::find_if(failed.begin(), failed.end(), [&](const auto& f) { return f.second == error; });
      if (same == failed.end()) {
        failed.emplace_back(where, error);
      } else {
        same->first += ", " + where;
      }
    }
    if (failed.size() == 1 && std::count(all.begin(), all.end(), "") == 0) {
      verdict = failed[0].second;
    } else if (!failed.empty()) {
      verdict.clear();
      for (const auto& [where, error] : failed) verdict += (verdict.empty() ? "" : "; ") + ("rank " + where + ": " + error);
    }
  }
  agree(verdict, phase, timeout, world_rank == 0);
}

BootstrapResult bootstrap_cluster(const ClusterOptions& o, const ModelConfig& model, int world_rank, int world_size) {
  BootstrapResult b;
  try {
    // Every rank reaches the same verdict on the layout and options, so nobody waits for anybody.
    LLMC_CHECK(o.device == "cpu" || o.device == "cuda") << "--device must be cpu or cuda, got '" << o.device << "'";
    b.parallel = ParallelConfig::make(world_size, world_rank, o.tp, o.pp, model, o.layer_partition);
  } catch (const Error& e) {
    fail_collectively(e.what(), world_rank == 0);
  }
  const ParallelConfig& p = b.parallel;
  RankInfo& self = b.self;
  self.rank = world_rank;
  self.role = role_of(p);
  self.hostname = hostname();
  self.device = "cpu";
  self.version = kLlmClusterVersion;
  self.mpi_version = MpiSession::library_version();
  self.model_hash = model.fingerprint();
  self.stage = p.is_worker() ? p.stage() : -1;
  self.tp_rank = p.is_worker() ? p.tp_rank() : -1;

  // Phase 1: hostnames to the head, which picks its address (loopback when the whole job is on its host).
  // This deadline-bounded gather comes before any MPI collective, so a rank that never arrives is named
  // instead of leaving the others stuck in the collective.
  std::vector<std::string> hosts = gather_at_head(self.hostname, "rendezvous", o.rendezvous_timeout);
  std::string head_address;
  std::string verdict = kOk;
  if (p.is_head()) {
    bool all_local = true;
    for (const auto& h : hosts) all_local = all_local && h == self.hostname;
    try {
      head_address = choose_head_address(o.host_ip, o.ifname, all_local);
      if (!all_local && head_address.rfind("127.", 0) == 0) {
        std::string remote;
        for (size_t r = 0; r < hosts.size(); ++r) {
          if (hosts[r] != self.hostname) remote += (remote.empty() ? "" : ", ") + std::to_string(r) + " (" + hosts[r] + ")";
        }
        LLMC_FAIL() << "the head's control-plane address " << head_address << " is a loopback address, but rank(s) "
                    << remote << " run on other hosts and cannot reach it: choose a shared network with --ifname "
                    << "or --host-ip";
      }
    } catch (const Error& e) {
      verdict = e.what();
    }
  }
  agree(verdict, "choosing the head's address", o.rendezvous_timeout, p.is_head());
  std::tie(b.local_rank, b.local_size) = local_rank_and_size();
  b.binding = o.device == "cuda" && p.is_worker() ? bind_near_device(b.local_rank, b.local_size, local_gpu_bus_ids())
                                                  : bind_to_local_share(b.local_rank, b.local_size);
  self.binding = b.binding.cores;
  self.libraries = library_versions(o.device == "cuda");
  b.head_address = broadcast_from_head(head_address, "head address", o.rendezvous_timeout);

  // Phase 2: every rank finds its route to the head and reports; the head checks the reports.
  std::string route_error;
  try {
    self.address = p.is_head() ? b.head_address : local_address_towards(b.head_address);
    self.ifname = interface_of_address(self.address);
    if (o.device == "cuda" && p.is_worker()) std::tie(b.cuda_device, self.device) = choose_cuda_device(b.local_rank);
  } catch (const Error& e) {
    route_error = e.what();
  }
  std::vector<std::string> reports =
      gather_at_head(route_error.empty() ? self.to_json() : "!" + route_error, "rank reports", o.rendezvous_timeout);
  verdict = kOk;
  if (p.is_head()) {
    try {
      for (size_t r = 0; r < reports.size(); ++r) {
        LLMC_CHECK(reports[r].empty() || reports[r][0] != '!') << "rank " << r << ": " << reports[r].substr(1);
        b.ranks.push_back(RankInfo::from_json(reports[r]));
      }
      if (world_size > 1) spdlog::info("{}\n{}", p.describe(), format_rank_table(b.ranks));
      check_rank_infos(b.ranks, p, o.allow_cross_node_tp, o.allow_shared_gpus || o.device != "cuda");
    } catch (const Error& e) {
      verdict = e.what();
    }
  }
  agree(verdict, "checking the rank reports", o.rendezvous_timeout, p.is_head());
  return b;
}

}  // namespace llmc
