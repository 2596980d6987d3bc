// The real fixture checkpoints (tests/data/models/<name>/, copied from Hugging Face save_pretrained output)
// open, and hold exactly the tensors, with the shapes, that their config.json implies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "engine/safetensors/checkpoint.h"

namespace llmc {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Shapes = std::map<std::string, std::vector<int64_t>>;

int64_t get_int(const Json& config, const char* key) { return config.at(key).get<int64_t>(); }

// The parameter layout of transformers' Llama/Mistral/Qwen2/Qwen3 decoder models, written out from the
// architecture, not from the files.
Shapes expected_shapes(const Json& c) {
  const int64_t hidden = get_int(c, "hidden_size");
  const int64_t inter = get_int(c, "intermediate_size");
  const int64_t heads = get_int(c, "num_attention_heads");
  const int64_t kv_heads = get_int(c, "num_key_value_heads");
  const int64_t head_dim =
      c.contains("head_dim") && !c["head_dim"].is_null() ? get_int(c, "head_dim") : hidden / heads;
  const int64_t vocab = get_int(c, "vocab_size");
  const std::string type = c.at("model_type").get<std::string>();
  const auto flag = [&](const char* key) {
    return c.contains(key) && c[key].is_boolean() && c[key].get<bool>();
  };
  const bool bias = type == "qwen2" || flag("attention_bias");
  Shapes s;
  s["model.embed_tokens.weight"] = {vocab, hidden};
  s["model.norm.weight"] = {hidden};
  if (!flag("tie_word_embeddings")) s["lm_head.weight"] = {vocab, hidden};
  for (int64_t l = 0; l < get_int(c, "num_hidden_layers"); ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    s[p + "input_layernorm.weight"] = {hidden};
    s[p + "post_attention_layernorm.weight"] = {hidden};
    s[p + "mlp.gate_proj.weight"] = {inter, hidden};
    s[p + "mlp.up_proj.weight"] = {inter, hidden};
    s[p + "mlp.down_proj.weight"] = {hidden, inter};
    s[p + "self_attn.q_proj.weight"] = {heads * head_dim, hidden};
    s[p + "self_attn.k_proj.weight"] = {kv_heads * head_dim, hidden};
    s[p + "self_attn.v_proj.weight"] = {kv_heads * head_dim, hidden};
    s[p + "self_attn.o_proj.weight"] = {hidden, heads * head_dim};
    if (bias) {
      s[p + "self_attn.q_proj.bias"] = {heads * head_dim};
      s[p + "self_attn.k_proj.bias"] = {kv_heads * head_dim};
      s[p + "self_attn.v_proj.bias"] = {kv_heads * head_dim};
    }
    if (type == "qwen3") {
      s[p + "self_attn.q_norm.weight"] = {head_dim};
      s[p + "self_attn.k_norm.weight"] = {head_dim};
    }
  }
  return s;
}

class FixtureCheckpoint : public ::testing::TestWithParam<const char*> {};

TEST_P(FixtureCheckpoint, OpensWithTheShapesItsConfigImplies) {
  const char* root = std::getenv("LLMC_TEST_DATA");
  const fs::path dir = fs::path(root != nullptr ? root : "tests/data") / "models" / GetParam();
  if (!fs::exists(dir / "config.json")) GTEST_SKIP() << dir << " is absent";
  const Json config = Json::parse(std::ifstream(dir / "config.json"));
  const Shapes expected = expected_shapes(config);

  auto ckpt = Checkpoint::open(dir);
  Shapes actual;
  for (const std::string& name : ckpt->names()) actual[name] = ckpt->tensor(name).shape;
  EXPECT_EQ(actual, expected);

  for (const std::string& name : ckpt->names()) {
    const TensorView& view = ckpt->tensor(name);
    EXPECT_EQ(view.dtype, DType::kBF16) << name;  // the fixtures are saved in bfloat16
    std::vector<float> values(static_cast<size_t>(view.numel()));
    read_f32(view, values.data());
    bool finite = true;
    bool nonzero = false;
    for (float v : values) {
      finite = finite && std::isfinite(v);
      nonzero = nonzero || v != 0.0f;
    }
    EXPECT_TRUE(finite) << name;
    // transformers initialises biases to zero (the qwen2 fixture's are), so only weights must carry values.
    if (!name.ends_with(".bias")) {
      EXPECT_TRUE(nonzero) << name;
    }
  }

  if (fs::exists(dir / "model.safetensors.index.json")) {
    const Json index = Json::parse(std::ifstream(dir / "model.safetensors.index.json"));
    EXPECT_EQ(index.at("weight_map").size(), ckpt->names().size());
    for (const auto& [name, file] : index.at("weight_map").items()) {
      EXPECT_EQ(fs::path(ckpt->tensor(name).file).filename(), file.get<std::string>()) << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Models, FixtureCheckpoint,
                         ::testing::Values("llama", "llama3-vocab", "mistral", "qwen2", "qwen3"));

}  // namespace
}  // namespace llmc
