// Building a Tokenizer from tokenizer.json (+ tokenizer_config.json), validating as it goes.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/tokenizer_impl.h"

namespace llmc {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  LLMC_CHECK(in.good()) << path.string() << ": cannot open for reading";
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return json::parse(buffer.str());
  } catch (const json::parse_error& e) {
    LLMC_FAIL() << path.string() << ": not valid JSON: " << e.what();
  }
}

const json& member_or_null(const json& doc, std::string_view key) {
  static const json kNull;
  const json* v = json_fields::optional(doc, key);
  return v ? *v : kNull;
}

// transformers' Llama and Gemma tokenizers (4.x) replace the tokenizer.json post-processor with
// "[bos] $A [eos]" built from add_bos_token (default true) and add_eos_token (default false). Other classes
// keep tokenizer.json's post-processor whatever the flags say.
bool class_rebuilds_post_processor(const std::string& tokenizer_class) {
  for (const char* name : {"LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer", "CodeLlamaTokenizerFast",
                           "GemmaTokenizer", "GemmaTokenizerFast"}) {
    if (tokenizer_class == name) return true;
  }
  return false;
}

std::optional<int32_t> required_special_id(const Tokenizer& tok, const std::optional<std::string>& token,
                                           std::string_view flag, std::string_view where) {
  LLMC_CHECK(token.has_value()) << where << ": " << flag << " is true but the token it adds is not set";
  const auto id = tok.token_to_id(*token);
  LLMC_CHECK(id.has_value()) << where << ": " << flag << " is true but '" << *token
                             << "' is not in the vocabulary";
  return id;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_dir(const std::filesystem::path& dir) {
  const auto tokenizer_json = dir / "tokenizer.json";
  LLMC_CHECK(std::filesystem::exists(tokenizer_json))
      << dir.string() << ": no tokenizer.json (only the Hugging Face tokenizers format is supported; "
      << "tokenizer.model / vocab.json alone are not)";
  const auto config = dir / "tokenizer_config.json";
  return from_files(tokenizer_json, std::filesystem::exists(config) ? std::optional(config) : std::nullopt);
}

std::unique_ptr<Tokenizer> Tokenizer::from_files(const std::filesystem::path& tokenizer_json,
                                                 const std::optional<std::filesystem::path>& tokenizer_config_json) {
  const json tokenizer = read_json(tokenizer_json);
  std::optional<json> config;
  if (tokenizer_config_json) config = read_json(*tokenizer_config_json);
  auto tok = from_json(tokenizer, config ? &*config : nullptr, tokenizer_json.string());
  return tok;
}

std::unique_ptr<Tokenizer> Tokenizer::from_json(const json& doc, const json* config_doc, std::string_view where) {
  const std::string w(where);
  LLMC_CHECK(doc.is_object()) << w << ": expected a JSON object at the top level, got " << doc.type_name();
  auto impl = std::make_unique<Impl>();
  for (const char* ignored : {"truncation", "padding"}) {
    if (json_fields::optional(doc, ignored)) spdlog::warn("{}: '{}' settings are ignored by this tokenizer", w, ignored);
  }
  impl->normalizer = make_normalizer(member_or_null(doc, "normalizer"), w + ": normalizer");
  impl->pre_tokenizer = make_pre_tokenizer(member_or_null(doc, "pre_tokenizer"), w + ": pre_tokenizer");
  impl->model = make_model(json_fields::required(doc, "model", w), w + ": model");
  impl->post_processor = make_post_processor(member_or_null(doc, "post_processor"), w + ": post_processor");
  impl->decoder = make_decoder(member_or_null(doc, "decoder"), w + ": decoder");
  const json& added = member_or_null(doc, "added_tokens");
  impl->added = AddedVocabulary(added.is_null() ? json::array() : added, impl->normalizer.get(), w + ": added_tokens");
  impl->vocab_size = std::max(impl->model->id_bound(), impl->added.id_bound());
  impl->special.assign(impl->vocab_size, false);
  for (int32_t id = 0; id < impl->added.id_bound(); ++id) {
    if (const AddedToken* t = impl->added.find(id)) impl->special[id] = t->special;
  }

  const std::string config_where = "tokenizer_config.json";
  if (config_doc) impl->config = TokenizerConfig::parse(*config_doc, config_where);
  auto tok = std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
  const TokenizerConfig& cfg = tok->impl_->config;
  if (config_doc && class_rebuilds_post_processor(cfg.tokenizer_class)) {
    const bool add_bos = cfg.add_bos_token.value_or(true);
    const bool add_eos = cfg.add_eos_token.value_or(false);
    const auto bos = add_bos ? required_special_id(*tok, cfg.bos_token, "add_bos_token", config_where) : std::nullopt;
    const auto eos = add_eos ? required_special_id(*tok, cfg.eos_token, "add_eos_token", config_where) : std::nullopt;
    tok->impl_->post_processor = make_bos_eos_processor(bos, eos);
  }
  return tok;
}

}  // namespace llmc
