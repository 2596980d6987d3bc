// The OpenAI response objects: completion and chat bodies, usage, and both logprobs formats.
#include <cmath>

#include "runtime/head/http/response_builder.h"

namespace llmc::http_api {
namespace {

using json = nlohmann::ordered_json;

// JSON has no NaN or Infinity: -inf (a token the sampler could not pick) is -9999.0 as in vLLM, NaN is null.
json logprob_value(float v) {
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v < 0 ? -9999.0 : 9999.0;
  return v;
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (const unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

json utf8_bytes(const std::string& s) {
  json bytes = json::array();
  for (const unsigned char ch : s) bytes.push_back(static_cast<int>(ch));
  return bytes;
}

std::string token_string(const Tokenizer* tokenizer, int32_t id) {
  if (tokenizer == nullptr || !tokenizer->contains_id(id)) return "token_id:" + std::to_string(id);
  return tokenizer->decode(std::span<const int32_t>(&id, 1), false, false);
}

}  // namespace

json ResponseBuilder::logprobs_json(const std::vector<TokenLogprobs>& tokens, size_t& text_offset) const {
  if (job_.kind == ApiKind::kChat) {
    json content = json::array();
    for (const TokenLogprobs& t : tokens) {
      const std::string text = token_string(tokenizer_, t.token_id);
      json top = json::array();
      for (const TokenLogprob& alt : t.top) {
        const std::string alt_text = token_string(tokenizer_, alt.token_id);
        top.push_back(
            {{"token", alt_text}, {"logprob", logprob_value(alt.logprob)}, {"bytes", utf8_bytes(alt_text)}});
      }
      content.push_back({{"token", text},
                         {"logprob", logprob_value(t.logprob)},
                         {"bytes", utf8_bytes(text)},
                         {"top_logprobs", top}});
    }
    return {{"content", std::move(content)}};
  }
  json out = {{"tokens", json::array()},
              {"token_logprobs", json::array()},
              {"top_logprobs", json::array()},
              {"text_offset", json::array()}};
  for (const TokenLogprobs& t : tokens) {
    const std::string text = token_string(tokenizer_, t.token_id);
    json top = json::object();
    for (const TokenLogprob& alt : t.top)
      top[token_string(tokenizer_, alt.token_id)] = logprob_value(alt.logprob);
    if (!top.contains(text)) top[text] = logprob_value(t.logprob);  // the sampled token is always listed
    out["tokens"].push_back(text);
    out["token_logprobs"].push_back(logprob_value(t.logprob));
    out["top_logprobs"].push_back(std::move(top));
    out["text_offset"].push_back(text_offset);
    text_offset += code_points(text);
  }
  return out;
}

json ResponseBuilder::usage() const {
  int64_t prompt = 0, cached = 0, completion = 0;
  for (const PromptState& p : prompts_) {
    prompt += p.num_prompt_tokens;
    cached += p.num_cached_tokens;
  }
  for (const Choice& c : choices_) completion += c.num_tokens;
  return {{"prompt_tokens", prompt},
          {"completion_tokens", completion},
          {"total_tokens", prompt + completion},
          {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

json ResponseBuilder::completion_body() const {
  json choices = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& c = choices_[i];
    size_t offset = 0;
    choices.push_back({{"index", i},
                       {"text", full_text(i)},
                       {"logprobs", job_.logprobs >= 0 ? logprobs_json(c.logprobs, offset) : json(nullptr)},
                       {"finish_reason", finish_reason_name(c.finish)},
                       {"stop_reason", c.stop_reason}});
  }
  json body = chunk_envelope("text_completion");
  body["choices"] = std::move(choices);
  body["usage"] = usage();
  return body;
}

// The assistant message; with reasoning or tool calls read out of the text: content (null when only calls came),
// reasoning_content (when the server has a reasoning parser) and tool_calls (when the model called any).
json ResponseBuilder::chat_message(size_t i) const {
  const Choice& c = choices_[i];
  json message = {{"role", "assistant"}};
  if (!c.parser) {
    message["content"] = full_text(i);
    return message;
  }
  const std::string content = job_.echo_prefix + c.parsed.content;
  const bool called = !c.parsed.tool_calls.empty();
  message["content"] = content.empty() && called ? json(nullptr) : json(content);
  if (job_.output.reasoning)
    message["reasoning_content"] = c.parsed.reasoning.empty() ? json(nullptr) : json(c.parsed.reasoning);
  if (called) {
    json calls = json::array();
    for (const tools::ToolCall& t : c.parsed.tool_calls) {
      calls.push_back({{"id", t.id},
                       {"type", "function"},
                       {"function", {{"name", t.name}, {"arguments", t.arguments}}}});
    }
    message["tool_calls"] = std::move(calls);
  }
  return message;
}

json ResponseBuilder::chat_body() const {
  json choices = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& c = choices_[i];
    size_t offset = 0;
    choices.push_back({{"index", i},
                       {"message", chat_message(i)},
                       {"logprobs", job_.logprobs >= 0 ? logprobs_json(c.logprobs, offset) : json(nullptr)},
                       {"finish_reason", finish_reason_of(c)},
                       {"stop_reason", c.stop_reason}});
  }
  json body = chunk_envelope("chat.completion");
  body["choices"] = std::move(choices);
  body["usage"] = usage();
  return body;
}

}  // namespace llmc::http_api
