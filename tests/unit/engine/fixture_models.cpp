#include "fixture_models.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "common/check.h"

namespace llmc::testing {

std::filesystem::path model_dir(const std::string& name) {
  const auto& trained = trained_model_names();
  if (std::find(trained.begin(), trained.end(), name) != trained.end()) {
    // gtest_discover_tests passes only the first of several ENVIRONMENT entries through (CMake 3.25 splits
    // the escaped list), so the build folder is also compiled in.
    const char* build = std::getenv("LLMC_MODELS_BUILD");
    if (build == nullptr) build = LLMC_MODELS_BUILD_DEFAULT;
    return std::filesystem::path(build) / name;
  }
  const char* root = std::getenv("LLMC_TEST_DATA");
  LLMC_CHECK(root != nullptr) << "LLMC_TEST_DATA is not set (run the tests through ctest)";
  return std::filesystem::path(root) / "models" / name;
}

nlohmann::json load_reference(const std::string& name) {
  std::ifstream in(model_dir(name) / "reference.json");
  return nlohmann::json::parse(in);
}

const std::vector<std::string>& fixture_model_names() {
  static const std::vector<std::string> names{"llama", "llama3-vocab", "mistral", "qwen2", "qwen3"};
  return names;
}

const std::vector<std::string>& trained_model_names() {
#ifdef LLMC_HAVE_BROWN_LLAMA
  static const std::vector<std::string> names{"brown-llama"};
#else
  static const std::vector<std::string> names;
#endif
  return names;
}

std::unique_ptr<LoadedModel> load_model(const std::string& name, int64_t block_size, int64_t num_blocks,
                                        std::unique_ptr<Backend> backend) {
  auto m = std::make_unique<LoadedModel>();
  m->config = ModelConfig::from_file(model_dir(name) / "config.json");
  m->backend = backend ? std::move(backend) : make_cpu_backend();
  auto weights = open_checkpoint_weights(model_dir(name));
  m->model = load_causal_lm(m->config, *weights, single_process_shard(m->config), *m->backend, m->tp, 1024);
  m->cache = std::make_unique<KvCache>(*m->backend, m->model->kv_cache_shape(block_size), num_blocks);
  return m;
}

std::vector<int32_t> contiguous_blocks(int64_t first_block, int64_t count) {
  std::vector<int32_t> b(count);
  for (int64_t i = 0; i < count; ++i) b[i] = static_cast<int32_t>(first_block + i);
  return b;
}

std::vector<std::vector<float>> run_chunk(LoadedModel& m, const std::vector<int32_t>& tokens, int64_t start,
                                          const std::vector<int32_t>& blocks, bool all_positions) {
  ForwardBatchBuilder builder(m.cache->shape().block_size);
  builder.add_sequence(tokens.data(), static_cast<int64_t>(tokens.size()), start, blocks, true);
  ForwardBatch batch = builder.finish();
  if (all_positions) {
    batch.logits_indices.clear();
    for (size_t i = 0; i < tokens.size(); ++i) batch.logits_indices.push_back(static_cast<int32_t>(i));
  }
  m.backend->reset_scratch();
  StageOutput out = m.model->forward(batch, Tensor(), *m.cache);
  const std::vector<float> logits = host_logits(*m.backend, out, m.config.vocab_size);
  const size_t V = static_cast<size_t>(m.config.vocab_size);
  std::vector<std::vector<float>> rows(batch.logits_indices.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i].assign(logits.begin() + i * V, logits.begin() + (i + 1) * V);
  return rows;
}

int32_t argmax(const std::vector<float>& v) {
  size_t best = 0;
  for (size_t i = 1; i < v.size(); ++i) {
    if (v[i] > v[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  LLMC_CHECK(a.size() == b.size()) << "size mismatch " << a.size() << " vs " << b.size();
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace llmc::testing
