// What a forced tool call (tool_choice "required" or a named function) must look like, in the format of the
// model's tool-call parser, for constrained decoding: text the prompt ends with (the format's opening marker,
// so the model starts inside a call) and the JSON schema the output must then match. The output is then
// always a call the parser reads (ChatOutputOptions::forced_prefix = prompt_suffix):
//   hermes       prompt + "<tool_call>\n", output {"name": <one of the tools>, "arguments": <its parameters>}
//   llama3_json  output {"name": ..., "parameters": ...}
//   mistral      prompt + "[TOOL_CALLS]", output [{"name": ..., "arguments": ...}, ...] (one item unless
//                parallel calls are allowed and any tool may be called)
// hermes and llama3_json give one call; "required" is met by one.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/grammar/constraint.h"
#include "runtime/head/tools/tool_call_parser.h"

namespace llmc::tools {

struct ToolCallConstraint {
  std::string prompt_suffix;      // appended to the rendered prompt before tokenizing
  nlohmann::ordered_json schema;  // JSON schema of the output (a json_schema constraint)
  bool strict = false;            // every tool allowed is marked "strict": true
};

// `tools`: the request's validated tools ([{"type": "function", "function": {"name", "parameters"?,
// "strict"?}}]); `only`: the named function (tool_choice {"type": "function", ...}), or nullopt for
// "required" (any tool). A tool without parameters takes an empty object.
ToolCallConstraint forced_tool_call_constraint(ToolCallFormat format, const nlohmann::ordered_json& tools,
                                               const std::optional<std::string>& only,
                                               bool parallel_tool_calls);

// The grammar engine's form of it (engine/grammar/constraint.h): a json_schema constraint on the output.
ConstraintSpec constraint_spec(const ToolCallConstraint& constraint);

}  // namespace llmc::tools
