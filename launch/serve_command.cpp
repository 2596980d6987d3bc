// `llm-cluster [serve] MODEL_DIR [--tp T --pp P] [--host --port ...]`: the OpenAI-compatible server. Under
// mpirun, rank 0 serves HTTP and runs the scheduler; the other ranks execute plans.
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>
#include <sstream>
#include <spdlog/spdlog.h>
#include <thread>

#include "common/check.h"
#include "common/version.h"
#include "engine/core/generation_config.h"
#include "engine/core/model_config.h"
#include "launch/engine_options.h"
#include "launch/stop_notice.h"
#include "launch/subcommands.h"
#include "runtime/cluster/cluster.h"
#include "runtime/comm/mpi_session.h"
#include "runtime/head/engine_loop.h"
#include "runtime/head/http/http_options.h"
#include "runtime/head/http/http_server.h"
#include "runtime/head/http/text_stream_adapter.h"

namespace llmc {

namespace po = boost::program_options;

namespace {

// Ends the job (non-zero) once the engine is dead, after a moment for the failed requests' replies to leave.
// The listener stays open for that moment: every request, /health included, is answered 503 engine_dead with
// the reason, so a load balancer's probe sees the failure rather than a refused connection. Also drains the
// server when the launcher signals a stop by SIGCONT alone (stop_notice.h: mpirun's SIGTERM).
std::thread start_engine_watch(EngineLoop& engine, HttpServer& server, MpiSession& mpi, std::atomic<bool>& done) {
  return std::thread([&engine, &server, &mpi, &done] {
    LauncherStopNotice stop_notice;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (stop_notice.poll()) {
        spdlog::info("SIGCONT while running: the launcher is stopping the job (mpirun does so on SIGTERM); "
                     "draining");
        server.request_shutdown();
      }
      if (!engine.dead()) continue;
      spdlog::error("the engine failed: {}; /health now answers 503, exiting", engine.dead_reason());
      std::this_thread::sleep_for(std::chrono::seconds(1));
      end_job_on_failure(engine.dead_reason(), mpi);
    }
  });
}

OptionGroups serve_option_groups(EngineOptions& options, HttpCliOptions& http, std::string& model_dir) {
  OptionGroups groups("llm-cluster serve MODEL_DIR [options]");
  groups.general.add_options()("help,h", "this help");
  add_frontend_options(groups.frontend, http);
  groups.model.add_options()("model", po::value(&model_dir), "Hugging Face model folder (or MODEL_DIR)");
  add_served_model_options(groups.model, http);
  add_engine_options(groups, options);
  return groups;
}

}  // namespace

std::string serve_help() {
  EngineOptions options;
  HttpCliOptions http;
  std::string model_dir;
  std::ostringstream out;
  out << serve_option_groups(options, http, model_dir).all();
  return out.str();
}

int run_serve(const std::vector<std::string>& args, MpiSession& mpi) {
  EngineOptions options;
  HttpCliOptions http;
  std::string model_dir;
  const po::options_description desc = serve_option_groups(options, http, model_dir).all();
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
    LLMC_CHECK(!model_dir.empty()) << "missing MODEL_DIR (a Hugging Face model folder; --served-model-name takes "
                                      "every word after it, so put MODEL_DIR before it)";
    finish_engine_options(options);
    finish_http_options(http);
    options.worker.model_dir = model_dir;
    http.model.model_dir = model_dir;
    config = ModelConfig::from_file(std::filesystem::path(model_dir) / "config.json");
    generation = GenerationConfig::from_model_dir(model_dir);
  } catch (const Error& e) {
    local_error = e.what();
  }
  // Every rank reads its own copy of the files: one node may lack them. All ranks agree before going on.
  agree_on_local_step(local_error, "reading the model configuration", options.cluster.rendezvous_timeout, mpi.rank(),
                      mpi.size());
  ServedModel served;
  if (mpi.rank() == 0) {
    // Before loading weights: a bad tokenizer or template fails fast.
    served = load_served_model(http.model, static_cast<int32_t>(resolve_max_model_len(config, options.worker.max_model_len)));
  }
  if (mpi.rank() != 0) {
    // The head drains on SIGTERM/SIGINT/SIGUSR1 and then shuts the workers down, so a worker ignores them
    // (mpirun forwards SIGUSR1 to every rank; a terminal's Ctrl-C reaches every process of the group).
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGUSR1, SIG_IGN);
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
  served.max_model_len = static_cast<int32_t>(cluster->max_model_len());
  http.server.version = kLlmClusterVersion;
  EngineLoop engine(engine_config, static_cast<int32_t>(cluster->num_kv_blocks()), cluster->take_executor());
  engine.start();
  {
    HttpServer server(engine, std::move(served), http.server);
    spdlog::info("serving {} on http://{}:{} (OpenAI API under /v1)", model_dir, http.server.host, server.port());
    if (const std::string warning = mpirun_kill_grace_warning(http.server.shutdown_timeout); !warning.empty())
      spdlog::warn("{}", warning);
    std::atomic<bool> done{false};
    std::thread watch = start_engine_watch(engine, server, mpi, done);
    server.run_until_shutdown();
    done = true;
    watch.join();
  }
  // Drained, and the server's signal handlers are gone with it (Asio leaves SIG_DFL behind). The launcher's own
  // SIGTERM may still come (mpirun sends it odls_base_sigkill_timeout after its SIGCONT) while the engine and
  // the workers shut down: it must not turn a clean exit into death by signal.
  std::signal(SIGTERM, SIG_IGN);
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGUSR1, SIG_IGN);
  engine.stop();
  spdlog::info("drained; shutting down");
  return 0;
}

}  // namespace llmc
