// The JSON the `llm-cluster tokenize MODEL_DIR --input strings.json` command prints: for each input string,
// its ids without and with special tokens and the raw decode of the ids (special tokens kept, no cleanup),
// which is the text a server would stream back.
#pragma once

#include <nlohmann/json.hpp>

namespace llmc {

class Tokenizer;

// `strings` must be a JSON array of strings; anything else throws llmc::Error naming the offending entry.
// Returns [{"text", "ids", "ids_with_special", "decoded"}, ...] in input order.
nlohmann::json tokenize_report(const Tokenizer& tokenizer, const nlohmann::json& strings);

}  // namespace llmc
