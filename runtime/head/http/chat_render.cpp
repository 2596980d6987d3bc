#include "runtime/head/http/chat_render.h"

#include <optional>
#include <vector>

#include "runtime/head/http/api_error.h"

namespace llmc::http_api {
namespace {

using ordered_json = nlohmann::ordered_json;

// Tool-call arguments sent as JSON text of an object become that object; other text stays as it is.
ordered_json arguments_as_objects(ordered_json messages, bool& changed) {
  for (ordered_json& m : messages) {
    if (!m.contains("tool_calls") || !m["tool_calls"].is_array()) continue;
    for (ordered_json& call : m["tool_calls"]) {
      if (!call.is_object() || !call.contains("function") || !call["function"].is_object()) continue;
      ordered_json& function = call["function"];
      if (!function.contains("arguments") || !function["arguments"].is_string()) continue;
      ordered_json parsed = ordered_json::parse(function["arguments"].get<std::string>(), nullptr, false);
      if (!parsed.is_object()) continue;
      function["arguments"] = std::move(parsed);
      changed = true;
    }
  }
  return messages;
}

ordered_json null_content_as_empty(ordered_json messages, bool& changed) {
  for (ordered_json& m : messages) {
    if (m.contains("content") && m["content"].is_null()) {
      m["content"] = "";
      changed = true;
    }
  }
  return messages;
}

}  // namespace

std::string render_chat_messages(const ServedModel& model, const ordered_json& messages,
                                 bool add_generation_prompt, const ordered_json& kwargs,
                                 const ordered_json& tools, const ordered_json& documents) {
  if (!model.chat_template) {
    throw bad_request(
        "this model has no chat template; use /v1/completions or start the server with --chat-template");
  }
  const ChatTemplate& t = chat_template_for(model, !tools.is_null());
  const auto render = [&](const ordered_json& readings) {
    ordered_json vars = chat_template_variables(*model.chat_source, readings, add_generation_prompt, kwargs);
    if (!tools.is_null()) vars["tools"] = tools;
    if (!documents.is_null()) vars["documents"] = documents;
    return t.render(vars);
  };
  // The readings in order, each only when it differs from the ones before it (an equal one fails the same
  // way).
  std::vector<ordered_json> readings;
  bool changed = false;
  ordered_json objects = arguments_as_objects(messages, changed);
  if (changed) readings.push_back(std::move(objects));
  readings.push_back(messages);
  changed = false;
  ordered_json empties = null_content_as_empty(messages, changed);
  if (changed) readings.push_back(std::move(empties));
  std::optional<ChatTemplateError> first_failure;
  for (const ordered_json& reading : readings) {
    try {
      return render(reading);
    } catch (const ChatTemplateError& e) {
      if (e.raised_by_template()) {
        // raise_exception() is the template refusing the conversation: the client's to fix.
        throw bad_request(std::string("the chat template rejected the messages: ") + e.what(), "messages");
      }
      if (!first_failure) first_failure = e;
    }
  }
  throw bad_request(std::string("the chat template failed on these messages: ") + first_failure->what(),
                    "messages");
}

}  // namespace llmc::http_api
