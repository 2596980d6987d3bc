#include "engine/tokenizer/metaspace.h"

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {

MetaspaceOptions parse_metaspace_options(const nlohmann::json& spec, std::string_view where) {
  MetaspaceOptions options;
  if (auto r = json_fields::optional_string(spec, "replacement", where)) options.replacement = *r;
  LLMC_CHECK(!options.replacement.empty() && utf8::sequence_length(options.replacement[0]) == options.replacement.size())
      << where << ": replacement must be a single character, got '" << options.replacement << "'";
  if (auto scheme = json_fields::optional_string(spec, "prepend_scheme", where)) {
    if (*scheme == "always") options.prepend_scheme = PrependScheme::kAlways;
    else if (*scheme == "first") options.prepend_scheme = PrependScheme::kFirst;
    else if (*scheme == "never") options.prepend_scheme = PrependScheme::kNever;
    else LLMC_FAIL() << where << ": unknown prepend_scheme '" << *scheme << "' (expected always, first or never)";
  } else {
    options.prepend_scheme = json_fields::bool_field(spec, "add_prefix_space", true, where) ? PrependScheme::kAlways
                                                                                          : PrependScheme::kNever;
  }
  return options;
}

void metaspace_encode(const MetaspaceOptions& options, std::string_view word, bool at_origin, std::string& out) {
  const bool starts_with_replacement = word.starts_with(' ') || word.starts_with(options.replacement);
  const bool prepend = !starts_with_replacement && (options.prepend_scheme == PrependScheme::kAlways ||
                                                    (options.prepend_scheme == PrependScheme::kFirst && at_origin));
  if (prepend) out.append(options.replacement);
  size_t prev = 0;
  for (size_t at = word.find(' '); at != std::string_view::npos; at = word.find(' ', prev)) {
    out.append(word.substr(prev, at - prev)).append(options.replacement);
    prev = at + 1;
  }
  out.append(word.substr(prev));
}

}  // namespace llmc
