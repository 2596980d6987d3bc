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

std::vector<int32_t> token_list(const json& list, const char* where) {
  std::vector<int32_t> ids;
  ids.reserve(list.size());
  for (const json& t : list) {
    if (!t.is_number_integer() || t.get<int64_t>() < INT32_MIN || t.get<int64_t>() > INT32_MAX) {
      throw bad_request(std::string(where) + " must hold token ids (integers)", "prompt");
    }
    ids.push_back(t.get<int32_t>());
  }
  return ids;
}

// prompt: a string, a list of strings, a list of token ids, or a list of token-id lists.
std::vector<Prompt> read_prompts(const json& body) {
  if (!has(body, "prompt")) throw bad_request("'prompt' is required", "prompt");
  const json& p = body["prompt"];
  const char* kShape =
      "'prompt' must be a string, a list of strings, a list of token ids or a list of token-id lists";
  if (p.is_string()) return {Prompt{{}, p.get<std::string>(), true}};
  if (!p.is_array()) throw bad_request(kShape, "prompt");
  if (p.empty()) throw bad_request("'prompt' must not be an empty list", "prompt");
  std::vector<Prompt> out;
  if (p[0].is_number_integer()) return {Prompt{token_list(p, "'prompt'"), "", false}};
  for (const json& item : p) {
    if (item.is_string()) {
      out.push_back(Prompt{{}, item.get<std::string>(), true});
    } else if (item.is_array()) {
      if (item.empty()) throw bad_request("'prompt' must not contain an empty token list", "prompt");
      out.push_back(Prompt{token_list(item, "'prompt' lists"), "", false});
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

GenerationJob parse_completion_request(const json& body, const ServedModel& model,
                                       std::string_view request_id) {
  log_unknown_fields(body,
                     {"model",
                      "prompt",
                      "max_tokens",
                      "temperature",
                      "top_p",
                      "top_k",
                      "min_p",
                      "seed",
                      "n",
                      "stop",
                      "stop_token_ids",
                      "presence_penalty",
                      "frequency_penalty",
                      "repetition_penalty",
                      "ignore_eos",
                      "min_tokens",
                      "logprobs",
                      "echo",
                      "stream",
                      "stream_options",
                      "user",
                      "best_of",
                      "use_beam_search",
                      "logit_bias",
                      "suffix",
                      "skip_special_tokens",
                      "spaces_between_special_tokens",
                      "include_stop_str_in_output",
                      "add_special_tokens",
                      "truncate_prompt_tokens",
                      "priority",
                      "response_format",
                      "prompt_logprobs",
                      "max_completion_tokens",
                      "length_penalty"},
                     "/v1/completions");
  GenerationJob job;
  job.kind = ApiKind::kCompletion;
  job.model = check_model(body, model);
  job.id = make_response_id("cmpl-", request_id);
  job.created = unix_now();
  if (has(body, "logprobs") && !body["logprobs"].is_number_integer()) {
    throw bad_request("'logprobs' must be an integer for /v1/completions", "logprobs");
  }
  read_stream_options(body, job);
  job.echo = get_bool(body, "echo").value_or(false);
  const GenerationRequest base = read_generation_request(body, model);
  job.n = base.sampling.n;
  job.logprobs = base.sampling.logprobs;
  if (job.echo && job.logprobs >= 0) {
    throw bad_request("echo with logprobs is not supported (prompt logprobs are not computed)", "echo");
  }
  const bool add_special_tokens = get_bool(body, "add_special_tokens").value_or(true);
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

GenerationJob parse_generate_request(const json& body, const ServedModel& model) {
  GenerationJob job;
  job.kind = ApiKind::kGenerate;
  job.model = model.names.front();
  job.created = unix_now();
  const auto prompt = get_string(body, "prompt");
  if (!prompt) throw bad_request("'prompt' (a string) is required", "prompt");
  job.stream = get_bool(body, "stream").value_or(false);
  GenerationRequest r = read_generation_request(body, model);
  job.n = r.sampling.n;
  Prompt p{{}, *prompt, true};
  encode(p, model, get_bool(body, "add_special_tokens").value_or(true));
  r.prompt_token_ids = std::move(p.ids);
  finish_max_tokens(r, body, job.kind, model, "prompt");
  job.requests.push_back(std::move(r));
  job.prompt_texts.push_back(std::move(p.text));
  return job;
}

}  // namespace llmc::http_api
