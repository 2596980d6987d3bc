// CUDA engine speed for one model (a checkpoint, or a config.json with random weights), each figure beside the
// GPU's own limit measured in the same run:
//   decode:  (weight bytes + KV bytes read) / measured copy bandwidth (bytes moved per second), or 2 FLOP per weight per sequence /
//            measured bf16 GEMM rate, whichever is slower -> the step-time floor
//   prefill: 2 FLOP per layer weight per token (+ the LM head for the last token) / measured GEMM rate
// Times are medians over repeated steps, host clock from the step's start until its greedy tokens (sampled on
// the device) reach the host, as the engine's step ends.
// Usage: bench_cuda_engine --model DIR_OR_CONFIG [--dummy] [--dtype bfloat16] [--prompt 2048] [--batch 1,8,64]
//        [--context 512] [--steps 32] [--profile]
// --profile brackets one extra decode step per batch size with cudaProfilerStart/Stop, for
// `ncu --profile-from-start off` (bench/gpu/profile_decode.sh sums its kernels by name).
#include <cuda_profiler_api.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "engine/backend/cuda_backend.h"
#include "engine/backend/communicator.h"
#include "engine/model/causal_lm.h"
#include "engine/model/decode_graphs.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/gemm.cuh"
#include "runtime/worker/worker_setup.h"

namespace po = boost::program_options;
using namespace llmc;

namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
  ModelConfig config;
  std::unique_ptr<Backend> backend;
  SingleRankCommunicator tp;
  std::unique_ptr<CausalLM> model;
  std::unique_ptr<KvCache> cache;
  int blocks_per_seq = 0;  // decode sequences: each owns blocks [q * blocks_per_seq, (q + 1) * blocks_per_seq)
  int prefill_first_block = 0;  // the prefill owns the blocks from here on
  std::unique_ptr<DecodeGraphs> graphs;  // set: decode steps replay graphs, as the worker's do
};

