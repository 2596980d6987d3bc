#include "engine/core/model_config.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/check.h"

namespace llmc {
namespace {

using nlohmann::json;

// What each supported architecture implies beyond what its config.json states.
struct ArchitectureTraits {
  const char* name;
  bool qkv_bias;  // always has q/k/v bias
  bool qk_norm;
};
constexpr ArchitectureTraits kArchitectures[] = {
    {"LlamaForCausalLM", false, false},
    {"MistralForCausalLM", false, false},
    {"Qwen2ForCausalLM", true, false},
    {"Qwen3ForCausalLM", false, true},
};

const ArchitectureTraits& traits_for(const std::string& arch, const std::string& src) {
  for (const auto& t : kArchitectures) {
    if (arch == t.name) return t;
  }
  std::string supported;
  for (const auto& t : kArchitectures) supported += std::string(supported.empty() ? "" : ", ") + t.name;
  LLMC_FAIL() << src << ": unsupported architecture '" << arch << "' (supported: " << supported << ")";
}

int64_t required_int(const json& j, const char* key, const std::string& src) {
  LLMC_CHECK(j.contains(key) && !j[key].is_null()) << src << ": missing required key '" << key << "'";
  LLMC_CHECK(j[key].is_number_integer()) << src << ": '" << key << "' must be an integer, got " << j[key].dump();
  const int64_t v = j[key].get<int64_t>();
  LLMC_CHECK(v > 0) << src << ": '" << key << "' must be positive, got " << v;
  return v;
}

template <typename T>
T optional_value(const json& j, const char* key, T fallback, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    LLMC_FAIL() << src << ": '" << key << "' has the wrong type: " << j[key].dump();
  }
}

std::vector<int64_t> int_or_list(const json& j, const char* key, const std::string& src) {
  std::vector<int64_t> out;
  if (!j.contains(key) || j[key].is_null()) return out;
  if (j[key].is_number_integer()) return {j[key].get<int64_t>()};
  LLMC_CHECK(j[key].is_array()) << src << ": '" << key << "' must be an integer or a list of integers";
  for (const auto& v : j[key]) {
    LLMC_CHECK(v.is_number_integer()) << src << ": '" << key << "' must hold integers, got " << v.dump();
    out.push_back(v.get<int64_t>());
  }
  return out;
}

RopeConfig parse_rope(const json& j, const std::string& src) {
  RopeConfig rope;
  // transformers 5 keeps everything in rope_parameters; transformers 4 has rope_theta + rope_scaling.
  json params = json::object();
  if (j.contains("rope_parameters") && j["rope_parameters"].is_object()) {
    params = j["rope_parameters"];
  } else if (j.contains("rope_scaling") && j["rope_scaling"].is_object()) {
    params = j["rope_scaling"];
  }
  rope.theta = optional_value<double>(params, "rope_theta", optional_value<double>(j, "rope_theta", 10000.0, src), src);
  std::string type = optional_value<std::string>(params, "rope_type", "", src);
  if (type.empty()) type = optional_value<std::string>(params, "type", "default", src);
  const std::string where = src + ": rope scaling '" + type + "'";
  if (type == "default") {
    rope.type = RopeType::kDefault;
  } else if (type == "linear") {
    rope.type = RopeType::kLinear;
  } else if (type == "dynamic") {
    rope.type = RopeType::kDynamic;
  } else if (type == "llama3") {
    rope.type = RopeType::kLlama3;
    rope.low_freq_factor = optional_value<double>(params, "low_freq_factor", 1.0, src);
    rope.high_freq_factor = optional_value<double>(params, "high_freq_factor", 4.0, src);
    LLMC_CHECK(rope.high_freq_factor > rope.low_freq_factor)
        << where << ": high_freq_factor must exceed low_freq_factor";
  } else {
    LLMC_FAIL() << src << ": unsupported rope type '" << type << "' (supported: default, linear, dynamic, llama3)";
  }
  if (rope.type != RopeType::kDefault) {
    LLMC_CHECK(params.contains("factor")) << where << " needs 'factor'";
    rope.factor = optional_value<double>(params, "factor", 1.0, src);
    LLMC_CHECK(rope.factor >= 1.0) << where << ": factor must be >= 1, got " << rope.factor;
  }
  rope.original_max_position_embeddings = optional_value<int64_t>(
      params, "original_max_position_embeddings", optional_value<int64_t>(j, "max_position_embeddings", 0, src), src);
  LLMC_CHECK(rope.theta > 0) << src << ": rope_theta must be positive";
  if (rope.type == RopeType::kLlama3 || rope.type == RopeType::kDynamic) {
    LLMC_CHECK(rope.original_max_position_embeddings > 0) << where << " needs original_max_position_embeddings";
  }
  return rope;
}

// Sliding windows: Mistral applies `sliding_window` to every layer; Qwen2/3 only where use_sliding_window is
// set, per `layer_types` when given, else from layer max_window_layers on.
std::vector<int64_t> parse_sliding_windows(const json& j, const ModelConfig& c, const std::string& src) {
  std::vector<int64_t> windows(c.num_layers, 0);
  const int64_t window = optional_value<int64_t>(j, "sliding_window", 0, src);
  if (window <= 0) return windows;
  const bool qwen = c.model_type == "qwen2" || c.model_type == "qwen3";
  if (qwen && !optional_value<bool>(j, "use_sliding_window", false, src)) return windows;
  if (j.contains("layer_types") && j["layer_types"].is_array()) {
    LLMC_CHECK(static_cast<int64_t>(j["layer_types"].size()) == c.num_layers)
        << src << ": layer_types has " << j["layer_types"].size() << " entries for " << c.num_layers << " layers";
    for (int64_t i = 0; i < c.num_layers; ++i) {
      const std::string t = j["layer_types"][i].get<std::string>();
      LLMC_CHECK(t == "full_attention" || t == "sliding_attention")
          << src << ": unsupported layer type '" << t << "' at layer " << i;
      if (t == "sliding_attention") windows[i] = window;
    }
    return windows;
  }
  const int64_t first = qwen ? optional_value<int64_t>(j, "max_window_layers", 0, src) : 0;
  for (int64_t i = first; i < c.num_layers; ++i) windows[i] = window;
  return windows;
}

}  // namespace

