#include "engine/core/generation_config.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "common/check.h"

namespace llmc {
namespace {

template <typename T>
std::optional<T> read_optional(const nlohmann::json& j, const char* key, const std::string& src) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  LLMC_CHECK(j[key].is_number()) << src << ": '" << key << "' must be a number, got " << j[key].dump();
  return j[key].get<T>();
}

}  // namespace

GenerationConfig GenerationConfig::from_model_dir(const std::filesystem::path& dir) {
  GenerationConfig g;
  const auto path = dir / "generation_config.json";
  if (!std::filesystem::exists(path)) return g;
  const std::string src = path.string();
  std::ifstream in(path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    LLMC_FAIL() << src << ": invalid JSON: " << e.what();
  }
  LLMC_CHECK(j.is_object()) << src << ": expected a JSON object";
  if (j.contains("eos_token_id") && !j["eos_token_id"].is_null()) {
    const auto& e = j["eos_token_id"];
    if (e.is_number_integer()) {
      g.eos_token_ids.push_back(e.get<int64_t>());
    } else {
      LLMC_CHECK(e.is_array()) << src << ": 'eos_token_id' must be an integer or a list of integers";
      for (const auto& v : e) {
        LLMC_CHECK(v.is_number_integer()) << src << ": 'eos_token_id' must hold integers, got " << v.dump();
        g.eos_token_ids.push_back(v.get<int64_t>());
      }
    }
  }
  g.bos_token_id = read_optional<int64_t>(j, "bos_token_id", src);
  g.temperature = read_optional<float>(j, "temperature", src);
  g.top_p = read_optional<float>(j, "top_p", src);
  g.top_k = read_optional<int32_t>(j, "top_k", src);
  g.min_p = read_optional<float>(j, "min_p", src);
  g.repetition_penalty = read_optional<float>(j, "repetition_penalty", src);
  g.max_new_tokens = read_optional<int32_t>(j, "max_new_tokens", src);
  return g;
}

}  // namespace llmc
