// A model's shape and options as read from a Hugging Face config.json, in either layout found in the wild:
// transformers 4 (`rope_theta`, `rope_scaling`, `torch_dtype`) and transformers 5 (`rope_parameters`, `dtype`).
// A constructed ModelConfig is validated: every later stage may rely on its invariants.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

enum class RopeType { kDefault, kLinear, kDynamic, kLlama3 };

struct RopeConfig {
  RopeType type = RopeType::kDefault;
  double theta = 10000.0;
  double factor = 1.0;                     // linear, dynamic, llama3
  double low_freq_factor = 1.0;            // llama3
  double high_freq_factor = 4.0;           // llama3
  int64_t original_max_position_embeddings = 0;  // llama3, dynamic
};

struct ModelConfig {
  std::string architecture;  // architectures[0], e.g. "LlamaForCausalLM"
  std::string model_type;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  double rms_norm_eps = 1e-6;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;   // q/k/v projections carry a bias (Qwen2; Llama's attention_bias)
  bool o_bias = false;     // o_proj carries a bias (Llama's attention_bias)
  bool mlp_bias = false;
  bool qk_norm = false;    // per-head RMSNorm on q and k before RoPE (Qwen3)
  RopeConfig rope;
  // Per layer: 0 for full attention, else the sliding window in tokens.
  std::vector<int64_t> layer_sliding_window;
  std::string dtype = "bfloat16";  // the checkpoint's declared dtype
  std::vector<int64_t> eos_token_ids;
  int64_t bos_token_id = -1;

  // Parses and validates; `source` names the file in error messages.
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source);
  static ModelConfig from_file(const std::filesystem::path& config_json);
  // Tensor-parallel size the model admits: heads divide evenly; kv heads divide or are replicated.
  void check_tensor_parallel(int64_t tp) const;
  // A short stable digest of the fields that decide numerics, so ranks can prove they loaded the same model.
  std::string fingerprint() const;
};

}  // namespace llmc
