// llmc_chat_render: renders chat templates the way the server does, for the Jinja oracle (jinja_oracle.py),
// which renders the same inputs with Python jinja2 and compares.
//
// Reads one JSON document on stdin, writes a JSON list (one entry per case, in order) on stdout:
//   {"mode": "template", "cases": [{"template": "...", "vars": {...}}]}   ChatTemplate::parse + render
//   {"mode": "request", "model_dir": DIR, "requests": [{chat request body}]} the chat API's rendering path
//   with
//                                                       DIR's tokenizer_config.json template and special
//                                                       tokens
// An entry is {"rendered": "..."} or {"error": "...", "raised": bool} (raised: the template's
// raise_exception).
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "engine/chat/chat_template.h"
#include "engine/chat/chat_template_source.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"

namespace {

using llmc::ChatTemplate;
using llmc::ChatTemplateError;
using nlohmann::ordered_json;

ordered_json render_template(const ordered_json& c) {
  try {
    return {{"rendered", ChatTemplate::parse(c["template"].get<std::string>()).render(c["vars"])}};
  } catch (const ChatTemplateError& e) {
    return {{"error", e.what()}, {"raised", e.raised_by_template()}};
  }
}

// The served model of the chat API, without a tokenizer (only the text is rendered).
llmc::ServedModel template_only_model(const std::string& dir) {
  llmc::ServedModel m;
  m.names = {"oracle"};
  m.max_model_len = 1 << 20;
  auto source = std::make_shared<llmc::ChatTemplateSource>(llmc::load_chat_template_source(dir));
  m.chat_template =
      std::make_shared<ChatTemplate>(ChatTemplate::parse(source->template_text, source->origin));
  if (auto it = source->named_templates.find("tool_use"); it != source->named_templates.end())
    m.tool_use_template = std::make_shared<ChatTemplate>(ChatTemplate::parse(it->second, source->origin));
  m.chat_source = std::move(source);
  return m;
}

ordered_json render_request(const llmc::ServedModel& model, const ordered_json& request) {
  constexpr std::string_view kRejected = "the chat template rejected the messages: ";
  try {
    const nlohmann::json body = nlohmann::json::parse(request.dump());
    const llmc::CheckedBody checked = llmc::http_api::check_fields(body, llmc::Endpoint::kChat);
    return {{"rendered", llmc::http_api::render_chat_text(checked, request, model)}};
  } catch (const llmc::http_api::ApiError& e) {
    const std::string message = e.what();
    const bool raised = message.rfind(kRejected, 0) == 0;
    return {{"error", message}, {"raised", raised}};
  }
}

}  // namespace

int main() {
  try {
    const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    const ordered_json input = ordered_json::parse(text);
    ordered_json out = ordered_json::array();
    if (input["mode"] == "template") {
      for (const ordered_json& c : input["cases"]) out.push_back(render_template(c));
    } else {
      const llmc::ServedModel model = template_only_model(input["model_dir"].get<std::string>());
      for (const ordered_json& r : input["requests"]) out.push_back(render_request(model, r));
    }
    std::cout << out.dump(-1, ' ', false, ordered_json::error_handler_t::replace) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "llmc_chat_render: " << e.what() << "\n";
    return 1;
  }
}
