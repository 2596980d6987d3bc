// tokenizer.json "normalizer": rewrites the text between added tokens before pre-tokenization.
// Supported types: Sequence, NFC, NFD, NFKC, NFKD, Prepend, Replace, Lowercase, Strip, StripAccents, ByteLevel.
// Any other type is a load error naming it. Only the text matters here (no offset alignment is kept), which
// is all encode() needs.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // `text` is well-formed UTF-8 and stays so.
  virtual void normalize(std::string& text) const = 0;
};

// Builds the normalizer `spec` describes; `where` names it in errors. A null spec gives nullptr (no normalizer).
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec, std::string_view where);

}  // namespace llmc
