#include "runtime/head/tools/output_delta.h"

namespace llmc::tools {

void OutputDelta::start_call(int32_t index, std::string name) {
  ToolCallDelta d;
  d.index = index;
  d.name = std::move(name);
  tool_calls.push_back(std::move(d));
}

void OutputDelta::add_arguments(int32_t index, std::string_view text) {
  if (text.empty()) return;
  if (tool_calls.empty() || tool_calls.back().index != index) {
    ToolCallDelta d;
    d.index = index;
    tool_calls.push_back(std::move(d));
  }
  tool_calls.back().arguments += text;
}

void OutputDelta::append(OutputDelta later) {
  reasoning += later.reasoning;
  content += later.content;
  for (ToolCallDelta& d : later.tool_calls) {
    if (d.name.empty() && !tool_calls.empty() && tool_calls.back().index == d.index) {
      tool_calls.back().arguments += d.arguments;
    } else {
      tool_calls.push_back(std::move(d));
    }
  }
}

void ParsedOutput::add(const OutputDelta& delta) {
  reasoning += delta.reasoning;
  content += delta.content;
  for (const ToolCallDelta& d : delta.tool_calls) {
    if (static_cast<size_t>(d.index) >= tool_calls.size())
      tool_calls.resize(static_cast<size_t>(d.index) + 1);
    ToolCall& call = tool_calls[static_cast<size_t>(d.index)];
    if (!d.id.empty()) call.id = d.id;
    if (!d.name.empty()) call.name = d.name;
    call.arguments += d.arguments;
  }
}

}  // namespace llmc::tools
