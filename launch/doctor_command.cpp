// `llm-cluster doctor MODEL_DIR --tp T --pp P [--device cpu|cuda]` under mpirun: the startup checks of a real
// run (topology, rank reports, addresses, devices) plus a measurement of every tensor-parallel and pipeline
// link, printed by the head. With --device cuda the links are NCCL's over GPU memory, and the table names the
// transport NCCL chose for each, flagging the TCP-socket fallback.
#include <boost/program_options.hpp>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/check.h"
#include "engine/core/model_config.h"
#include "launch/engine_options.h"
#include "launch/subcommands.h"
#include "runtime/cluster/cluster_bootstrap.h"
#include "runtime/cluster/link_check.h"
#include "runtime/comm/mpi_communicator.h"
#include "runtime/comm/mpi_session.h"
#include "runtime/comm/nccl/nccl_communicator.h"
#include "runtime/comm/nccl/nccl_log.h"
#include "runtime/comm/rendezvous.h"

namespace llmc {

namespace po = boost::program_options;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "NCCL P2P/CUMEM", or "NCCL NET/Socket (TCP fallback!)"; just "NCCL" when its log is not ours to read.
std::string describe_transports(const std::string& log_text, bool have_log) {
  if (!have_log) return "NCCL";
  const auto transports = nccl_transports_from_log(log_text);
  std::string s = "NCCL";
  for (size_t i = 0; i < transports.size(); ++i) s += (i == 0 ? " " : ",") + transports[i];
  if (nccl_uses_socket_fallback(transports)) s += " (TCP fallback!)";
  return s;
}

// The NCCL links of this rank: the tp group's all-reduce first, then the pipeline links, reading NCCL's log
// between the two (it connects channels at first use) so each row names its own group's transports.
std::vector<LinkMeasurement> measure_nccl_links(const BootstrapResult& boot, ParallelGroups& groups) {
  const ParallelConfig& p = boot.parallel;
  if (!p.is_worker()) return {};
  // NCCL reads NCCL_DEBUG at its first initialisation: send its log to a file of ours unless the user asked
  // for it elsewhere.
  const bool own_log = std::getenv("NCCL_DEBUG") == nullptr;
  const std::string log_path = "/tmp/llmc-doctor-nccl." + std::to_string(getpid()) + ".log";
  if (own_log) {
    setenv("NCCL_DEBUG", "INFO", 1);
    setenv("NCCL_DEBUG_SUBSYS", "INIT,NET", 1);
    setenv("NCCL_DEBUG_FILE", log_path.c_str(), 1);
  }
  const int device = boot.cuda_device;
  auto buffer = [device](size_t bytes) {
    return make_cuda_tensor(ScalarType::kF32, {static_cast<int64_t>(bytes / sizeof(float))}, device);
  };
  auto nccl_group = [&](Communicator* mpi, const std::string& name) -> std::unique_ptr<Communicator> {
    if (mpi == nullptr || mpi->size() < 2) return nullptr;
    NcclOptions o;
    o.device = device;
    o.group_name = name;
    return make_nccl_communicator(*mpi, o);
  };
  auto tp = nccl_group(groups.tp.get(), "tensor-parallel group of stage " + std::to_string(p.stage()));
  auto pp = nccl_group(groups.pp.get(), "pipeline group of tp rank " + std::to_string(p.tp_rank()));
  std::vector<LinkMeasurement> rows = measure_links(p, tp.get(), nullptr, "NCCL", buffer);
  const std::string tp_log = own_log ? read_file(log_path) : "";
  for (auto& r : rows) r.transport = describe_transports(tp_log, own_log);
  std::vector<LinkMeasurement> pp_rows = measure_links(p, nullptr, pp.get(), "NCCL", buffer);
  const std::string all_log = own_log ? read_file(log_path) : "";
  for (auto& r : pp_rows) r.transport = describe_transports(all_log.substr(std::min(tp_log.size(), all_log.size())), own_log);
  rows.insert(rows.end(), pp_rows.begin(), pp_rows.end());
  if (own_log) std::filesystem::remove(log_path);
  return rows;
}

}  // namespace

int run_doctor(const std::vector<std::string>& args, MpiSession& mpi) {
  EngineOptions options;
  std::string model_dir;
  OptionGroups cli("llm-cluster doctor MODEL_DIR --tp T --pp P [--device cpu|cuda] (under mpirun)");
  cli.general.add_options()("help,h", "this help");
  cli.model.add_options()("model", po::value(&model_dir), "Hugging Face model folder (or MODEL_DIR)");
  add_engine_options(cli, options);
  const po::options_description desc = cli.all();
  options.cluster.allow_shared_gpus = false;  // NCCL, which doctor measures, refuses two ranks on one GPU
  po::positional_options_description positional;
  positional.add("model", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    if (mpi.rank() == 0) std::cout << desc << "\n";
    return 0;
  }
  ModelConfig config;
  std::string local_error;
  try {
    LLMC_CHECK(!model_dir.empty()) << "missing MODEL_DIR (a Hugging Face model folder)";
    finish_engine_options(options);
    config = ModelConfig::from_file(std::filesystem::path(model_dir) / "config.json");
  } catch (const Error& e) {
    local_error = e.what();
  }
  // Every rank reads its own copy of the files: one node may lack them. All ranks agree before going on.
  agree_on_local_step(local_error, "reading the model configuration", options.cluster.rendezvous_timeout, mpi.rank(),
                      mpi.size());
  const BootstrapResult boot = bootstrap_cluster(options.cluster, config, mpi.rank(), mpi.size());
  ParallelGroups groups = split_parallel_groups(boot.parallel);
  const auto rows = options.cluster.device == "cuda" ? measure_nccl_links(boot, groups)
                                                     : measure_links(boot.parallel, groups.tp.get(), groups.pp.get());
  const auto all = gather_at_head(links_to_json(rows), "link measurements", options.cluster.rendezvous_timeout);
  if (mpi.rank() == 0) {
    std::vector<LinkMeasurement> table;
    bool fallback = false;
    for (const auto& text : all) {
      for (auto& r : links_from_json(text)) {
        fallback = fallback || r.transport.find("TCP fallback") != std::string::npos;
        table.push_back(std::move(r));
      }
    }
    std::cout << boot.parallel.describe() << "\n\n" << format_rank_table(boot.ranks) << "\n";
    if (table.empty()) {
      std::cout << "no links to measure: every group has one rank\n";
    } else {
      std::cout << format_link_table(table);
    }
    if (fallback) {
      std::cout << "\nwarning: NCCL fell back to TCP sockets on some links: no usable InfiniBand/RoCE (GPUDirect "
                   "RDMA) was found between those ranks; check NCCL_IB_HCA, NCCL_SOCKET_IFNAME and the fabric\n";
    }
  }
  return 0;
}

}  // namespace llmc
