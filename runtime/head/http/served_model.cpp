#include "runtime/head/http/served_model.h"

#include "common/check.h"
#include "common/log.h"

namespace llmc {
namespace {

// A model folder without any chat template still serves completions; every other template problem (a file
// that does not parse, an unreadable --chat-template) stops the startup.
bool no_template_at_all(const Error& e) {
  return std::string(e.what()).find("no chat template found") != std::string::npos;
}

}  // namespace

ServedModel load_served_model(const ServedModelPaths& paths, int32_t max_model_len) {
  LLMC_CHECK(max_model_len > 0) << "load_served_model: max_model_len must be positive, got " << max_model_len;
  ServedModel m;
  m.root = paths.model_dir.string();
  m.names = paths.served_model_names;
  if (m.names.empty()) m.names.push_back(m.root);
  for (const std::string& name : m.names) LLMC_CHECK(!name.empty()) << "--served-model-name: empty name";
  m.max_model_len = max_model_len;
  m.generation = GenerationConfig::from_model_dir(paths.model_dir);
  const std::filesystem::path tokenizer_dir = paths.tokenizer_dir.value_or(paths.model_dir);
  m.tokenizer = Tokenizer::from_dir(tokenizer_dir);
  try {
    auto source =
        std::make_shared<ChatTemplateSource>(load_chat_template_source(tokenizer_dir, paths.chat_template));
    m.chat_template =
        std::make_shared<ChatTemplate>(ChatTemplate::parse(source->template_text, source->origin));
    if (auto it = source->named_templates.find("tool_use"); it != source->named_templates.end()) {
      m.tool_use_template =
          std::make_shared<ChatTemplate>(ChatTemplate::parse(it->second, source->origin + " (tool_use)"));
    }
    m.chat_source = std::move(source);
  } catch (const ChatTemplateError&) {
    throw;
  } catch (const Error& e) {
    if (paths.chat_template || !no_template_at_all(e)) throw;
    spdlog::warn("{}: no chat template; /v1/chat/completions will answer 400 (pass --chat-template FILE)",
                 tokenizer_dir.string());
  }
  return m;
}

const ChatTemplate& chat_template_for(const ServedModel& model, bool with_tools) {
  return with_tools && model.tool_use_template ? *model.tool_use_template : *model.chat_template;
}

}  // namespace llmc
