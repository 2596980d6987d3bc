// generation_config.json: the model's stop tokens and its authors' default sampling settings.
// Absent file or keys leave the defaults; a present but malformed file is an error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

namespace llmc {

struct GenerationConfig {
  std::vector<int64_t> eos_token_ids;  // every id that ends generation (config.json's eos ids are merged in)
  std::optional<int64_t> bos_token_id;
  std::optional<float> temperature;
  std::optional<float> top_p;
  std::optional<int32_t> top_k;
  std::optional<float> min_p;
  std::optional<float> repetition_penalty;
  std::optional<int32_t> max_new_tokens;

  // Reads MODEL_DIR/generation_config.json if present.
  static GenerationConfig from_model_dir(const std::filesystem::path& dir);
};

}  // namespace llmc
