// `llm-cluster generate MODEL_DIR --input in.jsonl --output out.jsonl`: offline batch generation.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "common/check.h"
#include "engine/backend/communicator.h"
#include "engine/core/generation_config.h"
#include "engine/core/model_config.h"
#include "launch/engine_options.h"
#include "launch/subcommands.h"
#include "runtime/head/engine_loop.h"
#include "runtime/head/offline_generation.h"
#include "runtime/worker/in_process_executor.h"
#include "runtime/worker/worker_setup.h"

namespace llmc {

namespace po = boost::program_options;

int run_generate(const std::vector<std::string>& args) {
  EngineOptions options;
  std::string model_dir, input, output;
  po::options_description desc("llm-cluster generate MODEL_DIR --input IN.jsonl --output OUT.jsonl");
  desc.add_options()("help,h", "this help")("model", po::value(&model_dir), "Hugging Face model folder")(
      "input", po::value(&input), "JSON Lines of requests ('-': stdin)")(
      "output", po::value(&output)->default_value("-"), "JSON Lines of results ('-': stdout)");
  add_engine_options(desc, options);
  po::positional_options_description positional;
  positional.add("model", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  LLMC_CHECK(!model_dir.empty()) << "missing MODEL_DIR (a Hugging Face model folder)";
  LLMC_CHECK(!input.empty()) << "missing --input (JSON Lines of requests)";
  options.worker.model_dir = model_dir;
  options.worker.kv_cache_bytes = static_cast<int64_t>(options.kv_cache_gib * (1 << 30));
  LLMC_CHECK(options.tp == 1 && options.pp == 1) << "--tp/--pp above 1 need mpirun with that many ranks";

  const ModelConfig config = ModelConfig::from_file(std::filesystem::path(model_dir) / "config.json");
  const GenerationConfig generation = GenerationConfig::from_model_dir(model_dir);

  std::ifstream file;
  if (input != "-") {
    file.open(input);
    LLMC_CHECK(file.good()) << input << ": cannot open the input file";
  }
  std::vector<OfflineRequest> requests =
      parse_offline_requests(input == "-" ? std::cin : file, input == "-" ? "stdin" : input, generation, nullptr);
  for (OfflineRequest& r : requests) r.request.detokenize = false;

  SingleRankCommunicator tp;
  Worker worker(options.worker, config, single_process_shard(config), tp, nullptr, true);
  std::vector<int64_t> eos = generation.eos_token_ids.empty() ? config.eos_token_ids : generation.eos_token_ids;
  EngineConfig engine_config = make_engine_config(options, worker.max_model_len(), config.vocab_size, eos);
  EngineLoop engine(engine_config, static_cast<int32_t>(worker.num_kv_blocks()),
                    std::make_unique<InProcessExecutor>(worker.take_runner()));
  engine.start();
  std::vector<nlohmann::json> results = run_offline(engine, std::move(requests));
  engine.stop();

  std::ofstream out_file;
  if (output != "-") {
    out_file.open(output);
    LLMC_CHECK(out_file.good()) << output << ": cannot open the output file for writing";
  }
  std::ostream& out = output == "-" ? std::cout : out_file;
  for (const auto& r : results) out << r.dump() << '\n';
  out.flush();
  LLMC_CHECK(out.good()) << output << ": write failed";
  return 0;
}

}  // namespace llmc
