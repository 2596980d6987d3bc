// /v1/chat/completions request parsing and chat-template rendering.
#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/chat_render.h"
#include "runtime/head/http/request_fields.h"
#include "runtime/head/http/tool_request.h"

namespace llmc::http_api {
namespace {

using ordered_json = nlohmann::ordered_json;

// Content as the templates expect it: a string. A list of parts is joined with "\n" (only text parts).
ordered_json flatten_content(const ordered_json& content, size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "].content";
  if (content.is_null() || content.is_string()) return ordered_json(content);
  if (!content.is_array())
    throw bad_request(where + " must be a string, a list of content parts or null", "messages");
  std::string text;
  for (size_t i = 0; i < content.size(); ++i) {
    const ordered_json& part = content[i];
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
      throw bad_request(where + "[" + std::to_string(i) + "] must be an object with a 'type'", "messages");
    }
    const std::string type = part["type"].get<std::string>();
    if (type != "text") {
      throw bad_request(where + "[" + std::to_string(i) + "]: content part type '" + type +
                            "' is not supported (text only)",
                        "messages");
    }
    if (!part.contains("text") || !part["text"].is_string()) {
      throw bad_request(where + "[" + std::to_string(i) + "].text must be a string", "messages");
    }
    if (i > 0) text += '\n';
    text += part["text"].get<std::string>();
  }
  return text;
}

ordered_json read_messages(const ordered_json& body) {
  if (!body.contains("messages")) throw bad_request("'messages' is required", "messages");
  const ordered_json& list = body["messages"];
  if (!list.is_array()) throw bad_request("'messages' must be a list of messages", "messages");
  if (list.empty()) throw bad_request("'messages' must not be empty", "messages");
  ordered_json out = ordered_json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const ordered_json& m = list[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) throw bad_request(where + " must be an object", "messages");
    if (!m.contains("role") || !m["role"].is_string())
      throw bad_request(where + ".role must be a string", "messages");
    ordered_json message = ordered_json::object();
    message["role"] = m["role"];
    message["content"] = flatten_content(m.value("content", ordered_json()), i);
    for (auto it = m.begin(); it != m.end(); ++it) {
      if (it.key() != "role" && it.key() != "content") message[it.key()] = it.value();
    }
    out.push_back(std::move(message));
  }
  return out;
}

// continue_final_message: the prompt ends right after the final message's content (transformers' rule).
std::string cut_after_final_message(const std::string& rendered, const std::string& content) {
  size_t pos = rendered.rfind(content);
  size_t len = content.size();
  if (pos == std::string::npos) {
    const size_t b = content.find_first_not_of(" \t\r\n");
    const size_t e = content.find_last_not_of(" \t\r\n");
    const std::string trimmed = b == std::string::npos ? "" : content.substr(b, e - b + 1);
    pos = trimmed.empty() ? std::string::npos : rendered.rfind(trimmed);
    len = trimmed.size();
  }
  if (pos == std::string::npos) {
    throw bad_request(
        "continue_final_message: the final message's content does not appear in the rendered prompt",
        "continue_final_message");
  }
  return rendered.substr(0, pos + len);
}

bool add_generation_prompt_of(const CheckedBody& body) {
  return body.get<bool>("add_generation_prompt")
      .value_or(!body.get<bool>("continue_final_message").value_or(false));
}