// One forward of `seqs` sequences (numbered from first_seq) of `len` new tokens at `start`, each in its own
// blocks, or of one prefill sequence in the prefill blocks; seconds until its greedy tokens are on the host.
double run_step(Setup& s, int seqs, int len, int start, bool prefill = false, int first_seq = 0) {
  ForwardBatchBuilder b(16);
  std::vector<int32_t> tokens(len);
  for (int i = 0; i < len; ++i) tokens[i] = (start + i * 7) % static_cast<int>(s.config.vocab_size);
  for (int q = 0; q < seqs; ++q) {
    std::vector<int32_t> table;
    if (prefill) {
      for (int i = 0; i * 16 < start + len; ++i) table.push_back(s.prefill_first_block + i);
    } else {
      for (int i = 0; i < s.blocks_per_seq; ++i) table.push_back((first_seq + q) * s.blocks_per_seq + i);
    }
    b.add_sequence(tokens.data(), len, start, table, true);
  }
  ForwardBatch batch = b.finish();
  const auto t = Clock::now();
  s.backend->reset_scratch();
  StageOutput out = s.graphs && s.graphs->fits(batch) ? s.graphs->run(batch) : s.model->forward(batch, Tensor(), *s.cache);
  // A step ends with its tokens on the host: greedy sampling on the device, ids copied back.
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  std::vector<SampleRow> rows(static_cast<size_t>(seqs), SampleRow{&greedy, {}, {}});
  s.backend->sample(out.logits, s.config.vocab_size, rows);
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Device-to-device copy of 2 GiB: bytes read plus bytes written per second.
double measure_copy_bandwidth() {
  const size_t bytes = size_t{1} << 31;
  void *a = nullptr, *b = nullptr;
  LLMC_CUDA_CHECK(cudaMalloc(&a, bytes));
  LLMC_CUDA_CHECK(cudaMalloc(&b, bytes));
  LLMC_CUDA_CHECK(cudaMemset(a, 1, bytes));
  cudaEvent_t e0, e1;
  cudaEventCreate(&e0);
  cudaEventCreate(&e1);
  std::vector<double> times;
  for (int i = 0; i < 10; ++i) {
    cudaEventRecord(e0);
    cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(e1);
    LLMC_CUDA_CHECK(cudaEventSynchronize(e1));
    float ms = 0;
    cudaEventElapsedTime(&ms, e0, e1);
    if (i > 1) times.push_back(ms / 1e3);
  }
  cudaFree(a);
  cudaFree(b);
  return 2.0 * static_cast<double>(bytes) / median(times);
}

// bf16 GEMM rate through the engine's own cuBLASLt path at m x n x k (random-ish data, not zeros).
double measure_gemm_flops(int64_t m, int64_t n, int64_t k) {
  auto backend = make_cuda_backend(CudaBackendOptions{0, ScalarType::kBF16});
  Tensor y = backend->empty(ScalarType::kBF16, {m, n});
  std::vector<float> hx(static_cast<size_t>(std::max(m, n) * k));
  for (size_t i = 0; i < hx.size(); ++i) hx[i] = static_cast<float>((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
  Tensor x = backend->upload_weight(hx.data(), ScalarType::kF32, {m, k});
  Tensor w = backend->upload_weight(hx.data(), ScalarType::kF32, {n, k});
  std::vector<double> times;
  for (int i = 0; i < 12; ++i) {
    backend->synchronize();
    const auto t = Clock::now();
    backend->linear(x, w, Tensor(), y);
    backend->synchronize();
    if (i > 1) times.push_back(std::chrono::duration<double>(Clock::now() - t).count());
  }
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / median(times);
}

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoi(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string model_path, batches, dtype;
  bool dummy = false, profile = false;
  int prompt = 2048, context = 512, steps = 32;
  po::options_description desc("bench_cuda_engine");
  desc.add_options()("model", po::value(&model_path)->required(), "model folder, or a config.json with --dummy")(
      "dummy", po::bool_switch(&dummy), "random weights from the config")(
      "dtype", po::value(&dtype)->default_value("bfloat16"), "bfloat16 | float16 | float32")(
      "prompt", po::value(&prompt)->default_value(2048), "prefill tokens")(
      "batch", po::value(&batches)->default_value("1,8,64"), "decode batch sizes")(
      "context", po::value(&context)->default_value(512), "tokens in the cache before decode")(
      "steps", po::value(&steps)->default_value(32), "decode steps timed")(
      "profile", po::bool_switch(&profile), "one more decode step per batch inside cudaProfilerStart/Stop");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, desc), vm);
  po::notify(vm);

  const double bandwidth = measure_copy_bandwidth();
  Setup s;
  std::filesystem::path path(model_path);
  const auto config_path = std::filesystem::is_directory(path) ? path / "config.json" : path;
  s.config = ModelConfig::from_file(config_path);
  const int widest = static_cast<int>(s.config.intermediate_size);
  const double gemm = measure_gemm_flops(prompt, 2 * widest, s.config.hidden_size);
  s.backend = make_cuda_backend(CudaBackendOptions{0, resolve_cuda_dtype(dtype, s.config.dtype)});
  auto weights = dummy ? make_dummy_weights() : open_checkpoint_weights(path);
  const int max_len = std::max(prompt, context + steps) + 16;
  s.model = load_causal_lm(s.config, *weights, single_process_shard(s.config), *s.backend, s.tp, max_len);
  const auto batch_sizes = parse_list(batches);
  const int max_batch = *std::max_element(batch_sizes.begin(), batch_sizes.end());
  s.blocks_per_seq = (context + steps + 1 + 15) / 16;  // + 1: the profiled step
  s.prefill_first_block = s.blocks_per_seq * max_batch;
  s.cache = std::make_unique<KvCache>(*s.backend, s.model->kv_cache_shape(16),
                                      s.prefill_first_block + (prompt + 15) / 16);

  const double weight_bytes = static_cast<double>(s.model->weight_bytes());
  const double params = weight_bytes / static_cast<double>(scalar_size(s.backend->activation_type()));
  std::printf("model %s (%s), %.2fB parameters, %s on %s\n", config_path.string().c_str(),
              dummy ? "dummy weights" : "checkpoint", params / 1e9, scalar_name(s.backend->activation_type()),
              s.backend->name().c_str());
  std::printf("measured: copy bandwidth %.0f GB/s (read + write), bf16 GEMM %.0f TFLOP/s (%d x %d x %ld)\n\n",
              bandwidth / 1e9, gemm / 1e12, prompt, 2 * widest, static_cast<long>(s.config.hidden_size));
  std::printf("| phase | batch | step ms | tokens/s | floor ms (limit) | of limit |\n|---|---|---|---|---|---|\n");

  for (int i = 0; i < 3; ++i) run_step(s, 1, std::min(prompt, 64), 0, true);  // warm-up: cuBLASLt plans
  std::vector<double> prefill;
  for (int i = 0; i < 5; ++i) prefill.push_back(run_step(s, 1, prompt, 0, true));
  const double prefill_s = median(prefill);
  const double vocab_params = static_cast<double>(s.config.vocab_size) * static_cast<double>(s.config.hidden_size);
  const double layer_params = params - vocab_params * (s.config.tie_word_embeddings ? 1.0 : 2.0);
  const double prefill_floor = (2.0 * layer_params * prompt + 2.0 * vocab_params) / gemm;
  std::printf("| prefill %d | 1 | %.2f | %.0f | %.2f (GEMM) | %.0f%% |\n", prompt, prefill_s * 1e3, prompt / prefill_s,
              prefill_floor * 1e3, 100 * prefill_floor / prefill_s);

  const KvCacheShape kv = s.model->kv_cache_shape(16);
  // Fix the workspace at what the prefill and the largest decode batch used (as the worker's memory plan
  // does), then record the decode graphs over it.
  run_step(s, max_batch, 1, 0);
  // (+256 MiB: the cache-filling prefills below sample a few rows more than the timed prefill did.)
  s.backend->reserve_scratch(s.backend->scratch_peak_bytes() + (int64_t{256} << 20));
  DecodeGraphOptions graph_options;
  graph_options.max_batch = max_batch;
  graph_options.max_model_len = max_len;
  graph_options.block_size = 16;
  auto graphs = std::make_unique<DecodeGraphs>(*s.model, *s.backend, *s.cache, graph_options);
  std::printf("recorded %zu decode graphs (batch 1 to %d) in %.2f s, %.0f MiB\n\n", graphs->count(), max_batch,
              graphs->capture_seconds(), static_cast<double>(graphs->memory_bytes()) / (1 << 20));
  std::printf("| phase | batch | eager ms | graphs ms | tokens/s (graphs) | floor ms (limit) | of limit |\n"
              "|---|---|---|---|---|---|---|\n");
  for (int batch : batch_sizes) {
    // Fill the cache a few sequences at a time: one prefill of every sequence's context would need far more
    // activation memory than the workspace fixed above.
    const int per_fill = std::max(1, prompt / std::max(context, 1));
    for (int q = 0; q < batch; q += per_fill) run_step(s, std::min(per_fill, batch - q), context, 0, false, q);
    std::vector<double> eager, times;
    for (int i = 0; i < steps; ++i) eager.push_back(run_step(s, batch, 1, context + i));
    s.graphs = std::move(graphs);
    for (int i = 0; i < steps; ++i) times.push_back(run_step(s, batch, 1, context + i));
    graphs = std::move(s.graphs);
    const double step = median(times);
    if (profile) {
      LLMC_CUDA_CHECK(cudaProfilerStart());
      run_step(s, batch, 1, context + steps);
      LLMC_CUDA_CHECK(cudaProfilerStop());
    }
    const double kv_bytes = static_cast<double>(batch) * (context + steps / 2) * kv.bytes_per_block() / kv.block_size;
    // The copy's rate counts every byte moved (read + write): the rate at which memory moves bytes, which a
    // step that reads its weights and KV once is bound by (the 16.06 GB / ~3.0 TB/s = 5.3 ms).
    const double memory_s = (weight_bytes + kv_bytes) / bandwidth;
    const double compute_s = 2.0 * params * batch / gemm;
    const double floor_s = std::max(memory_s, compute_s);
    std::printf("| decode @%d | %d | %.2f | %.2f | %.0f | %.2f (%s) | %.0f%% |\n", context, batch, median(eager) * 1e3,
                step * 1e3, batch / step, floor_s * 1e3, memory_s >= compute_s ? "memory" : "GEMM",
                100 * floor_s / step);
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_cuda_engine: %s\n", e.what());
  return 1;
}
