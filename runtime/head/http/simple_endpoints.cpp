#include "runtime/head/http/simple_endpoints.h"

#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"

namespace llmc::http_api {

json models_body(const ServedModel& model, int64_t created) {
  json data = json::array();
  for (const std::string& name : model.names) {
    data.push_back({{"id", name},
                    {"object", "model"},
                    {"created", created},
                    {"owned_by", "llm-cluster"},
                    {"root", model.root},
                    {"parent", nullptr},
                    {"max_model_len", model.max_model_len}});
  }
  return {{"object", "list"}, {"data", std::move(data)}};
}

json tokenize_body(const json& body, const nlohmann::ordered_json& ordered, const ServedModel& model) {
  check_model(body, model);
  const Tokenizer& tokenizer = require_tokenizer(model);
  std::vector<int32_t> ids;
  if (body.contains("messages")) {
    ids = render_chat_prompt(body, ordered, model).token_ids;
  } else {
    const auto prompt = get_string(body, "prompt");
    if (!prompt) throw bad_request("needs 'prompt' (a string) or 'messages'", "prompt");
    try {
      ids = tokenizer.encode(*prompt, get_bool(body, "add_special_tokens").value_or(true));
    } catch (const Error& e) {
      throw bad_request(std::string("cannot tokenize the prompt: ") + e.what(), "prompt");
    }
  }
  json out = {{"count", ids.size()},
              {"max_model_len", model.max_model_len},
              {"tokens", ids},
              {"token_strs", nullptr}};
  if (get_bool(body, "return_token_strs").value_or(false)) {
    json strs = json::array();
    for (const int32_t id : ids) strs.push_back(tokenizer.contains_id(id) ? tokenizer.id_to_token(id) : "");
    out["token_strs"] = std::move(strs);
  }
  return out;
}

json detokenize_body(const json& body, const ServedModel& model) {
  check_model(body, model);
  const Tokenizer& tokenizer = require_tokenizer(model);
  if (!body.contains("tokens") || !body["tokens"].is_array()) {
    throw bad_request("'tokens' must be a list of token ids", "tokens");
  }
  std::vector<int32_t> ids;
  for (const json& t : body["tokens"]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 ||
        !tokenizer.contains_id(static_cast<int32_t>(t.get<int64_t>())) || t.get<int64_t>() > INT32_MAX) {
      throw bad_request("'tokens' holds " + t.dump() + ", which is not a token id of this tokenizer",
                        "tokens");
    }
    ids.push_back(t.get<int32_t>());
  }
  return {{"prompt", tokenizer.decode(ids, false)}};
}

}  // namespace llmc::http_api
