#include "runtime/head/tools/chat_output_parser.h"

#include <random>

namespace llmc::tools {

std::string make_tool_call_id(ToolCallFormat format) {
  static constexpr char kAlnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlnum) - 2);
  const bool mistral = format == ToolCallFormat::kMistral;
  std::string id = mistral ? "" : "call_";
  for (int i = 0; i < (mistral ? 9 : 24); ++i) id += kAlnum[pick(rng)];
  return id;
}

ChatOutputParser::ChatOutputParser(const ChatOutputOptions& options, IdMaker make_id)
    : options_(options), make_id_(make_id ? std::move(make_id) : IdMaker(make_tool_call_id)) {
  if (options_.reasoning && options_.forced_prefix.empty())
    reasoning_ = std::make_unique<ReasoningParser>(*options_.reasoning);
  if (options_.tool_calls) {
    tools_ = make_tool_call_parser(*options_.tool_calls);
    // The forced prefix is the opening of a call: it starts no call and gives no content by itself.
    if (!options_.forced_prefix.empty()) tools_->feed(options_.forced_prefix);
  }
}

ChatOutputParser::~ChatOutputParser() = default;

OutputDelta ChatOutputParser::through_tools(OutputDelta delta, bool end) {
  if (!tools_) return delta;
  OutputDelta out;
  out.reasoning = std::move(delta.reasoning);
  OutputDelta parsed = tools_->feed(delta.content);
  if (end) parsed.append(tools_->finish());
  out.content = std::move(parsed.content);
  for (ToolCallDelta& d : parsed.tool_calls) {
    if (!options_.parallel_tool_calls && d.index > 0) continue;
    if (!d.name.empty()) {
      d.id = make_id_(*options_.tool_calls);
      ++num_calls_;
    }
    out.tool_calls.push_back(std::move(d));
  }
  return out;
}

OutputDelta ChatOutputParser::feed(std::string_view text) {
  if (reasoning_) return through_tools(reasoning_->feed(text), false);
  OutputDelta d;
  d.content.assign(text);
  return through_tools(std::move(d), false);
}

OutputDelta ChatOutputParser::finish() {
  OutputDelta d;
  if (reasoning_) d = reasoning_->finish();
  return through_tools(std::move(d), true);
}

}  // namespace llmc::tools
