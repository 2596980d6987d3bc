// Vertex AI prediction request parsing: {"instances": [...], "parameters": {...}}.
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"

namespace llmc::http_api {
namespace {

// One instance as a /generate- or chat-style body: "parameters" first, the instance's own fields win.
json merge_instance(const json& instance, const json& parameters, size_t index) {
  json merged = parameters.is_object() ? parameters : json::object();
  if (instance.is_string()) {
    merged["prompt"] = instance;
  } else if (instance.is_object()) {
    for (auto it = instance.begin(); it != instance.end(); ++it) merged[it.key()] = it.value();
  } else {
    throw bad_request("instances[" + std::to_string(index) + "] must be a prompt string or an object",
                      "instances");
  }
  return merged;
}

GenerationRequest instance_request(const json& merged, const ServedModel& model, std::string& prompt_text) {
  const CheckedBody body = check_fields(merged, Endpoint::kPredict);
  GenerationRequest r = read_generation_request(body, model);
  if (body.has("messages")) {
    ChatPrompt chat = render_chat_prompt(body, nlohmann::ordered_json::parse(merged.dump()), model);
    r.prompt_token_ids = std::move(chat.token_ids);
    prompt_text = std::move(chat.text);
  } else {
    const auto prompt = body.get<std::string>("prompt");
    if (!prompt) throw bad_request("needs 'prompt' (a string) or 'messages'", "prompt");
    try {
      r.prompt_token_ids =
          require_tokenizer(model).encode(*prompt, body.get<bool>("add_special_tokens").value_or(true));
    } catch (const ApiError&) {
      throw;
    } catch (const Error& e) {
      throw bad_request(std::string("cannot tokenize the prompt: ") + e.what(), "prompt");
    }
    prompt_text = *prompt;
  }
  finish_max_tokens(r, body, ApiKind::kPredict, model, "prompt");
  return r;
}

}  // namespace

GenerationJob parse_predict_request(const json& body, const ServedModel& model) {
  if (!body.contains("instances") || !body["instances"].is_array() || body["instances"].empty()) {
    throw bad_request("'instances' must be a non-empty list", "instances");
  }
  if (body.contains("parameters") && !body["parameters"].is_null() && !body["parameters"].is_object()) {
    throw bad_request("'parameters' must be an object", "parameters");
  }
  const json parameters = body.value("parameters", json::object());
  GenerationJob job;
  job.kind = ApiKind::kPredict;
  job.model = model.names.front();
  job.created = unix_now();
  const json& instances = body["instances"];
  for (size_t i = 0; i < instances.size(); ++i) {
    try {
      std::string text;
      job.requests.push_back(instance_request(merge_instance(instances[i], parameters, i), model, text));
      job.prompt_texts.push_back(std::move(text));
    } catch (const ApiError& e) {
      throw ApiError(e.status(), "instances[" + std::to_string(i) + "]: " + e.what(), e.type(), e.param(),
                     e.code());
    }
  }
  return job;
}

}  // namespace llmc::http_api
