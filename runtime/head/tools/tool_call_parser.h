// Tool-call parsers: split what a model writes into content and OpenAI tool calls, incrementally (feed each
// piece of text as it is generated) or whole (feed everything, then finish). Both give the same result,
// whatever the pieces: a parser works a byte at a time and holds back only text that may still turn out to be
// part of a call ("<tool_c" could become "<tool_call>").
//
// Formats (names as vLLM's --tool-call-parser):
//   llama3_json  Llama 3.1-3.3 JSON calls: the output starts with {"name": ..., "parameters": {...}} (or
//                "arguments"), optionally after <|python_tag|>; several calls are separated by ';'.
//   hermes       Hermes 2 Pro / Qwen 2.5 / Qwen 3: <tool_call>\n{"name": ..., "arguments":
//   {...}}\n</tool_call>,
//                any number of them, after optional content.
//   mistral      Mistral v0.3 and later: content, then [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...].
//
// Text the parser cannot read as a call is content, never dropped: a call that has not started yet (its name
// and the start of its arguments not seen) goes back to content with everything around it, and from there on
// the rest of the output is content. Whitespace next to calls is dropped. A call whose output was cut off
// (max tokens) keeps the argument text written so far.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/head/tools/call_object_reader.h"
#include "runtime/head/tools/output_delta.h"

namespace llmc::tools {

enum class ToolCallFormat { kLlama3Json, kHermes, kMistral };

class ToolCallParser {
 public:
  virtual ~ToolCallParser() = default;
  // The next piece of generated text; returns what is known now.
  OutputDelta feed(std::string_view text);
  // The output ended; returns everything held back. Call once, after the last feed.
  OutputDelta finish();

 protected:
  virtual void on_byte(char c, OutputDelta& out) = 0;
  virtual void on_end(OutputDelta& out) = 0;

  // The current call's reader failed: hand its text (and `pending_raw_`) back as content if the call had not
  // started, and treat the rest of the output as content.
  void give_up_call(OutputDelta& out);
  // The text from `c` on is plain content.
  void pass_through(char c, OutputDelta& out);
  // The output ended inside a call: a started call keeps what it has, an unstarted one is content.
  void end_inside_call(OutputDelta& out);
  // A call object begins with `c`.
  void start_reader(char c, bool arguments_required, OutputDelta& out);
  // One byte into the current call; true when the call ended (complete, or given up).
  bool feed_reader(char c, OutputDelta& out);

  bool passthrough_ = false;
  int32_t num_calls_ = 0;
  std::string pending_raw_;  // text read around calls (markers, separators) not yet known to be structure
  std::unique_ptr<CallObjectReader> reader_;
};

// A parser for `format`.
std::unique_ptr<ToolCallParser> make_tool_call_parser(ToolCallFormat format);

// vLLM's parser names: "llama3_json" (also "llama4_json"), "hermes", "mistral"; nullopt for others.
std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name);
const char* tool_call_format_name(ToolCallFormat format);
// The names accepted, for messages: "llama3_json, hermes, mistral".
std::string tool_call_format_names();

// The format a chat template teaches its model, from the markers it writes: "[TOOL_CALLS]" -> mistral,
// "<tool_call>" -> hermes, "<|python_tag|>" or a Llama 3 header template that renders tools -> llama3_json.
std::optional<ToolCallFormat> detect_tool_call_format(std::string_view chat_template);

}  // namespace llmc::tools