// `body` and `ordered` are the same document; the ordered one keeps the client's key order, which templates
// show through tojson and .items().
std::string render(const CheckedBody& body, const ordered_json& ordered, const ServedModel& model,
                   const ordered_json& messages) {
  if (!model.chat_template) {
    throw bad_request(
        "this model has no chat template; use /v1/completions or start the server with --chat-template");
  }
  const bool continue_final = body.get<bool>("continue_final_message").value_or(false);
  const bool add_generation_prompt = add_generation_prompt_of(body);
  if (continue_final && add_generation_prompt) {
    throw bad_request("continue_final_message and add_generation_prompt cannot both be true",
                      "continue_final_message");
  }
  // Types were checked by the field table; the ordered copy keeps the client's key order for the template.
  const ordered_json kwargs =
      body.has("chat_template_kwargs") ? ordered["chat_template_kwargs"] : ordered_json::object();
  const std::string text = render_chat_messages(model, messages, add_generation_prompt, kwargs,
                                                body.has("tools") ? ordered["tools"] : ordered_json(),
                                                body.has("documents") ? ordered["documents"] : ordered_json());
  if (!continue_final) return text;
  const ordered_json& last = messages.back()["content"];
  if (!last.is_string())
    throw bad_request("continue_final_message needs a final message with text content", "messages");
  return cut_after_final_message(text, last.get<std::string>());
}

}  // namespace

std::string render_chat_text(const CheckedBody& body, const ordered_json& ordered, const ServedModel& model) {
  return render(body, ordered, model, read_messages(ordered));
}

ChatPrompt render_chat_prompt(const CheckedBody& body, const ordered_json& ordered,
                              const ServedModel& model, std::string_view prompt_suffix) {
  const Tokenizer& tokenizer = require_tokenizer(model);
  const ordered_json messages = read_messages(ordered);
  ChatPrompt p;
  p.text = render(body, ordered, model, messages);
  p.text += prompt_suffix;
  p.final_role = messages.back()["role"].get<std::string>();
  if (messages.back()["content"].is_string()) p.final_message = messages.back()["content"].get<std::string>();
  try {
    p.token_ids = tokenizer.encode(p.text, body.get<bool>("add_special_tokens").value_or(false));
  } catch (const Error& e) {
    throw bad_request(std::string("cannot tokenize the rendered chat prompt: ") + e.what(), "messages");
  }
  return p;
}

GenerationJob parse_chat_request(const json& json_body, const ordered_json& ordered, const ServedModel& model,
                                 std::string_view request_id) {
  const CheckedBody body = check_fields(json_body, Endpoint::kChat);
  GenerationJob job;
  job.kind = ApiKind::kChat;
  job.model = check_model(body, model);
  job.id = make_response_id("chatcmpl-", request_id);
  job.created = unix_now();
  const auto top = body.get<int32_t>("top_logprobs");
  if (top && *top > 0 && !body.get<bool>("logprobs").value_or(false)) {
    throw bad_request("top_logprobs needs logprobs set to true", "top_logprobs");
  }
  read_stream_options(body, job);
  job.echo = body.get<bool>("echo").value_or(false);
  GenerationRequest r = read_generation_request(body, model);
  job.n = r.sampling.n;
  job.logprobs = r.sampling.logprobs;
  const ToolRequest tools = read_tool_request(body, ordered, model);
  job.output = tools.output;
  if (tools.keep_special_tokens) r.skip_special_tokens = false;
  // A forced call starts inside the format's opening marker (the parser reads it first: output.forced_prefix).
  ChatPrompt prompt =
      render_chat_prompt(body, ordered, model, tools.constraint ? tools.constraint->prompt_suffix : "");
  if (job.echo && (!add_generation_prompt_of(body) || prompt.final_role == "assistant"))
    job.echo_prefix = prompt.final_message;
  r.prompt_token_ids = std::move(prompt.token_ids);
  truncate_prompt(r, body);
  finish_max_tokens(r, body, job.kind, model, "messages");
  if (tools.constraint) {
    // tools::constraint_spec(*tools.constraint) is what the sampler must enforce; until SamplingParams carries
    // a constraint to it, a forced call cannot be guaranteed, so it is refused rather than silently ignored.
    const char* what = tools.choice == ToolChoice::kRequired ? "\"required\"" : "naming a function";
    throw bad_request(std::string("tool_choice ") + what +
                          " needs constrained decoding, which this server does not apply to requests yet",
                      "tool_choice");
  }
  job.requests.push_back(std::move(r));
  job.prompt_texts.push_back(std::move(prompt.text));
  return job;
}

}  // namespace llmc::http_api
