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

// --tool-call-parser, --enable-auto-tool-choice and --reasoning-parser onto the model.
void resolve_output_parsers(const ServedModelPaths& paths, ServedModel& m) {
  if (!paths.tool_call_parser.empty()) {
    m.tool_call_format = tools::tool_call_format_from_name(paths.tool_call_parser);
    LLMC_CHECK(m.tool_call_format) << "--tool-call-parser: unknown parser '" << paths.tool_call_parser
                                   << "' (known: " << tools::tool_call_format_names() << ")";
  } else if (m.chat_template) {
    const ChatTemplate& t = chat_template_for(m, true);
    m.tool_call_format = tools::detect_tool_call_format(t.source());
    if (m.tool_call_format) {
      spdlog::info("tool calls: the chat template writes the {} format", tools::tool_call_format_name(*m.tool_call_format));
    }
  }
  m.enable_auto_tool_choice = paths.enable_auto_tool_choice;
  LLMC_CHECK(!m.enable_auto_tool_choice || m.tool_call_format)
      << "--enable-auto-tool-choice needs --tool-call-parser (" << tools::tool_call_format_names()
      << "): the chat template shows no tool-call format to detect";
  if (!paths.reasoning_parser.empty()) {
    m.reasoning_format = tools::reasoning_format_from_name(paths.reasoning_parser);
    LLMC_CHECK(m.reasoning_format) << "--reasoning-parser: unknown parser '" << paths.reasoning_parser
                                   << "' (known: " << tools::reasoning_format_names() << ")";
  }
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
  resolve_output_parsers(paths, m);
  return m;
}

const ChatTemplate& chat_template_for(const ServedModel& model, bool with_tools) {
  return with_tools && model.tool_use_template ? *model.tool_use_template : *model.chat_template;
}

}  // namespace llmc
