// Finding a model's chat template and the variables transformers passes to it.
//
// Where the template comes from, first match wins:
//   1. an explicit file (`--chat-template FILE`);
//   2. `chat_template.jinja` in the model folder (transformers >= 4.43 saves it there);
//   3. `chat_template` in tokenizer_config.json: a string, or a list of {"name", "template"} where "default"
//      is used (and "tool_use" when tools are passed, as transformers does);
//   4. `chat_template` in chat_template.json (processor configs of multimodal models).
// Named templates from `additional_chat_templates/*.jinja` are added to the named set.
// Special tokens come from tokenizer_config.json as transformers' special_tokens_map has them.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace llmc {

struct ChatTemplateSource {
  std::string template_text;  // the default template
  std::string origin;         // where it came from, for error messages ("dir/tokenizer_config.json")
  std::map<std::string, std::string> named_templates;  // other named templates ("tool_use", ...)
  // bos_token, eos_token, unk_token, sep_token, pad_token, cls_token, mask_token (strings, only those
  // set), additional_special_tokens (list, when non-empty), and extra_special_tokens entries.
  nlohmann::ordered_json special_tokens = nlohmann::ordered_json::object();

  // The template transformers would pick: "tool_use" when tools are given and one exists, else the default.
  const std::string& select(bool has_tools) const;
};

// Throws llmc::Error naming the file when a file is unreadable or malformed, or when no template exists.
ChatTemplateSource load_chat_template_source(
    const std::filesystem::path& model_dir,
    const std::optional<std::filesystem::path>& template_file = std::nullopt);

// The variables of one render, as transformers' apply_chat_template passes them: messages,
// add_generation_prompt, tools=None, documents=None, the special tokens, then every member of extra_vars
// (chat_template_kwargs; they override the others).
nlohmann::ordered_json chat_template_variables(
    const ChatTemplateSource& source, const nlohmann::ordered_json& messages, bool add_generation_prompt,
    const nlohmann::ordered_json& extra_vars = nlohmann::ordered_json::object());

// For `llm-cluster chat-template MODEL_DIR --input conversations.json`: renders each conversation
// {"messages": [...], "add_generation_prompt": bool (default false), "extra_vars": {...} (optional)} and
// returns [{"rendered": "..."}, ...] in the same order. Other members (such as a fixture's "name" or
// "rendered") are ignored, so a chat_expected.json file is valid input. Throws llmc::Error naming the
// conversation (index and name) on bad input or a template error.
nlohmann::ordered_json chat_template_report(const std::filesystem::path& model_dir,
                                            const std::optional<std::filesystem::path>& template_file,
                                            const nlohmann::ordered_json& conversations);

}  // namespace llmc
