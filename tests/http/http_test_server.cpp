// llmc_http_test_server MODEL_DIR [--tokenizer DIR] [http options]: a real engine (single process, CPU, the
// in-process executor) behind the HTTP server, so the live tests in tests/http run without `llm-cluster
// serve`. Prints "listening on http://HOST:PORT" on stdout once it accepts connections (use --port 0 for a
// free port) and exits 0 after a SIGTERM drain.
#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>

#include "common/check.h"
#include "common/log.h"
#include "engine/core/model_config.h"
#include "engine/model/shard_spec.h"
#include "runtime/head/engine_loop.h"
#include "runtime/head/http/http_options.h"
#include "runtime/head/http/http_server.h"
#include "runtime/head/http/text_stream_adapter.h"
#include "runtime/worker/in_process_executor.h"
#include "runtime/worker/worker_setup.h"

namespace po = boost::program_options;

namespace {

struct Options {
  llmc::HttpCliOptions http;
  std::string model_dir;
  int64_t max_model_len = 512;
  int64_t num_kv_blocks = 0;
  double kv_cache_mib = 64;
  int32_t max_num_seqs = 256;
  int32_t max_num_queued_requests = 4096;
  int32_t threads = 1;
  int64_t seed = 0;
  int step_timeout_s = 60;
};

Options parse(int argc, char** argv) {
  Options o;
  po::options_description desc("llmc_http_test_server MODEL_DIR [options]");
  desc.add_options()("help,h", "this help")("model", po::value(&o.model_dir), "Hugging Face model folder")(
      "max-model-len", po::value(&o.max_model_len)->default_value(512), "longest prompt + output")(
      "num-kv-blocks", po::value(&o.num_kv_blocks)->default_value(0), "KV blocks (0: from --kv-cache-mib)")(
      "kv-cache-mib", po::value(&o.kv_cache_mib)->default_value(64), "KV cache budget, MiB")(
      "max-num-seqs", po::value(&o.max_num_seqs)->default_value(256), "running sequences at most")(
      "max-num-queued-requests", po::value(&o.max_num_queued_requests)->default_value(4096), "queue bound")(
      "threads", po::value(&o.threads)->default_value(1), "CPU compute threads")(
      "seed", po::value(&o.seed)->default_value(0), "base seed for unseeded requests")(
      "step-timeout", po::value(&o.step_timeout_s)->default_value(60), "seconds one step may take");
  llmc::add_http_options(desc, o.http);
  po::positional_options_description positional;
  positional.add("model", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc << "\n";
    std::exit(0);
  }
  LLMC_CHECK(!o.model_dir.empty()) << "missing MODEL_DIR";
  llmc::finish_http_options(o.http);
  o.http.model.model_dir = o.model_dir;
  return o;
}

int serve(const Options& o) {
  using namespace llmc;
  WorkerOptions w;
  w.model_dir = o.model_dir;
  w.max_model_len = o.max_model_len;
  w.num_kv_blocks = o.num_kv_blocks;
  w.kv_cache_bytes = static_cast<int64_t>(o.kv_cache_mib * (1 << 20));
  w.threads = o.threads;
  const ModelConfig config = ModelConfig::from_file(w.model_dir / "config.json");
  SingleRankCommunicator tp;
  Worker worker(w, config, single_process_shard(config), tp, nullptr, true);
  ServedModel model = load_served_model(o.http.model, static_cast<int32_t>(worker.max_model_len()));

  EngineConfig c;
  c.scheduler.max_model_len = static_cast<int32_t>(worker.max_model_len());
  c.scheduler.max_num_seqs = o.max_num_seqs;
  const auto& eos =
      model.generation.eos_token_ids.empty() ? config.eos_token_ids : model.generation.eos_token_ids;
  for (const int64_t id : eos) c.scheduler.eos_token_ids.push_back(static_cast<int32_t>(id));
  c.max_num_queued_requests = o.max_num_queued_requests;
  c.vocab_size = static_cast<int32_t>(config.vocab_size);
  c.seed = static_cast<uint64_t>(o.seed);
  c.step_timeout = std::chrono::seconds(o.step_timeout_s);
  c.text_streams = make_text_stream_factory(model.tokenizer);
  c.validate();
  EngineLoop engine(c, static_cast<int32_t>(worker.num_kv_blocks()),
                    std::make_unique<InProcessExecutor>(worker.take_runner()));
  engine.start();
  {
    HttpServer server(engine, std::move(model), o.http.server);
    std::printf("listening on http://%s:%u\n", o.http.server.host.c_str(),
                static_cast<unsigned>(server.port()));
    std::fflush(stdout);
    server.run_until_shutdown();
  }
  engine.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    llmc::init_logging("head");
    return serve(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmc_http_test_server: error: %s\n", e.what());
    return 1;
  }
}
