// A chat request's tools, tool_choice and parallel_tool_calls: validated, turned into how the reply is parsed
// (tools::ChatOutputOptions) and, for tool_choice "required" or a named function, the constraint that makes
// the answer a call (tools::ToolCallConstraint). Semantics as vLLM's:
//   - tool_choice defaults to "auto" when tools are given, else "none";
//   - "none": tools still reach the template, the output is not parsed for calls;
//   - "auto": calls are parsed; needs --enable-auto-tool-choice and a tool-call parser (given or detected);
//   - "required" / {"type": "function", "function": {"name": ...}}: needs a tool-call parser; the output is
//     constrained to a call in that parser's format.
// Every problem is a 400 naming the field.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "runtime/head/http/served_model.h"
#include "runtime/head/request_schema.h"
#include "runtime/head/tools/chat_output_parser.h"
#include "runtime/head/tools/tool_call_constraint.h"

namespace llmc::http_api {

enum class ToolChoice { kNone, kAuto, kRequired, kNamed };

struct ToolRequest {
  nlohmann::ordered_json tools;  // the validated list in the client's key order; null when none was given
  ToolChoice choice = ToolChoice::kNone;
  std::string function;  // kNamed: the function to call
  bool parallel_tool_calls = true;
  tools::ChatOutputOptions output;  // reasoning (the server's parser) and tool-call parsing
  std::optional<tools::ToolCallConstraint> constraint;  // kRequired / kNamed
  // Detokenize with special tokens: the format's marker is one (Mistral's [TOOL_CALLS]), as vLLM does.
  bool keep_special_tokens = false;
};

// `body` is the checked chat body, `ordered` the same body in the client's key order.
ToolRequest read_tool_request(const CheckedBody& body, const nlohmann::ordered_json& ordered,
                              const ServedModel& model);

const char* tool_choice_name(ToolChoice choice);

}  // namespace llmc::http_api
