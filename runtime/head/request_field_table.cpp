// The request fields of every generation API (see request_schema.h). One row per field and endpoint group;
// a field whose type differs between endpoints (logprobs, prompt) has one row per type. Ranges are the real
// ones, before any narrowing: the engine's configuration-dependent limits (max_model_len, max_logprobs, the
// vocabulary) are checked later on values these ranges already made safe to convert.
#include <cfloat>
#include <cstdint>
#include <limits>

#include "runtime/head/request_schema.h"

namespace llmc {
namespace {

using nlohmann::json;

constexpr uint16_t kCmpl = endpoint_bit(Endpoint::kCompletions);
constexpr uint16_t kChat = endpoint_bit(Endpoint::kChat);
constexpr uint16_t kGen = endpoint_bit(Endpoint::kGenerate);
constexpr uint16_t kPred = endpoint_bit(Endpoint::kPredict);
constexpr uint16_t kTok = endpoint_bit(Endpoint::kTokenize);
constexpr uint16_t kDetok = endpoint_bit(Endpoint::kDetokenize);
constexpr uint16_t kOff = endpoint_bit(Endpoint::kOffline);
constexpr uint16_t kOpenAi = kCmpl | kChat;
constexpr uint16_t kServing = kCmpl | kChat | kGen | kPred;   // HTTP endpoints that generate
constexpr uint16_t kSampling = kServing | kOff;               // everything that builds a SamplingParams
constexpr uint16_t kTemplated = kChat | kPred | kTok | kOff;  // where messages meet the chat template

constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr double kFloatMax = FLT_MAX;  // sampling parameters travel as float
constexpr int64_t kMaxN = 1024;        // sequences per prompt

constexpr FieldSpec typed(std::string_view name, uint16_t endpoints, FieldType type) {
  return FieldSpec{.name = name, .endpoints = endpoints, .type = type};
}
constexpr FieldSpec integer(std::string_view name, uint16_t endpoints, int64_t lo, int64_t hi,
                            FieldType type = FieldType::kInteger) {
  return FieldSpec{.name = name, .endpoints = endpoints, .type = type, .int_min = lo, .int_max = hi};
}
constexpr FieldSpec number(std::string_view name, uint16_t endpoints, double lo, double hi,
                           bool lo_open = false) {
  return FieldSpec{.name = name,
                   .endpoints = endpoints,
                   .type = FieldType::kNumber,
                   .min = lo,
                   .max = hi,
                   .min_open = lo_open};
}
constexpr FieldSpec refused(std::string_view name, uint16_t endpoints, FieldType type, const char* why,
                            bool (*asks_nothing)(const json&) = nullptr) {
  return FieldSpec{
      .name = name, .endpoints = endpoints, .type = type, .refused = why, .asks_nothing = asks_nothing};
}

bool is_false(const json& v) { return !v.get<bool>(); }
bool is_empty(const json& v) { return v.empty(); }
bool is_text_format(const json& v) { return v.is_object() && v.value("type", json()) == "text"; }

const FieldSpec kTable[] = {
    // The model and the input.
    typed("model", kServing | kTok | kDetok, FieldType::kString),
    typed("prompt", kCmpl, FieldType::kPrompt),
    typed("prompt", kGen | kPred | kTok | kOff, FieldType::kString),
    typed("prompt_token_ids", kOff, FieldType::kTokenIds),
    typed("messages", kTemplated, FieldType::kList),
    typed("tokens", kDetok, FieldType::kTokenIds),
    typed("add_special_tokens", kServing | kTok, FieldType::kBool),
    integer("truncate_prompt_tokens", kOpenAi, 1, kI32Max),
    // Chat template inputs.
    typed("add_generation_prompt", kTemplated, FieldType::kBool),
    typed("continue_final_message", kChat | kPred | kTok, FieldType::kBool),
    typed("chat_template_kwargs", kTemplated, FieldType::kObject),
    typed("tools", kTemplated, FieldType::kList),
    typed("documents", kTemplated, FieldType::kList),
    refused("chat_template", kChat | kPred | kTok, FieldType::kAny,
            "a per-request chat_template is not supported; start the server with --chat-template"),
    // Sampling and stopping.
    integer("max_tokens", kSampling, 1, kI32Max),
    integer("max_completion_tokens", kSampling, 1, kI32Max),
    integer("min_tokens", kSampling, 0, kI32Max),
    number("temperature", kSampling, 0, kFloatMax),
    number("top_p", kSampling, 0, 1, /*lo_open=*/true),
    integer("top_k", kSampling, -1, kI32Max),
    number("min_p", kSampling, 0, 1),
    number("repetition_penalty", kSampling, 0, kFloatMax, /*lo_open=*/true),
    number("presence_penalty", kSampling, -2, 2),
    number("frequency_penalty", kSampling, -2, 2),
    integer("seed", kSampling, kI64Min, kI64Max),  // vLLM's range (a torch.long)
    integer("n", kSampling, 1, kMaxN),
    integer("best_of", kSampling, 1, kMaxN),  // must equal n (no candidates beyond the returned ones)
    typed("stop", kSampling, FieldType::kStrings),
    typed("stop_token_ids", kSampling, FieldType::kTokenIds),
    typed("ignore_eos", kSampling, FieldType::kBool),
    typed("include_stop_str_in_output", kSampling, FieldType::kBool),
    typed("skip_special_tokens", kSampling, FieldType::kBool),
    typed("spaces_between_special_tokens", kServing, FieldType::kBool),  // accepted, the tokenizer decides
    integer("logprobs", kCmpl, 0, kI32Max),                              // a count of alternatives
    typed("logprobs", kChat, FieldType::kBool),                          // with top_logprobs
    integer("logprobs", kGen | kPred | kOff, 0, kI32Max, FieldType::kFlagOrCount),  // either style
    integer("top_logprobs", kChat | kGen | kPred | kOff, 0, kI32Max),
    integer("priority", kSampling, kI32Min, kI32Max),
    // The reply's shape.
    typed("stream", kOpenAi | kGen, FieldType::kBool),
    typed("stream_options", kOpenAi, FieldType::kObject),
    typed("echo", kOpenAi, FieldType::kBool),
    typed("return_token_strs", kTok, FieldType::kBool),
    // Accepted and ignored: OpenAI bookkeeping, beam-search-only knobs. tool_choice and parallel_tool_calls are
    // read by runtime/head/http/tool_request.cpp.
    typed("user", kOpenAi, FieldType::kString),
    typed("service_tier", kChat, FieldType::kAny),
    typed("store", kChat, FieldType::kAny),
    typed("metadata", kChat, FieldType::kAny),
    number("length_penalty", kOpenAi, -kFloatMax, kFloatMax),
    typed("tool_choice", kChat, FieldType::kAny),
    typed("parallel_tool_calls", kChat, FieldType::kBool),
    // Options the engine cannot honour: refused with 400 rather than silently ignored.
    refused("use_beam_search", kSampling, FieldType::kBool, "beam search is not supported", is_false),
    refused("logit_bias", kSampling, FieldType::kObject, "logit_bias is not supported", is_empty),
    refused("suffix", kCmpl, FieldType::kAny, "suffix is not supported"),
    refused("prompt_logprobs", kSampling, FieldType::kAny, "prompt_logprobs is not supported"),
    refused("response_format", kOpenAi, FieldType::kAny,
            "response_format other than {\"type\": \"text\"} is not supported", is_text_format),
    refused("structured_outputs", kSampling, FieldType::kAny, "structured_outputs is not supported"),
    refused("guided_json", kSampling, FieldType::kAny, "guided_json is not supported"),
    refused("guided_regex", kSampling, FieldType::kAny, "guided_regex is not supported"),
    refused("guided_choice", kSampling, FieldType::kAny, "guided_choice is not supported"),
    refused("guided_grammar", kSampling, FieldType::kAny, "guided_grammar is not supported"),
};

}  // namespace

std::span<const FieldSpec> request_field_table() { return kTable; }

}  // namespace llmc