ModelConfig ModelConfig::from_json(const json& j, const std::string& src) {
  LLMC_CHECK(j.is_object()) << src << ": expected a JSON object";
  ModelConfig c;
  LLMC_CHECK(j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty() &&
             j["architectures"][0].is_string())
      << src << ": missing required key 'architectures' (a list naming the model class)";
  c.architecture = j["architectures"][0].get<std::string>();
  const ArchitectureTraits& traits = traits_for(c.architecture, src);
  c.model_type = optional_value<std::string>(j, "model_type", "", src);
  c.vocab_size = required_int(j, "vocab_size", src);
  c.hidden_size = required_int(j, "hidden_size", src);
  c.intermediate_size = required_int(j, "intermediate_size", src);
  c.num_layers = required_int(j, "num_hidden_layers", src);
  c.num_heads = required_int(j, "num_attention_heads", src);
  c.num_kv_heads = j.contains("num_key_value_heads") && !j["num_key_value_heads"].is_null()
                       ? required_int(j, "num_key_value_heads", src)
                       : c.num_heads;
  c.head_dim = j.contains("head_dim") && !j["head_dim"].is_null() ? required_int(j, "head_dim", src)
                                                                   : c.hidden_size / c.num_heads;
  if (!j.contains("head_dim") || j["head_dim"].is_null()) {
    LLMC_CHECK(c.hidden_size % c.num_heads == 0)
        << src << ": hidden_size " << c.hidden_size << " is not divisible by num_attention_heads " << c.num_heads
        << " and no head_dim is given";
  }
  LLMC_CHECK(c.num_heads % c.num_kv_heads == 0) << src << ": num_attention_heads " << c.num_heads
                                                << " is not a multiple of num_key_value_heads " << c.num_kv_heads;
  LLMC_CHECK(c.head_dim % 2 == 0) << src << ": head_dim must be even for rotary embeddings, got " << c.head_dim;
  c.rms_norm_eps = optional_value<double>(j, "rms_norm_eps", 1e-6, src);
  c.max_position_embeddings = optional_value<int64_t>(j, "max_position_embeddings", 2048, src);
  LLMC_CHECK(c.max_position_embeddings > 0) << src << ": max_position_embeddings must be positive";
  c.tie_word_embeddings = optional_value<bool>(j, "tie_word_embeddings", false, src);
  const bool attention_bias = optional_value<bool>(j, "attention_bias", false, src);
  c.qkv_bias = traits.qkv_bias || attention_bias;
  c.o_bias = attention_bias;
  c.mlp_bias = optional_value<bool>(j, "mlp_bias", false, src);
  c.qk_norm = traits.qk_norm;
  const std::string act = optional_value<std::string>(j, "hidden_act", "silu", src);
  LLMC_CHECK(act == "silu" || act == "swish") << src << ": unsupported hidden_act '" << act << "' (supported: silu)";
  c.rope = parse_rope(j, src);
  c.layer_sliding_window = parse_sliding_windows(j, c, src);
  c.dtype = optional_value<std::string>(j, "dtype", optional_value<std::string>(j, "torch_dtype", "bfloat16", src), src);
  c.eos_token_ids = int_or_list(j, "eos_token_id", src);
  c.bos_token_id = optional_value<int64_t>(j, "bos_token_id", -1, src);
  return c;
}

ModelConfig ModelConfig::from_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  LLMC_CHECK(in.good()) << path.string() << ": cannot open the model's config.json";
  json j;
  try {
    j = json::parse(in);
  } catch (const json::parse_error& e) {
    LLMC_FAIL() << path.string() << ": invalid JSON: " << e.what();
  }
  return from_json(j, path.string());
}

void ModelConfig::check_tensor_parallel(int64_t tp) const {
  LLMC_CHECK(tp >= 1) << "--tp must be at least 1, got " << tp;
  LLMC_CHECK(num_heads % tp == 0) << "--tp " << tp << " does not divide the model's " << num_heads
                                  << " attention heads";
  LLMC_CHECK(num_kv_heads % tp == 0 || tp % num_kv_heads == 0)
      << "--tp " << tp << " neither divides nor is a multiple of the model's " << num_kv_heads
      << " key/value heads (they would have to be split unevenly)";
  LLMC_CHECK(intermediate_size % tp == 0) << "--tp " << tp << " does not divide the model's intermediate_size "
                                          << intermediate_size;
}

std::string ModelConfig::fingerprint() const {
  std::ostringstream s;
  s << architecture << '/' << vocab_size << '/' << hidden_size << '/' << intermediate_size << '/' << num_layers
    << '/' << num_heads << '/' << num_kv_heads << '/' << head_dim << '/' << rms_norm_eps << '/'
    << static_cast<int>(rope.type) << '/' << rope.theta << '/' << rope.factor << '/' << tie_word_embeddings;
  return s.str();
}

}  // namespace llmc
