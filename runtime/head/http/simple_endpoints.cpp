#include "runtime/head/http/simple_endpoints.h"

#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"

namespace llmc::http_api {

namespace {

json model_entry(const ServedModel& model, const std::string& name, int64_t created) {
  return {{"id", name},
          {"object", "model"},
          {"created", created},
          {"owned_by", "llm-cluster"},
          {"root", model.root},
          {"parent", nullptr},
          {"max_model_len", model.max_model_len}};
}

}  // namespace

json models_body(const ServedModel& model, int64_t created) {
  json data = json::array();
  for (const std::string& name : model.names) data.push_back(model_entry(model, name, created));
  return {{"object", "list"}, {"data", std::move(data)}};
}

json model_body(const ServedModel& model, int64_t created, const std::string& id) {
  for (const std::string& name : model.names) {
    if (name == id) return model_entry(model, name, created);
  }
  throw model_not_found(id);
}

json tokenize_body(const json& json_body, const nlohmann::ordered_json& ordered, const ServedModel& model) {
  const CheckedBody body = check_fields(json_body, Endpoint::kTokenize);
  check_model(body, model);
  const Tokenizer& tokenizer = require_tokenizer(model);
  std::vector<int32_t> ids;
  if (body.has("messages")) {
    ids = render_chat_prompt(body, ordered, model).token_ids;
  } else {
    const auto prompt = body.get<std::string>("prompt");
    if (!prompt) throw bad_request("needs 'prompt' (a string) or 'messages'", "prompt");
    try {
      ids = tokenizer.encode(*prompt, body.get<bool>("add_special_tokens").value_or(true));
    } catch (const Error& e) {
      throw bad_request(std::string("cannot tokenize the prompt: ") + e.what(), "prompt");
    }
  }
  json out = {{"count", ids.size()},
              {"max_model_len", model.max_model_len},
              {"tokens", ids},
              {"token_strs", nullptr}};
  if (body.get<bool>("return_token_strs").value_or(false)) {
    json strs = json::array();
    for (const int32_t id : ids) strs.push_back(tokenizer.contains_id(id) ? tokenizer.id_to_token(id) : "");
    out["token_strs"] = std::move(strs);
  }
  return out;
}

json detokenize_body(const json& json_body, const ServedModel& model) {
  const CheckedBody body = check_fields(json_body, Endpoint::kDetokenize);
  check_model(body, model);
  const Tokenizer& tokenizer = require_tokenizer(model);
  const auto ids = body.get<std::vector<int32_t>>("tokens");  // each in [0, 2^31 - 1] (the table)
  if (!ids) throw bad_request("'tokens' must be a list of token ids", "tokens");
  for (const int32_t id : *ids) {
    if (!tokenizer.contains_id(id))
      throw bad_request(
          "'tokens' holds " + std::to_string(id) + ", which is not a token id of this tokenizer", "tokens");
  }
  return {{"prompt", tokenizer.decode(*ids, false)}};
}

}  // namespace llmc::http_api
