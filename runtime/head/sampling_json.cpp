#include "runtime/head/sampling_json.h"

namespace llmc {
namespace {

template <typename T>
void read(const CheckedBody& body, const char* name, T& out) {
  if (const auto v = body.get<T>(name)) out = *v;
}

// The completions API takes a count; chat takes true/false plus top_logprobs; /generate, Vertex instances
// and offline lines take either.
int32_t logprobs_of(const CheckedBody& body) {
  const nlohmann::json* v = body.value("logprobs");
  if (v == nullptr) return -1;
  if (!v->is_boolean()) return *body.get<int32_t>("logprobs");
  return v->get<bool>() ? body.get<int32_t>("top_logprobs").value_or(0) : -1;
}

}  // namespace

SamplingParams read_sampling_params(const CheckedBody& body, const GenerationConfig& defaults) {
  SamplingParams p;
  if (defaults.temperature) p.temperature = *defaults.temperature;
  if (defaults.top_p) p.top_p = *defaults.top_p;
  if (defaults.top_k) p.top_k = *defaults.top_k;
  if (defaults.min_p) p.min_p = *defaults.min_p;
  if (defaults.repetition_penalty) p.repetition_penalty = *defaults.repetition_penalty;
  read(body, "temperature", p.temperature);
  read(body, "top_p", p.top_p);
  read(body, "top_k", p.top_k);
  read(body, "min_p", p.min_p);
  read(body, "repetition_penalty", p.repetition_penalty);
  read(body, "presence_penalty", p.presence_penalty);
  read(body, "frequency_penalty", p.frequency_penalty);
  if (const auto seed = body.get<int64_t>("seed")) {
    p.seed = static_cast<uint64_t>(*seed);  // the bit pattern: negative seeds are distinct seeds
    p.user_seeded = true;
  }
  p.logprobs = logprobs_of(body);
  read(body, "max_tokens", p.max_tokens);
  read(body, "max_completion_tokens", p.max_tokens);  // the newer name wins, as in vLLM
  read(body, "min_tokens", p.min_tokens);
  read(body, "ignore_eos", p.ignore_eos);
  read(body, "include_stop_str_in_output", p.include_stop_str_in_output);
  read(body, "n", p.n);
  read(body, "stop", p.stop);
  read(body, "stop_token_ids", p.stop_token_ids);
  return p;
}

}  // namespace llmc
