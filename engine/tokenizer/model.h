// tokenizer.json "model": turns one pre-tokenized word into ids. Only BPE is supported (byte-level as in
// GPT-2/Llama 3/Qwen/DeepSeek, and SentencePiece-style with byte_fallback); WordPiece, WordLevel and Unigram
// are load errors that name the type.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of `word` (well-formed UTF-8, non-empty) to `out`. Thread-safe.
  virtual void tokenize(std::string_view word, std::vector<int32_t>& out) const = 0;
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  // nullptr when the model has no token with this id.
  virtual const std::string* id_to_token(int32_t id) const = 0;
  // One more than the largest id in the vocabulary.
  virtual int32_t id_bound() const = 0;
};

std::unique_ptr<Model> make_model(const nlohmann::json& spec, std::string_view where);

}  // namespace llmc
