#include "engine/tokenizer/tokenizer_config.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"

namespace llmc {
namespace {

std::optional<std::string> special_token(const nlohmann::json& config, std::string_view key, std::string_view where) {
  const nlohmann::json* v = json_fields::optional(config, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  LLMC_CHECK(v->is_object()) << where << ": '" << key << "' must be a string or an AddedToken object, got "
                             << v->dump();
  return json_fields::string_field(*v, "content", std::string(where) + ": " + std::string(key));
}

std::optional<bool> optional_bool(const nlohmann::json& config, std::string_view key, std::string_view where) {
  const nlohmann::json* v = json_fields::optional(config, key);
  if (!v) return std::nullopt;
  LLMC_CHECK(v->is_boolean()) << where << ": '" << key << "' must be true or false, got " << v->dump();
  return v->get<bool>();
}

void replace_every(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

TokenizerConfig TokenizerConfig::parse(const nlohmann::json& config, std::string_view where) {
  LLMC_CHECK(config.is_object()) << where << ": expected a JSON object, got " << config.type_name();
  TokenizerConfig c;
  c.bos_token = special_token(config, "bos_token", where);
  c.eos_token = special_token(config, "eos_token", where);
  c.pad_token = special_token(config, "pad_token", where);
  c.unk_token = special_token(config, "unk_token", where);
  c.add_bos_token = optional_bool(config, "add_bos_token", where);
  c.add_eos_token = optional_bool(config, "add_eos_token", where);
  c.clean_up_tokenization_spaces = json_fields::bool_field(config, "clean_up_tokenization_spaces", false, where);
  c.tokenizer_class = json_fields::optional_string(config, "tokenizer_class", where).value_or("");
  return c;
}

std::string clean_up_tokenization(std::string_view text) {
  std::string s(text);
  // The order is transformers'; each replacement runs over the result of the previous one.
  for (const auto& [from, to] : {std::pair<std::string_view, std::string_view>{" .", "."}, {" ?", "?"}, {" !", "!"},
                                 {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"},
                                 {" 've", "'ve"}, {" 're", "'re"}}) {
    replace_every(s, from, to);
  }
  return s;
}

}  // namespace llmc
