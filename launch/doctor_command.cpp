// `llm-cluster doctor MODEL_DIR --tp T --pp P` under mpirun: the startup checks of a real run (topology,
// rank reports, addresses) plus a measurement of every tensor-parallel and pipeline link, printed by the head.
#include <boost/program_options.hpp>
#include <iostream>

#include "common/check.h"
#include "engine/core/model_config.h"
#include "launch/engine_options.h"
#include "launch/subcommands.h"
#include "runtime/cluster/cluster_bootstrap.h"
#include "runtime/cluster/link_check.h"
#include "runtime/comm/mpi_communicator.h"
#include "runtime/comm/mpi_session.h"
#include "runtime/comm/rendezvous.h"

namespace llmc {

namespace po = boost::program_options;

int run_doctor(const std::vector<std::string>& args, MpiSession& mpi) {
  EngineOptions options;
  std::string model_dir;
  po::options_description desc("llm-cluster doctor MODEL_DIR --tp T --pp P (under mpirun)");
  desc.add_options()("help,h", "this help")("model", po::value(&model_dir), "Hugging Face model folder");
  add_engine_options(desc, options);
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
  const auto rows = measure_links(boot.parallel, groups.tp.get(), groups.pp.get());
  const auto all = gather_at_head(links_to_json(rows), "link measurements", options.cluster.rendezvous_timeout);
  if (mpi.rank() == 0) {
    std::vector<LinkMeasurement> table;
    for (const auto& text : all) {
      for (auto& r : links_from_json(text)) table.push_back(std::move(r));
    }
    std::cout << boot.parallel.describe() << "\n\n" << format_rank_table(boot.ranks) << "\n";
    if (table.empty()) {
      std::cout << "no links to measure: every group has one rank\n";
    } else {
      std::cout << format_link_table(table);
    }
  }
  return 0;
}

}  // namespace llmc
