// Builds the SSE messages an OpenAI-compatible server streams (as our server frames them), for the tests
// that feed StreamRecorder hand-made timelines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace llmc::bench::test {

inline std::string completion_chunk(const std::string& text, bool final = false) {
  return nlohmann::json{{"id", "cmpl-1"},
                        {"object", "text_completion"},
                        {"choices",
                         {{{"index", 0},
                           {"text", text},
                           {"finish_reason", final ? nlohmann::json("length") : nlohmann::json(nullptr)}}}},
                        {"usage", nullptr}}
      .dump();
}

inline std::string chat_chunk(const nlohmann::json& delta) {
  return nlohmann::json{{"id", "chat-1"},
                        {"object", "chat.completion.chunk"},
                        {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", nullptr}}}}}
      .dump();
}

inline std::string usage_chunk(int64_t prompt, int64_t completion, int64_t cached = 0) {
  return nlohmann::json{{"id", "cmpl-1"},
                        {"choices", nlohmann::json::array()},
                        {"usage",
                         {{"prompt_tokens", prompt},
                          {"completion_tokens", completion},
                          {"total_tokens", prompt + completion},
                          {"prompt_tokens_details", {{"cached_tokens", cached}}}}}}
      .dump();
}

}  // namespace llmc::bench::test
