// The parts of transformers' tokenizer_config.json that change what encode/decode do or that callers ask
// for: the special-token strings, add_bos_token / add_eos_token, clean_up_tokenization_spaces and the
// tokenizer class (which decides whether the add_*_token flags apply, see Tokenizer::from_json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

struct TokenizerConfig {
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  // transformers 4.x reads a missing flag as false in current releases; so do we.
  bool clean_up_tokenization_spaces = false;
  std::string tokenizer_class;

  // Special tokens may be strings, null, or AddedToken objects ({"content": ..., ...}).
  static TokenizerConfig parse(const nlohmann::json& config, std::string_view where);
};

// transformers' clean_up_tokenization: drops the space before . ? ! , and before common English contractions.
std::string clean_up_tokenization(std::string_view text);

}  // namespace llmc
