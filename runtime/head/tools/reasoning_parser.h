// Reasoning parsers: split a reasoning model's output into reasoning_content (the <think> section) and
// content, incrementally or whole with the same result (a byte at a time, holding back only what may be part
// of a tag).
//
// Names as vLLM's --reasoning-parser:
//   deepseek_r1  The output is reasoning until </think> (the template has already opened the section; a
//   leading
//                <think> is skipped if the model writes one). No </think>: everything is reasoning.
//   qwen3        Reasoning only when the output starts with <think> (leading whitespace allowed); then up to
//                </think>. Without the opening tag (enable_thinking=false) everything is content.
// The tags themselves appear in neither field; text after </think> is content as written.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/head/tools/marker_scanner.h"
#include "runtime/head/tools/output_delta.h"

namespace llmc::tools {

enum class ReasoningFormat { kDeepSeekR1, kQwen3 };

class ReasoningParser {
 public:
  explicit ReasoningParser(ReasoningFormat format);
  // Reasoning goes to `reasoning`, the rest to `content` (which a tool-call parser may read further).
  OutputDelta feed(std::string_view text);
  OutputDelta finish();

 private:
  enum class State { kStart, kReasoning, kContent };
  void on_byte(char c, OutputDelta& out);

  ReasoningFormat format_;
  State state_ = State::kStart;
  std::string start_;  // leading whitespace and as much of "<think>" as has come
  MarkerScanner end_{{"</think>"}, false};
};

// "deepseek_r1", "qwen3"; nullopt for others.
std::optional<ReasoningFormat> reasoning_format_from_name(std::string_view name);
std::string reasoning_format_names();

}  // namespace llmc::tools
