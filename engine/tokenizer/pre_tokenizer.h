// tokenizer.json "pre_tokenizer": cuts normalized text into the words the model tokenizes one by one.
// Supported types: Sequence, Split, ByteLevel, Metaspace, Digits, Punctuation, WhitespaceSplit, Whitespace,
// BertPreTokenizer, CharDelimiterSplit. Any other type is a load error naming it.
//
// Words are byte spans of one buffer, so cutting never copies; only the components that rewrite text
// (ByteLevel, Metaspace) build a new buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

struct Piece {
  uint32_t begin = 0;
  uint32_t end = 0;
  // The piece starts where the input text started (Metaspace's prepend_scheme "first" looks at this).
  bool at_origin = false;
};

struct PieceList {
  std::string text;
  std::vector<Piece> pieces;
  std::string_view view(const Piece& p) const { return std::string_view(text).substr(p.begin, p.end - p.begin); }
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Rewrites `list` in place; `scratch` is working space whose contents are unspecified afterwards.
  virtual void pre_tokenize(PieceList& list, PieceList& scratch) const = 0;
};

// Builds the pre-tokenizer `spec` describes; `where` names it in errors. A null spec gives nullptr.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, std::string_view where);

}  // namespace llmc
