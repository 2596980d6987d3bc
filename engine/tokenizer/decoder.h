// tokenizer.json "decoder": turns the token strings of decode() back into text. Supported types: ByteLevel,
// Metaspace, Replace, ByteFallback, Fuse, Strip, BPEDecoder, Sequence; others are load errors naming them.
// Each follows the decode_chain of Hugging Face `tokenizers`: it rewrites the list of token strings, and the
// text is their concatenation. The result is always well-formed UTF-8 (bad bytes become U+FFFD).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
  // The same chain without repairing bytes: ByteLevel and ByteFallback pass every byte through, even where
  // the bytes are not (yet) well-formed UTF-8. What one token contributes to a text, byte for byte
  // (Tokenizer::token_bytes, for constrained decoding).
  virtual void decode_chain_raw(std::vector<std::string>& tokens) const { decode_chain(tokens); }
  // True when the chain has a ByteFallback step, which joins runs of <0xXX> tokens across token boundaries
  // (the incremental detokenizer must not cut inside such a run).
  virtual bool has_byte_fallback() const { return false; }
};

// A null spec gives nullptr (tokens are then joined with spaces, as tokenizers does without a decoder).
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec, std::string_view where);

// "<0xXX>" -> the byte, or -1 for any other token (ByteFallback's rule).
int byte_fallback_value(std::string_view token);

}  // namespace llmc
