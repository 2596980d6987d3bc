#include "engine/chat/chat_template_source.h"

#include <fstream>
#include <sstream>

#include "common/check.h"
#include "engine/chat/chat_template.h"

namespace llmc {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  LLMC_CHECK(in) << path.string() << ": cannot open file";
  std::ostringstream buf;
  buf << in.rdbuf();
  LLMC_CHECK(!in.bad()) << path.string() << ": read failed";
  return buf.str();
}

ordered_json read_json(const fs::path& path) {
  const std::string text = read_file(path);
  try {
    return ordered_json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    LLMC_FAIL() << path.string() << ": invalid JSON: " << e.what();
  }
}

// A special token is a string or an AddedToken dict {"content": ...}; null means "not set".
std::optional<std::string> token_text(const ordered_json& value, const fs::path& file,
                                      const std::string& key) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  LLMC_CHECK(value.is_object() && value.contains("content") && value["content"].is_string())
      << file.string() << ": '" << key << "' must be a string or an object with a string 'content', got "
      << value.dump();
  return value["content"].get<std::string>();
}

ordered_json special_tokens_of(const ordered_json& config, const fs::path& file) {
  ordered_json tokens = ordered_json::object();
  for (const char* key :
       {"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}) {
    if (!config.contains(key)) continue;
    if (auto text = token_text(config[key], file, key)) tokens[key] = *text;
  }
  auto token_list = [&](const ordered_json& list, const std::string& key) {
    ordered_json out = ordered_json::array();
    for (const auto& item : list) {
      if (auto text = token_text(item, file, key)) out.push_back(*text);
    }
    return out;
  };
  if (config.contains("additional_special_tokens") && config["additional_special_tokens"].is_array()) {
    ordered_json list = token_list(config["additional_special_tokens"], "additional_special_tokens");
    if (!list.empty()) tokens["additional_special_tokens"] = std::move(list);
  }
  if (config.contains("extra_special_tokens")) {
    const ordered_json& extra = config["extra_special_tokens"];
    if (extra.is_object()) {
      for (auto it = extra.begin(); it != extra.end(); ++it) {
        if (auto text = token_text(it.value(), file, it.key())) tokens[it.key()] = *text;
      }
    } else if (extra.is_array() && !tokens.contains("additional_special_tokens")) {
      ordered_json list = token_list(extra, "extra_special_tokens");
      if (!list.empty()) tokens["additional_special_tokens"] = std::move(list);
    }
  }
  return tokens;
}

// `chat_template` as a string, or a list of {"name", "template"}. Returns false when absent or null.
bool take_templates(const ordered_json& value, const fs::path& file, ChatTemplateSource& out) {
  if (value.is_null()) return false;
  if (value.is_string()) {
    out.template_text = value.get<std::string>();
    return true;
  }
  LLMC_CHECK(value.is_array()) << file.string()
                               << ": 'chat_template' must be a string or a list of {name, template}";
  bool has_default = false;
  for (const auto& entry : value) {
    LLMC_CHECK(entry.is_object() && entry.contains("name") && entry["name"].is_string() &&
               entry.contains("template") && entry["template"].is_string())
        << file.string() << ": each 'chat_template' list entry needs string 'name' and 'template'";
    const std::string name = entry["name"].get<std::string>();
    if (name == "default") {
      out.template_text = entry["template"].get<std::string>();
      has_default = true;
    } else {
      out.named_templates[name] = entry["template"].get<std::string>();
    }
  }
  LLMC_CHECK(has_default) << file.string()
                          << ": 'chat_template' lists named templates but none is named 'default'";
  return true;
}

void add_named_template_files(const fs::path& model_dir, ChatTemplateSource& out) {
  const fs::path dir = model_dir / "additional_chat_templates";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".jinja")
      out.named_templates[entry.path().stem().string()] = read_file(entry.path());
  }
}

}  // namespace

const std::string& ChatTemplateSource::select(bool has_tools) const {
  if (has_tools) {
    if (auto it = named_templates.find("tool_use"); it != named_templates.end()) return it->second;
  }
  return template_text;
}

