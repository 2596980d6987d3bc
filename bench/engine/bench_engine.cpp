// CPU engine throughput: prefill and decode tokens/s for one model (a checkpoint or a config.json with
// random weights), each beside this machine's limit measured in the same run:
//   decode:  bytes of weights + KV read per step / measured read bandwidth, or for large batches the
//            2 FLOP per weight per sequence / measured sgemm rate, whichever is slower -> steps/s ceiling
//   prefill: 2 FLOP per layer weight per token + the LM head once (only the last token is sampled)
//            / measured sgemm rate                                          -> tokens/s ceiling
// Usage: bench_engine --model DIR_OR_CONFIG [--dummy] [--prompt 512] [--batch 1,8] [--context 128] [--steps 16]
#include <boost/program_options.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <omp.h>
#include <sstream>

#include "engine/backend/backend.h"
#include "engine/backend/communicator.h"
#include "engine/model/causal_lm.h"
#include "machine_limits.h"

namespace po = boost::program_options;
using namespace llmc;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

struct Setup {
  ModelConfig config;
  std::unique_ptr<Backend> backend;
  SingleRankCommunicator tp;
  std::unique_ptr<CausalLM> model;
  std::unique_ptr<KvCache> cache;
};

// Runs `seqs` sequences of `len` new tokens each starting at `start`; each sequence owns blocks_per_seq blocks.
double run_step(Setup& s, int seqs, int len, int start, int blocks_per_seq) {
  ForwardBatchBuilder b(16);
  std::vector<int32_t> tokens(len);
  for (int i = 0; i < len; ++i) tokens[i] = (start + i * 7) % static_cast<int>(s.config.vocab_size);
  for (int q = 0; q < seqs; ++q) {
    std::vector<int32_t> table(blocks_per_seq);
    for (int i = 0; i < blocks_per_seq; ++i) table[i] = q * blocks_per_seq + i;
    b.add_sequence(tokens.data(), len, start, table, true);
  }
  ForwardBatch batch = b.finish();
  const auto t = std::chrono::steady_clock::now();
  s.model->forward(batch, Tensor(), *s.cache);
  return seconds_since(t);
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, batches;
  bool dummy = false;
  int prompt = 512, context = 128, steps = 16, threads = 0;
  po::options_description desc("bench_engine");
  desc.add_options()("model", po::value(&model_path)->required(), "model folder, or a config.json with --dummy")(
      "dummy", po::bool_switch(&dummy), "random weights from the config")(
      "prompt", po::value(&prompt)->default_value(512), "prefill tokens")(
      "batch", po::value(&batches)->default_value("1,8"), "decode batch sizes")(
      "context", po::value(&context)->default_value(128), "tokens in the cache before decode")(
      "steps", po::value(&steps)->default_value(16), "decode steps timed")(
      "threads", po::value(&threads)->default_value(0), "threads (0: all cores)");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);
  if (threads <= 0) threads = omp_get_max_threads();

  Setup s;
  std::filesystem::path path(model_path);
  const auto config_path = std::filesystem::is_directory(path) ? path / "config.json" : path;
  s.config = ModelConfig::from_file(config_path);
  s.backend = make_cpu_backend(CpuBackendOptions{threads});
  auto weights = dummy ? make_dummy_weights() : open_checkpoint_weights(path);
  const int max_len = std::max(prompt, context + steps) + 16;
  auto shard = single_process_shard(s.config);
  s.model = load_causal_lm(s.config, *weights, shard, *s.backend, s.tp, max_len);
  const auto batch_sizes = parse_list(batches);
  const int max_batch = *std::max_element(batch_sizes.begin(), batch_sizes.end());
  const int blocks_per_seq = (max_len + 15) / 16;
  s.cache = std::make_unique<KvCache>(*s.backend, s.model->kv_cache_shape(16), blocks_per_seq * max_batch);

  const double bandwidth = bench::measure_read_bandwidth(threads);
  const double params = static_cast<double>(s.model->weight_bytes()) / sizeof(float);
  // The sgemm rate at the model's largest product: the MLP's, or the LM head's for a vocabulary-heavy model.
  const int widest = static_cast<int>(std::max(s.config.intermediate_size, s.config.vocab_size));
  const double gemm = bench::measure_sgemm_flops(prompt, widest, static_cast<int>(s.config.hidden_size));
  std::printf("model %s (%s), %.1fM parameters, %d threads\n", config_path.string().c_str(),
              dummy ? "dummy weights" : "checkpoint", params / 1e6, threads);
  std::printf("measured: read bandwidth %.2f GB/s, sgemm %.1f GFLOP/s (%d x %d x %ld)\n\n", bandwidth / 1e9, gemm / 1e9,
              prompt, widest, static_cast<long>(s.config.hidden_size));
  std::printf("| phase | batch | tokens/s | machine limit tokens/s | of limit |\n|---|---|---|---|---|\n");

  run_step(s, 1, std::min(prompt, 32), 0, blocks_per_seq);  // warm-up
  const double prefill_s = run_step(s, 1, prompt, 0, blocks_per_seq);
  const double prefill_tps = prompt / prefill_s;
  // Prefill FLOPs: 2 per weight per token for the layers; the embedding is a lookup, and the LM head runs for
  // the last token only (the one that is sampled).
  const double vocab_params = static_cast<double>(s.config.vocab_size) * static_cast<double>(s.config.hidden_size);
  const double layer_params = params - vocab_params * (s.config.tie_word_embeddings ? 1.0 : 2.0);
  const double prefill_limit = prompt / ((2.0 * layer_params * prompt + 2.0 * vocab_params) / gemm);
  std::printf("| prefill %d | 1 | %.1f | %.1f | %.0f%% |\n", prompt, prefill_tps, prefill_limit,
              100 * prefill_tps / prefill_limit);

  const KvCacheShape kv = s.model->kv_cache_shape(16);
  for (int batch : batch_sizes) {
    run_step(s, batch, context, 0, blocks_per_seq);  // fill the cache
    double total = 0.0;
    for (int i = 0; i < steps; ++i) total += run_step(s, batch, 1, context + i, blocks_per_seq);
    const double tps = batch * steps / total;
    const double kv_bytes = static_cast<double>(batch) * (context + steps / 2) * kv.bytes_per_block() / kv.block_size;
    // Roofline: a step reads every weight and the KV once (memory) and does 2 FLOP per weight per sequence
    // (compute); whichever takes longer bounds it.
    const double memory_s = (static_cast<double>(s.model->weight_bytes()) + kv_bytes) / bandwidth;
    const double compute_s = 2.0 * params * batch / gemm;
    const double step_limit = 1.0 / std::max(memory_s, compute_s);
    std::printf("| decode @%d | %d | %.1f | %.1f | %.0f%% |\n", context, batch, tps, batch * step_limit,
                100 * tps / (batch * step_limit));
  }
  return 0;
}
