// The three tool-call formats (see tool_call_parser.h). Internal to llmc_head_tools.
#pragma once

#include "runtime/head/tools/call_object_reader.h"
#include "runtime/head/tools/marker_scanner.h"
#include "runtime/head/tools/tool_call_parser.h"

namespace llmc::tools {

class HermesParser : public ToolCallParser {
 protected:
  void on_byte(char c, OutputDelta& out) override;
  void on_end(OutputDelta& out) override;

 private:
  enum class State { kContent, kInCall, kAfterObject };
  State state_ = State::kContent;
  MarkerScanner content_{{"<tool_call>"}, true};
  MarkerScanner close_{{"</tool_call>"}, true};
};

class MistralParser : public ToolCallParser {
 protected:
  void on_byte(char c, OutputDelta& out) override;
  void on_end(OutputDelta& out) override;

 private:
  enum class State { kContent, kAfterMarker, kArrayNext, kInCall, kArrayAfter };
  State state_ = State::kContent;
  bool in_array_ = false;
  MarkerScanner content_{{"[TOOL_CALLS]"}, true};
};

class Llama3JsonParser : public ToolCallParser {
 protected:
  void on_byte(char c, OutputDelta& out) override;
  void on_end(OutputDelta& out) override;

 private:
  enum class State { kStart, kExpectObject, kInCall, kAfterObject };
  State state_ = State::kStart;
};

}  // namespace llmc::tools
