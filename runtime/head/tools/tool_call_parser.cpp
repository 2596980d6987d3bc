#include "runtime/head/tools/tool_call_parser.h"

#include "runtime/head/tools/call_object_reader.h"
#include "runtime/head/tools/format_parsers.h"

namespace llmc::tools {

OutputDelta ToolCallParser::feed(std::string_view text) {
  OutputDelta out;
  if (passthrough_) {
    out.content.assign(text);
    return out;
  }
  for (const char c : text) {
    if (passthrough_) {
      out.content += c;
    } else {
      on_byte(c, out);
    }
  }
  return out;
}

OutputDelta ToolCallParser::finish() {
  OutputDelta out;
  if (!passthrough_) on_end(out);
  return out;
}

void ToolCallParser::give_up_call(OutputDelta& out) {
  const std::string& raw = reader_->raw();
  if (reader_->started()) {
    out.content += raw.back();  // the byte that broke the call; what came before it is the call's
  } else {
    out.content += pending_raw_ + raw;
  }
  pending_raw_.clear();
  reader_.reset();
  passthrough_ = true;
}

void ToolCallParser::pass_through(char c, OutputDelta& out) {
  out.content += pending_raw_;
  out.content += c;
  pending_raw_.clear();
  passthrough_ = true;
}

void ToolCallParser::end_inside_call(OutputDelta& out) {
  if (!reader_->started()) out.content += pending_raw_ + reader_->raw();
  pending_raw_.clear();
  reader_.reset();
}

void ToolCallParser::start_reader(char c, bool arguments_required, OutputDelta& out) {
  reader_ = std::make_unique<CallObjectReader>(num_calls_, arguments_required);
  feed_reader(c, out);
}

bool ToolCallParser::feed_reader(char c, OutputDelta& out) {
  switch (reader_->feed(c, out)) {
    case CallObjectReader::Status::kReading:
      return false;
    case CallObjectReader::Status::kDone:
      ++num_calls_;
      pending_raw_.clear();
      reader_.reset();
      return true;
    case CallObjectReader::Status::kError:
      give_up_call(out);
      return true;
  }
  return true;
}

std::unique_ptr<ToolCallParser> make_tool_call_parser(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kLlama3Json:
      return std::make_unique<Llama3JsonParser>();
    case ToolCallFormat::kHermes:
      return std::make_unique<HermesParser>();
    case ToolCallFormat::kMistral:
      return std::make_unique<MistralParser>();
  }
  return nullptr;
}

std::optional<ToolCallFormat> tool_call_format_from_name(std::string_view name) {
  if (name == "llama3_json" || name == "llama4_json") return ToolCallFormat::kLlama3Json;
  if (name == "hermes") return ToolCallFormat::kHermes;
  if (name == "mistral") return ToolCallFormat::kMistral;
  return std::nullopt;
}

const char* tool_call_format_name(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kLlama3Json:
      return "llama3_json";
    case ToolCallFormat::kHermes:
      return "hermes";
    case ToolCallFormat::kMistral:
      return "mistral";
  }
  return "";
}

std::string tool_call_format_names() { return "llama3_json, hermes, mistral"; }

std::optional<ToolCallFormat> detect_tool_call_format(std::string_view t) {
  const auto has = [&](std::string_view s) { return t.find(s) != std::string_view::npos; };
  if (has("[TOOL_CALLS]")) return ToolCallFormat::kMistral;
  if (has("<tool_call>")) return ToolCallFormat::kHermes;
  if (has("<|python_tag|>") || (has("<|start_header_id|>") && has("tools")))
    return ToolCallFormat::kLlama3Json;
  return std::nullopt;
}

}  // namespace llmc::tools