ChatTemplateSource load_chat_template_source(const fs::path& model_dir,
                                             const std::optional<fs::path>& template_file) {
  ChatTemplateSource out;
  const fs::path config_path = model_dir / "tokenizer_config.json";
  std::error_code ec;
  ordered_json config = ordered_json::object();
  if (fs::exists(config_path, ec)) {
    config = read_json(config_path);
    LLMC_CHECK(config.is_object()) << config_path.string() << ": expected a JSON object";
    out.special_tokens = special_tokens_of(config, config_path);
  }
  add_named_template_files(model_dir, out);
  const fs::path jinja_path = model_dir / "chat_template.jinja";
  const fs::path processor_path = model_dir / "chat_template.json";
  if (template_file) {
    out.template_text = read_file(*template_file);
    out.origin = template_file->string();
  } else if (fs::exists(jinja_path, ec)) {
    out.template_text = read_file(jinja_path);
    out.origin = jinja_path.string();
  } else if (config.contains("chat_template") && take_templates(config["chat_template"], config_path, out)) {
    out.origin = config_path.string();
  } else if (fs::exists(processor_path, ec)) {
    const ordered_json processor = read_json(processor_path);
    LLMC_CHECK(processor.is_object() && processor.contains("chat_template") &&
               take_templates(processor["chat_template"], processor_path, out))
        << processor_path.string() << ": no 'chat_template' in it";
    out.origin = processor_path.string();
  } else {
    LLMC_FAIL() << model_dir.string()
                << ": no chat template found (looked for chat_template.jinja, 'chat_template' in "
                   "tokenizer_config.json, "
                   "and chat_template.json); pass one with --chat-template FILE";
  }
  return out;
}

ordered_json chat_template_variables(const ChatTemplateSource& source, const ordered_json& messages,
                                     bool add_generation_prompt, const ordered_json& extra_vars) {
  LLMC_CHECK(extra_vars.is_null() || extra_vars.is_object())
      << "chat template extra variables must be a JSON object";
  ordered_json vars = ordered_json::object();
  vars["messages"] = messages;
  vars["tools"] = nullptr;
  vars["documents"] = nullptr;
  vars["add_generation_prompt"] = add_generation_prompt;
  for (auto it = source.special_tokens.begin(); it != source.special_tokens.end(); ++it)
    vars[it.key()] = it.value();
  if (extra_vars.is_object()) {
    for (auto it = extra_vars.begin(); it != extra_vars.end(); ++it) vars[it.key()] = it.value();
  }
  return vars;
}

ordered_json chat_template_report(const fs::path& model_dir, const std::optional<fs::path>& template_file,
                                  const ordered_json& conversations) {
  LLMC_CHECK(conversations.is_array()) << "chat-template input must be a JSON array of conversations";
  const ChatTemplateSource source = load_chat_template_source(model_dir, template_file);
  const ChatTemplate plain = ChatTemplate::parse(source.template_text, source.origin);
  ordered_json report = ordered_json::array();
  for (size_t i = 0; i < conversations.size(); ++i) {
    const ordered_json& c = conversations[i];
    std::string where = "conversation " + std::to_string(i);
    if (c.is_object() && c.contains("name") && c["name"].is_string())
      where += " ('" + c["name"].get<std::string>() + "')";
    LLMC_CHECK(c.is_object() && c.contains("messages") && c["messages"].is_array())
        << where << ": expected an object with a 'messages' array";
    const ordered_json extra = c.value("extra_vars", ordered_json::object());
    LLMC_CHECK(extra.is_object() || extra.is_null()) << where << ": 'extra_vars' must be an object";
    const ordered_json agp = c.value("add_generation_prompt", ordered_json(false));
    LLMC_CHECK(agp.is_boolean()) << where << ": 'add_generation_prompt' must be true or false";
    const bool has_tools = extra.is_object() && extra.contains("tools") && !extra["tools"].is_null();
    const std::string& text = source.select(has_tools);
    try {
      const ordered_json vars = chat_template_variables(source, c["messages"], agp.get<bool>(), extra);
      const std::string rendered =
          &text == &source.template_text
              ? plain.render(vars)
              : ChatTemplate::parse(text, source.origin + " (tool_use)").render(vars);
      report.push_back(ordered_json{{"rendered", rendered}});
    } catch (const Error& e) {
      LLMC_FAIL() << where << ": " << e.what();
    }
  }
  return report;
}

}  // namespace llmc
