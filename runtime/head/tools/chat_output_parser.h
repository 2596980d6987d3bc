// One chat choice's output, as the response builder sees it: reasoning (when a reasoning parser is set), then
// content and tool calls (when tool calls are parsed for this request). Gives each call its id. Streaming and
// non-streaming replies are built from the same deltas, so they agree whatever the chunking.
//
// Owned by one ResponseBuilder choice; not thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/head/tools/output_delta.h"
#include "runtime/head/tools/reasoning_parser.h"
#include "runtime/head/tools/tool_call_parser.h"

namespace llmc::tools {

struct ChatOutputOptions {
  std::optional<ReasoningFormat> reasoning;
  std::optional<ToolCallFormat> tool_calls;  // parse tool calls in this format
  bool parallel_tool_calls = true;           // false: calls after the first are dropped
  // Text the prompt ended with that belongs to the answer's format (a forced call's opening marker, e.g.
  // "<tool_call>\n"): the tool-call parser reads it before the output. A forced call has no reasoning
  // section, so the reasoning parser is not used then.
  std::string forced_prefix;

  bool parses_anything() const { return reasoning.has_value() || tool_calls.has_value(); }
};

class ChatOutputParser {
 public:
  using IdMaker = std::function<std::string(ToolCallFormat)>;
  // `make_id`: the ids of calls (default: make_tool_call_id).
  explicit ChatOutputParser(const ChatOutputOptions& options, IdMaker make_id = {});
  ~ChatOutputParser();

  OutputDelta feed(std::string_view text);
  OutputDelta finish();
  // Whether any tool call has started (finish_reason "tool_calls").
  bool called_tools() const { return num_calls_ > 0; }

 private:
  OutputDelta through_tools(OutputDelta delta, bool end);

  ChatOutputOptions options_;
  IdMaker make_id_;
  std::unique_ptr<ReasoningParser> reasoning_;
  std::unique_ptr<ToolCallParser> tools_;
  int32_t num_calls_ = 0;
};

// OpenAI-style: "call_" + 24 letters and digits. Mistral's templates insist on exactly 9 letters and digits.
std::string make_tool_call_id(ToolCallFormat format);

}  // namespace llmc::tools
