// `llm-cluster generate MODEL_DIR --input in.jsonl --output out.jsonl`: offline batch generation, alone or
// under mpirun with --tp/--pp (the head reads the input and writes the output; workers execute plans).
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "common/check.h"
#include "engine/core/generation_config.h"
#include "engine/core/model_config.h"
#include "launch/engine_options.h"
#include "launch/subcommands.h"
#include "runtime/cluster/cluster.h"
#include "runtime/comm/mpi_session.h"
#include "runtime/head/engine_loop.h"
#include "runtime/head/http/served_model.h"
#include "runtime/head/http/text_stream_adapter.h"
#include "runtime/head/offline_generation.h"

namespace llmc {

namespace po = boost::program_options;

namespace {

// Text prompts are tokenized as the completions API does (with the tokenizer's special tokens); chat
// messages are rendered with the model's template (add_generation_prompt unless the line says otherwise)
// and the rendering tokenized as it stands.
PromptEncoder make_prompt_encoder(std::shared_ptr<const ServedModel> model) {
  if (!model->tokenizer) return nullptr;
  return [model](const nlohmann::json& line) {
    if (line.contains("prompt")) {
      LLMC_CHECK(line["prompt"].is_string()) << "'prompt' must be a string";
      return model->tokenizer->encode(line["prompt"].get<std::string>(), true);
    }
    LLMC_CHECK(model->chat_template) << "'messages' needs a chat template, and the model has none";
    const auto messages = nlohmann::ordered_json::parse(line["messages"].dump());
    LLMC_CHECK(messages.is_array() && !messages.empty()) << "'messages' must be a non-empty list";
    const bool add_generation_prompt = line.value("add_generation_prompt", true);
    auto extra = line.contains("chat_template_kwargs") ? nlohmann::ordered_json::parse(line["chat_template_kwargs"].dump())
                                                       : nlohmann::ordered_json::object();
    auto vars = chat_template_variables(*model->chat_source, messages, add_generation_prompt, extra);
    // As the chat API: tools (and documents) reach the template, and the model's tool_use template is used
    // when it has one and tools were given.
    const bool has_tools = line.contains("tools") && !line["tools"].is_null();
    if (has_tools) {
      LLMC_CHECK(line["tools"].is_array()) << "'tools' must be a list";
      vars["tools"] = nlohmann::ordered_json::parse(line["tools"].dump());
    }
    if (line.contains("documents")) vars["documents"] = nlohmann::ordered_json::parse(line["documents"].dump());
    const std::string rendered = chat_template_for(*model, has_tools).render(vars);
    return model->tokenizer->encode(rendered, false);
  };
}

std::vector<OfflineRequest> read_requests(const std::string& input, const GenerationConfig& generation,
                                          const ServedModel& model) {
  std::ifstream file;
  if (input != "-") {
    file.open(input);
    LLMC_CHECK(file.good()) << input << ": cannot open the input file";
  }
  auto shared = std::make_shared<const ServedModel>(model);
  std::vector<OfflineRequest> requests = parse_offline_requests(
      input == "-" ? std::cin : file, input == "-" ? "stdin" : input, generation, make_prompt_encoder(shared));
  for (OfflineRequest& r : requests) r.request.detokenize = model.tokenizer != nullptr;
  return requests;
}

void write_results(const std::string& output, const std::vector<nlohmann::json>& results) {
  std::ofstream file;
  if (output != "-") {
    file.open(output);
    LLMC_CHECK(file.good()) << output << ": cannot open the output file for writing";
  }
  std::ostream& out = output == "-" ? std::cout : file;
  for (const auto& r : results) out << r.dump() << '\n';
  out.flush();
  LLMC_CHECK(out.good()) << output << ": write failed";
}

}  // namespace

int run_generate(const std::vector<std::string>& args, MpiSession& mpi) {
  EngineOptions options;
  std::string model_dir, input, output, tokenizer_dir, chat_template;
  OptionGroups groups("llm-cluster generate MODEL_DIR --input IN.jsonl --output OUT.jsonl");
  groups.general.add_options()("help,h", "this help")(
      "input", po::value(&input), "JSON Lines of requests ('-': stdin)")(
      "output", po::value(&output)->default_value("-"), "JSON Lines of results ('-': stdout)")(
      "chat-template", po::value(&chat_template), "a Jinja chat template file (default: the model's)");
  groups.model.add_options()("model", po::value(&model_dir), "Hugging Face model folder (or MODEL_DIR)")(
      "tokenizer", po::value(&tokenizer_dir), "folder with tokenizer.json (default: the model folder)");
  add_engine_options(groups, options);
  const po::options_description desc = groups.all();
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
  GenerationConfig generation;
  std::string local_error;
  try {
    LLMC_CHECK(!model_dir.empty()) << "missing MODEL_DIR (a Hugging Face model folder)";
    LLMC_CHECK(!input.empty()) << "missing --input (JSON Lines of requests)";
    finish_engine_options(options);
    options.worker.model_dir = model_dir;
    config = ModelConfig::from_file(std::filesystem::path(model_dir) / "config.json");
    generation = GenerationConfig::from_model_dir(model_dir);
  } catch (const Error& e) {
    local_error = e.what();
  }
  // Every rank reads its own copy of the files: one node may lack them. All ranks agree before going on.
  agree_on_local_step(local_error, "reading the model configuration", options.cluster.rendezvous_timeout, mpi.rank(),
                      mpi.size());
  // The head reads the requests before startup, so a bad input file fails before any weight is loaded.
  std::vector<OfflineRequest> requests;
  ServedModel served;
  if (mpi.rank() == 0) {
    ServedModelPaths paths;
    paths.model_dir = model_dir;
    if (!tokenizer_dir.empty()) paths.tokenizer_dir = tokenizer_dir;
    if (!chat_template.empty()) paths.chat_template = chat_template;
    // Token-id input needs no tokenizer: a model folder without one still generates (ids only).
    if (!tokenizer_dir.empty() || std::filesystem::exists(std::filesystem::path(model_dir) / "tokenizer.json")) {
      served = load_served_model(paths, static_cast<int32_t>(resolve_max_model_len(config, options.worker.max_model_len)));
    }
    requests = read_requests(input, generation, served);
  }

  auto cluster = Cluster::start(options.cluster, options.worker, config, mpi.rank(), mpi.size());
  if (!cluster->is_head()) {
    cluster->run_worker();
    return 0;
  }
  std::vector<int64_t> eos = generation.eos_token_ids.empty() ? config.eos_token_ids : generation.eos_token_ids;
  EngineConfig engine_config =
      make_engine_config(options, cluster->max_model_len(), config.vocab_size, eos, cluster->num_kv_blocks());
  if (served.tokenizer) engine_config.text_streams = make_text_stream_factory(served.tokenizer);
  std::vector<nlohmann::json> results;
  {
    EngineLoop engine(engine_config, static_cast<int32_t>(cluster->num_kv_blocks()), cluster->take_executor());
    engine.start();
    results = run_offline(engine, std::move(requests));
    engine.stop();
    // A dead engine means a rank failed: keep what finished (failed requests carry "error"), then end the
    // whole job now rather than wait on ranks that may be stuck.
    if (engine.dead()) {
      write_results(output, results);
      end_job_on_failure(engine.dead_reason(), mpi);
    }
  }  // the executor goes with the engine: the workers are told to shut down
  write_results(output, results);
  return 0;
}

}  // namespace llmc
