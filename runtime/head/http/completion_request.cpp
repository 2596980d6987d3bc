// /v1/completions and /generate request parsing.
#include "common/log.h"
#include "runtime/head/http/api_error.h"
#include "runtime/head/http/api_requests.h"
#include "runtime/head/http/request_fields.h"

namespace llmc::http_api {
namespace {

struct Prompt {
  std::vector<int32_t> ids;
  std::string text;
  bool is_text = false;
};

std::vector<int32_t> token_list(const json& list, const char* what) {
  try {
    return json_token_ids(list, "prompt", what);  // the one conversion of JSON numbers (request_json.h)
  } catch (const FieldError& e) {
    throw field_error(e);
  }
}

// prompt: a string, a list of strings, a list of token ids, or a list of token-id lists.
std::vector<Prompt> read_prompts(const CheckedBody& body) {
  const json* p = body.value("prompt");
  if (p == nullptr) throw bad_request("'prompt' is required", "prompt");
  const char* kShape =
      "'prompt' must be a string, a list of strings, a list of token ids or a list of token-id lists";
  if (p->is_string()) return {Prompt{{}, p->get<std::string>(), true}};
  if (!p->is_array()) throw bad_request(kShape, "prompt");
  if (p->empty()) throw bad_request("'prompt' must not be an empty list", "prompt");
  std::vector<Prompt> out;
  if ((*p)[0].is_number()) return {Prompt{token_list(*p, "'prompt'"), "", false}};
  for (size_t i = 0; i < p->size(); ++i) {
    const json& item = (*p)[i];
    if (item.is_string()) {
      out.push_back(Prompt{{}, item.get<std::string>(), true});
    } else if (item.is_array()) {
      if (item.empty()) throw bad_request("'prompt' must not contain an empty token list", "prompt");
      const std::string what = "'prompt'[" + std::to_string(i) + "]";
      out.push_back(Prompt{token_list(item, what.c_str()), "", false});
    } else {
      throw bad_request(kShape, "prompt");
    }
  }
  return out;
}

void encode(Prompt& p, const ServedModel& model, bool add_special_tokens) {
  if (!p.is_text) {
    if (model.tokenizer) p.text = model.tokenizer->decode(p.ids, false, false);
    return;
  }
  try {
    p.ids = require_tokenizer(model).encode(p.text, add_special_tokens);
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    throw bad_request(std::string("cannot tokenize the prompt: ") + e.what(), "prompt");
  }
}

}  // namespace

GenerationJob parse_completion_request(const json& json_body, const ServedModel& model,
                                       std::string_view request_id) {
  const CheckedBody body = check_fields(json_body, Endpoint::kCompletions);
  GenerationJob job;
  job.kind = ApiKind::kCompletion;
  job.model = check_model(body, model);
  job.id = make_response_id("cmpl-", request_id);
  job.created = unix_now();
  read_stream_options(body, job);
  job.echo = body.get<bool>("echo").value_or(false);
  const GenerationRequest base = read_generation_request(body, model);
  job.n = base.sampling.n;
  job.logprobs = base.sampling.logprobs;
  if (job.echo && job.logprobs >= 0) {
    throw bad_request("echo with logprobs is not supported (prompt logprobs are not computed)", "echo");
  }
  const bool add_special_tokens = body.get<bool>("add_special_tokens").value_or(true);
  std::vector<Prompt> prompts = read_prompts(body);
  for (Prompt& p : prompts) {
    encode(p, model, add_special_tokens);
    GenerationRequest r = base;
    r.prompt_token_ids = std::move(p.ids);
    truncate_prompt(r, body);
    finish_max_tokens(r, body, job.kind, model, "prompt");
    job.requests.push_back(std::move(r));
    job.prompt_texts.push_back(std::move(p.text));
  }
  return job;
}

GenerationJob parse_generate_request(const json& json_body, const ServedModel& model) {
  const CheckedBody body = check_fields(json_body, Endpoint::kGenerate);
  GenerationJob job;
  job.kind = ApiKind::kGenerate;
  job.model = model.names.front();
  job.created = unix_now();
  const auto prompt = body.get<std::string>("prompt");
  if (!prompt) throw bad_request("'prompt' (a string) is required", "prompt");
  job.stream = body.get<bool>("stream").value_or(false);
  GenerationRequest r = read_generation_request(body, model);
  job.n = r.sampling.n;
  Prompt p{{}, *prompt, true};
  encode(p, model, body.get<bool>("add_special_tokens").value_or(true));
  r.prompt_token_ids = std::move(p.ids);
  finish_max_tokens(r, body, job.kind, model, "prompt");
  job.requests.push_back(std::move(r));
  job.prompt_texts.push_back(std::move(p.text));
  return job;
}

}  // namespace llmc::http_api
