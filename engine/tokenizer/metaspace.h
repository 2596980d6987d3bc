// Metaspace settings shared by the Metaspace pre-tokenizer and decoder (SentencePiece's "▁" for spaces).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace llmc {

enum class PrependScheme { kAlways, kFirst, kNever };

struct MetaspaceOptions {
  std::string replacement = "\xE2\x96\x81";  // U+2581
  PrependScheme prepend_scheme = PrependScheme::kAlways;
};

// Reads "replacement" and "prepend_scheme" ("always" | "first" | "never"), or the older "add_prefix_space".
MetaspaceOptions parse_metaspace_options(const nlohmann::json& spec, std::string_view where);

// Appends `word` with spaces replaced and the replacement prepended as the scheme says; `at_origin` tells
// whether the word starts the input (scheme "first").
void metaspace_encode(const MetaspaceOptions& options, std::string_view word, bool at_origin, std::string& out);

}  // namespace llmc
