// What a chat output parser tells the response builder after each piece of generated text: new reasoning
// text, new content, and tool-call deltas shaped as OpenAI streams them (a call's first delta has its id and
// name, later ones only argument text).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmc::tools {

struct ToolCallDelta {
  int32_t index = 0;      // the call's position in message.tool_calls
  std::string id;         // set in the call's first delta only (by ChatOutputParser)
  std::string name;       // set in the call's first delta only
  std::string arguments;  // new argument text (a JSON object, streamed as the model writes it)
};

struct OutputDelta {
  std::string reasoning;  // reasoning_content
  std::string content;
  std::vector<ToolCallDelta> tool_calls;

  bool empty() const { return reasoning.empty() && content.empty() && tool_calls.empty(); }
  // Appends `later` (what came after this delta), merging argument text into the same call's last entry.
  void append(OutputDelta later);
  void start_call(int32_t index, std::string name);
  void add_arguments(int32_t index, std::string_view text);
};

// A whole message, as accumulated from deltas.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;
};
struct ParsedOutput {
  std::string reasoning;
  std::string content;
  std::vector<ToolCall> tool_calls;

  void add(const OutputDelta& delta);
};

}  // namespace llmc::tools
