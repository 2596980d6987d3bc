#include "runtime/head/tools/reasoning_parser.h"

namespace llmc::tools {
namespace {

constexpr std::string_view kOpen = "<think>";

}  // namespace

ReasoningParser::ReasoningParser(ReasoningFormat format) : format_(format) {}

void ReasoningParser::on_byte(char c, OutputDelta& out) {
  switch (state_) {
    case State::kStart: {
      const size_t open = start_.find('<');
      const size_t tag_len = open == std::string::npos ? 0 : start_.size() - open;
      if ((tag_len == 0 && is_space(c)) || (tag_len < kOpen.size() && kOpen[tag_len] == c)) {
        start_ += c;
        if (tag_len + 1 == kOpen.size() && c == '>') {
          start_.clear();  // the tag and whitespace before it are dropped
          state_ = State::kReasoning;
        }
        return;
      }
      // No opening tag: deepseek_r1 is already reasoning, qwen3 is not reasoning at all.
      std::string text = std::move(start_) + c;
      start_.clear();
      if (format_ == ReasoningFormat::kDeepSeekR1) {
        state_ = State::kReasoning;
        for (const char b : text) on_byte(b, out);
      } else {
        state_ = State::kContent;
        out.content += text;
      }
      return;
    }
    case State::kReasoning:
      if (end_.feed(c, out.reasoning) == 0) state_ = State::kContent;
      return;
    case State::kContent:
      out.content += c;
      return;
  }
}

OutputDelta ReasoningParser::feed(std::string_view text) {
  OutputDelta out;
  for (const char c : text) on_byte(c, out);
  return out;
}

OutputDelta ReasoningParser::finish() {
  OutputDelta out;
  switch (state_) {
    case State::kStart:  // only whitespace or part of "<think>" came
      if (format_ == ReasoningFormat::kDeepSeekR1) {
        out.reasoning = std::move(start_);
      } else {
        out.content = std::move(start_);
      }
      start_.clear();
      break;
    case State::kReasoning:
      end_.flush(out.reasoning);
      break;
    case State::kContent:
      break;
  }
  return out;
}

std::optional<ReasoningFormat> reasoning_format_from_name(std::string_view name) {
  if (name == "deepseek_r1") return ReasoningFormat::kDeepSeekR1;
  if (name == "qwen3") return ReasoningFormat::kQwen3;
  return std::nullopt;
}

std::string reasoning_format_names() { return "deepseek_r1, qwen3"; }

}  // namespace llmc::tools
