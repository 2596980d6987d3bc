// A Hugging Face tokenizer (tokenizer.json, plus tokenizer_config.json when present) in C++.
//
// encode: added tokens are cut out of the raw text (leftmost-longest), the rest is normalized,
// pre-tokenized into words and run through the model (BPE); with add_special_tokens the post-processor adds
// BOS/EOS. decode: ids become token strings and the decoder chain turns them back into text. Components
// that tokenizer.json names but this code does not implement are load errors naming the component, never a
// silently different tokenization. See README.md for what is supported.
//
// A constructed Tokenizer is immutable; every const method is safe to call from several threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/tokenizer/tokenizer_config.h"

namespace llmc {

class Tokenizer {
 public:
  // dir/tokenizer.json, and dir/tokenizer_config.json when it exists.
  static std::unique_ptr<Tokenizer> from_dir(const std::filesystem::path& dir);
  static std::unique_ptr<Tokenizer> from_files(const std::filesystem::path& tokenizer_json,
                                               const std::optional<std::filesystem::path>& tokenizer_config_json);
  // From parsed documents; `where` names the source in error messages ("tokenizer.json").
  static std::unique_ptr<Tokenizer> from_json(const nlohmann::json& tokenizer, const nlohmann::json* config,
                                              std::string_view where);
  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Throws llmc::Error when `text` is not well-formed UTF-8. Special-token strings in the text are parsed as
  // those tokens (transformers' default, split_special_tokens=False).
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;

  // Ids the tokenizer does not know are skipped (as in tokenizers). `clean_up_spaces` defaults to the
  // config's clean_up_tokenization_spaces. The result is always well-formed UTF-8.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens,
                     std::optional<bool> clean_up_spaces = std::nullopt) const;

  // The bytes token `id` adds to a decoded text when it follows other tokens: no first-token space strip, no
  // repair of incomplete UTF-8 (a byte-fallback or byte-level token may hold part of a character). What a
  // byte-level constraint matches tokens against. nullopt for ids the tokenizer does not know.
  std::optional<std::string> token_bytes(int32_t id) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // Throws llmc::Error for an id the tokenizer does not know.
  std::string id_to_token(int32_t id) const;
  // One more than the largest id (model vocabulary and added tokens together).
  int32_t vocab_size() const;
  bool is_special(int32_t id) const;
  // False for ids decode() skips as unknown (holes in the vocabulary, ids >= vocab_size()).
  bool contains_id(int32_t id) const;
  // True for a <0xXX> token that the decoder merges with neighbouring byte tokens (SentencePiece byte
  // fallback); text decoded up to such a token may still change.
  bool is_byte_fallback_token(int32_t id) const;

  // From tokenizer_config.json (strings or AddedToken objects there); nullopt when absent or null.
  std::optional<std::string> bos_token() const;
  std::optional<std::string> eos_token() const;
  std::optional<std::string> pad_token() const;
  std::optional<std::string> unk_token() const;
  std::optional<int32_t> bos_token_id() const;
  std::optional<int32_t> eos_token_id() const;
  bool clean_up_tokenization_spaces() const;
  const TokenizerConfig& config() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmc
