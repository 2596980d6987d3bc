// What the HTTP API serves: the model's names, tokenizer, chat template, generation defaults and length
// limit.
//
// Loaded once at startup (load_served_model) and shared read-only by every I/O thread: Tokenizer and
// ChatTemplate are immutable and safe to use from many threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/chat/chat_template.h"
#include "engine/chat/chat_template_source.h"
#include "engine/core/generation_config.h"
#include "engine/tokenizer/tokenizer.h"
#include "runtime/head/tools/reasoning_parser.h"
#include "runtime/head/tools/tool_call_parser.h"

namespace llmc {

struct ServedModel {
  std::vector<std::string> names;  // accepted as `model`; names[0] is the one reported in responses
  std::string root;                // the model folder, reported by /v1/models
  std::shared_ptr<const Tokenizer> tokenizer;  // null: only token-id prompts (no text, no chat)
  // The chat template source (special tokens) and its parsed templates; null: the chat API answers 400.
  std::shared_ptr<const ChatTemplateSource> chat_source;
  std::shared_ptr<const ChatTemplate> chat_template;      // the default template
  std::shared_ptr<const ChatTemplate> tool_use_template;  // used when tools are passed; may be null
  GenerationConfig generation;                            // the model's default sampling settings
  int32_t max_model_len = 0;  // prompt + output tokens of one sequence at most (the engine's limit)
  // How the model writes tool calls (--tool-call-parser, else detected from the chat template); none: tool
  // calls are not parsed and tool_choice "auto", "required" and named functions are refused.
  std::optional<tools::ToolCallFormat> tool_call_format;
  bool enable_auto_tool_choice = false;                   // --enable-auto-tool-choice: tool_choice "auto" parses calls
  std::optional<tools::ReasoningFormat> reasoning_format;  // --reasoning-parser: <think> -> reasoning_content
};

struct ServedModelPaths {
  std::filesystem::path model_dir;
  std::optional<std::filesystem::path> tokenizer_dir;  // --tokenizer; default: the model folder
  std::optional<std::filesystem::path> chat_template;  // --chat-template FILE
  std::vector<std::string> served_model_names;         // --served-model-name; default: the model folder path
  // How its chat outputs are read (vLLM's flags): --tool-call-parser NAME (empty: detect from the template),
  // --enable-auto-tool-choice, --reasoning-parser NAME (empty: none).
  std::string tool_call_parser;
  bool enable_auto_tool_choice = false;
  std::string reasoning_parser;
};

// Loads the tokenizer (tokenizer_dir or model_dir), the chat template (a model without one serves
// completions only, with a warning), and generation_config.json; resolves the output parsers. Throws
// llmc::Error naming the file or the flag.
ServedModel load_served_model(const ServedModelPaths& paths, int32_t max_model_len);

// The template a conversation renders with: the model's tool_use template when tools were given and it has one,
// else its default. The model must have a chat template.
const ChatTemplate& chat_template_for(const ServedModel& model, bool with_tools);

}  // namespace llmc
