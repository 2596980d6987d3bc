// config.json parsing: both layouts in the wild, defaults, and every rejection naming what is wrong.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/core/model_config.h"
#include "engine/model/rope_table.h"

namespace llmc {
namespace {

using nlohmann::json;

json llama_v5() {
  return json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 512, "hidden_size": 128,
    "intermediate_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-5, "max_position_embeddings": 2048, "dtype": "bfloat16", "eos_token_id": [1, 2],
    "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0, "low_freq_factor": 1.0,
                        "high_freq_factor": 4.0, "original_max_position_embeddings": 256}})");
}

// The same model as transformers 4 writes it.
json llama_v4() {
  json j = llama_v5();
  j.erase("rope_parameters");
  j.erase("dtype");
  j["torch_dtype"] = "bfloat16";
  j["rope_theta"] = 500000.0;
  j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0},
                       {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 256}};
  return j;
}

std::string error_of(const json& j) {
  try {
    ModelConfig::from_json(j, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, BothLayoutsGiveTheSameModel) {
  const ModelConfig a = ModelConfig::from_json(llama_v5(), "v5");
  const ModelConfig b = ModelConfig::from_json(llama_v4(), "v4");
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.rope.type, RopeType::kLlama3);
  EXPECT_DOUBLE_EQ(b.rope.theta, 500000.0);
  EXPECT_EQ(b.rope.original_max_position_embeddings, 256);
  EXPECT_EQ(a.head_dim, 32);  // hidden / heads when head_dim is absent
  EXPECT_EQ(a.eos_token_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(b.dtype, "bfloat16");
}

TEST(ModelConfig, LegacyRopeScalingTypeKeyIsRead) {
  json j = llama_v4();
  j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
  const ModelConfig c = ModelConfig::from_json(j, "config.json");
  EXPECT_EQ(c.rope.type, RopeType::kLinear);
  EXPECT_DOUBLE_EQ(c.rope.factor, 2.0);
}

TEST(ModelConfig, ArchitectureTraits) {
  json j = llama_v5();
  j["architectures"] = {"Qwen2ForCausalLM"};
  EXPECT_TRUE(ModelConfig::from_json(j, "c").qkv_bias);
  j["architectures"] = {"Qwen3ForCausalLM"};
  EXPECT_TRUE(ModelConfig::from_json(j, "c").qk_norm);
  j["architectures"] = {"MistralForCausalLM"};
  j["sliding_window"] = 4096;
  EXPECT_EQ(ModelConfig::from_json(j, "c").layer_sliding_window, std::vector<int64_t>(4, 4096));
}

TEST(ModelConfig, RejectionsNameWhatIsWrong) {
  json j = llama_v5();
  j.erase("hidden_size");

  EXPECT_NE(error_of(j).find("missing required key 'hidden_size'"), std::string::npos) << error_of(j);
  j = llama_v5();
  j["architectures"] = {"GPT2LMHeadModel"};
  EXPECT_NE(error_of(j).find("unsupported architecture 'GPT2LMHeadModel'"), std::string::npos);
  j = llama_v5();
  j["rope_parameters"]["rope_type"] = "yarn-ish";
  EXPECT_NE(error_of(j).find("unsupported rope type 'yarn-ish'"), std::string::npos);
  j = llama_v5();
  j["num_key_value_heads"] = 3;
  EXPECT_NE(error_of(j).find("not a multiple of num_key_value_heads"), std::string::npos);
  j = llama_v5();
  j["num_hidden_layers"] = "four";
  EXPECT_NE(error_of(j).find("'num_hidden_layers' must be an integer"), std::string::npos);
  j = llama_v5();
  j["hidden_act"] = "gelu";
  EXPECT_NE(error_of(j).find("unsupported hidden_act 'gelu'"), std::string::npos);
}

TEST(ModelConfig, TensorParallelLimits) {
  const ModelConfig c = ModelConfig::from_json(llama_v5(), "c");  // 4 heads, 2 kv heads
  EXPECT_NO_THROW(c.check_tensor_parallel(2));
  EXPECT_NO_THROW(c.check_tensor_parallel(4));  // kv heads replicated
  EXPECT_THROW(c.check_tensor_parallel(3), Error);
  EXPECT_THROW(c.check_tensor_parallel(8), Error);
}

TEST(RopeTable, Llama3ScalingMatchesTheFormula) {
  // Independent computation of the published llama3 rule for a few frequencies of head_dim 32.
  RopeConfig rope;
  rope.type = RopeType::kLlama3;
  rope.theta = 500000.0;
  rope.factor = 8.0;
  rope.original_max_position_embeddings = 256;
  const auto f = rope_inverse_frequencies(rope, 32, 2048);
  for (int i : {0, 5, 10, 15}) {
    const double base = 1.0 / std::pow(500000.0, 2.0 * i / 32.0);
    const double wavelen = 2 * M_PI / base;
    double expected = base;
    if (wavelen > 256.0) {
      expected = base / 8.0;
    } else if (wavelen >= 64.0) {
      const double smooth = (256.0 / wavelen - 1.0) / 3.0;
      expected = (1 - smooth) * base / 8.0 + smooth * base;
    }
    EXPECT_NEAR(f[i], expected, expected * 1e-6) << "i=" << i;
  }
}

TEST(RopeTable, DynamicNtkFollowsTransformersPositionByPosition) {
  // transformers' dynamic NTK: unscaled frequencies within the original context; a token at position p past it
  // is rotated with base * (factor * (p + 1) / original - (factor - 1)) ^ (dim / (dim - 2)). Computed here in
  // double from that published rule (the float32 steps leave differences far below 1e-5).
  RopeConfig rope;
  rope.type = RopeType::kDynamic;
  rope.theta = 10000.0;
  rope.factor = 2.0;
  rope.original_max_position_embeddings = 64;
  const int64_t dim = 16, positions = 200;
  const auto table = model_rope_table(rope, dim, "float32", positions);
  ASSERT_EQ(table.size(), static_cast<size_t>(positions * dim));
  for (int64_t p : {0, 1, 37, 63, 64, 65, 120, 199}) {
    double base = 10000.0;
    if (p + 1 > 64) base *= std::pow(2.0 * (p + 1) / 64.0 - 1.0, dim / (dim - 2.0));
    for (int64_t i = 0; i < dim / 2; ++i) {
      const double angle = p / std::pow(base, 2.0 * i / dim);
      EXPECT_NEAR(table[p * dim + i], std::cos(angle), 2e-5) << "p " << p << " i " << i;
      EXPECT_NEAR(table[p * dim + dim / 2 + i], std::sin(angle), 2e-5) << "p " << p << " i " << i;
    }
  }
  // Within the original context the table is exactly the default one.
  RopeConfig plain = rope;
  plain.type = RopeType::kDefault;
  const auto reference = model_rope_table(plain, dim, "float32", 64);
  EXPECT_TRUE(std::equal(reference.begin(), reference.end(), table.begin()));
}

}  // namespace
}  // namespace llmc
