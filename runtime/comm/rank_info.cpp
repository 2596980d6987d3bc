#include "runtime/comm/rank_info.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <map>
#include <sstream>

#include "common/check.h"

namespace llmc {

std::string RankInfo::to_json() const {
  nlohmann::json j = {{"rank", rank},       {"role", role},       {"hostname", hostname}, {"address", address},
                      {"ifname", ifname},   {"device", device},   {"version", version},   {"mpi", mpi_version},
                      {"libraries", libraries},
                      {"model", model_hash}, {"stage", stage},    {"tp_rank", tp_rank},   {"binding", binding}};
  return j.dump();
}

RankInfo RankInfo::from_json(const std::string& text) {
  const auto j = nlohmann::json::parse(text);
  RankInfo r;
  r.rank = j.at("rank");
  r.role = j.at("role");
  r.hostname = j.at("hostname");
  r.address = j.at("address");
  r.ifname = j.at("ifname");
  r.device = j.at("device");
  r.version = j.at("version");
  r.mpi_version = j.at("mpi");
  r.libraries = j.at("libraries");
  r.model_hash = j.at("model");
  r.stage = j.at("stage");
  r.tp_rank = j.at("tp_rank");
  r.binding = j.at("binding");
  return r;
}

void check_rank_infos(const std::vector<RankInfo>& ranks, const ParallelConfig& parallel, bool allow_cross_node_tp,
                      bool allow_shared_gpus) {
  std::ostringstream problems;
  const RankInfo& head = ranks.at(0);
  for (const RankInfo& r : ranks) {
    if (r.version != head.version) {
      problems << "; rank " << r.rank << " runs llm-cluster " << r.version << " but the head runs " << head.version;
    }
    if (r.mpi_version != head.mpi_version) {
      problems << "; rank " << r.rank << " uses " << r.mpi_version << " but the head uses " << head.mpi_version;
    }
    if (r.libraries != head.libraries) {
      problems << "; rank " << r.rank << " on " << r.hostname << " has " << r.libraries << " but the head has "
               << head.libraries;
    }
    if (r.model_hash != head.model_hash) {
      problems << "; rank " << r.rank << " on " << r.hostname << " loaded a different config.json than the head";
    }
  }
  std::map<std::string, int> devices;  // host/device -> first rank
  for (const RankInfo& r : ranks) {
    if (r.device == "cpu" || r.stage < 0) continue;  // CPU ranks share a host's cores by binding, not a device
    const std::string key = r.hostname + "/" + r.device;
    auto [it, inserted] = devices.emplace(key, r.rank);
    if (inserted) continue;
    if (allow_shared_gpus) {
      spdlog::warn("ranks {} and {} share {}: their tensors go through host memory over MPI (NCCL needs a GPU "
                   "per rank), so this layout is for testing, not speed", it->second, r.rank, key);
    } else {
      problems << "; ranks " << it->second << " and " << r.rank << " both use " << key;
    }
  }
  if (!allow_cross_node_tp) {
    std::map<int, std::string> stage_host;
    for (const RankInfo& r : ranks) {
      if (r.stage < 0) continue;
      auto [it, inserted] = stage_host.emplace(r.stage, r.hostname);
      if (!inserted && it->second != r.hostname) {
        problems << "; pipeline stage " << r.stage << " spans hosts " << it->second << " and " << r.hostname
                 << " (tensor parallelism across nodes is slow: pass --allow-cross-node-tp to accept it)";
      }
    }
  }
  const std::string text = problems.str();
  LLMC_CHECK(text.empty()) << "refusing to start " << parallel.describe() << ": " << text.substr(2);
}

std::string format_rank_table(const std::vector<RankInfo>& ranks) {
  std::ostringstream s;
  size_t device_width = 8;  // "cuda:0 NVIDIA H200" is wider than "cpu"
  for (const RankInfo& r : ranks) device_width = std::max(device_width, r.device.size());
  s << "rank  role              host            address          if       " << std::string("device").append(device_width - 6, ' ')
    << " stage tp  cores\n";
  for (const RankInfo& r : ranks) {
    char line[512];
    std::snprintf(line, sizeof(line), "%-5d %-17s %-15s %-16s %-8s %-*s %-5s %-3s %s\n", r.rank, r.role.c_str(),
                  r.hostname.c_str(), r.address.c_str(), r.ifname.c_str(), static_cast<int>(device_width), r.device.c_str(),
                  r.stage < 0 ? "-" : std::to_string(r.stage).c_str(),
                  r.tp_rank < 0 ? "-" : std::to_string(r.tp_rank).c_str(), r.binding.c_str());
    s << line;
  }
  return s.str();
}

}  // namespace llmc
