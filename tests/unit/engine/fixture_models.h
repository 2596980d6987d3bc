// Test helpers: the fixture checkpoints in tests/data/models and their transformers reference outputs, and a
// minimal single-sequence driver over the model API (greedy argmax, no sampler, no scheduler).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/backend/backend.h"
#include "engine/backend/communicator.h"
#include "engine/model/causal_lm.h"

namespace llmc::testing {

std::filesystem::path model_dir(const std::string& name);
nlohmann::json load_reference(const std::string& name);
const std::vector<std::string>& fixture_model_names();
// Trained models that ship in data/ (data/brown-llama), assembled by the build in <build>/<name>
// (LLMC_MODELS_BUILD): model_dir() finds them there. Each has a reference.json in the fixtures' format.
const std::vector<std::string>& trained_model_names();

// A whole model with its own KV cache, on the given backend (the CPU backend when none is given).
struct LoadedModel {
  ModelConfig config;
  std::unique_ptr<Backend> backend;
  SingleRankCommunicator tp;
  std::unique_ptr<CausalLM> model;
  std::unique_ptr<KvCache> cache;
};
std::unique_ptr<LoadedModel> load_model(const std::string& name, int64_t block_size = 16, int64_t num_blocks = 256,
                                        std::unique_ptr<Backend> backend = nullptr);

// One sequence's blocks: block i of the sequence is block `first_block + i` of the cache.
std::vector<int32_t> contiguous_blocks(int64_t first_block, int64_t count);

// Runs `tokens` at positions [start, start + n) of one sequence; returns the logits of the last position, or
// of every position.
std::vector<std::vector<float>> run_chunk(LoadedModel& m, const std::vector<int32_t>& tokens, int64_t start,
                                          const std::vector<int32_t>& blocks, bool all_positions = false);

int32_t argmax(const std::vector<float>& v);
float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace llmc::testing
