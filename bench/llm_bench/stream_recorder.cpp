#include "bench/llm_bench/stream_recorder.h"

#include <nlohmann/json.hpp>

namespace llmc::bench {

using json = nlohmann::json;

StreamRecorder::StreamRecorder(ApiKind kind, double start_time, int64_t prompt_len,
                               int64_t expected_output_len)
    : kind_(kind), last_chunk_time_(start_time) {
  out_.start_time = start_time;
  out_.prompt_len = prompt_len;
  out_.expected_output_len = expected_output_len;
}

void StreamRecorder::fail(std::string reason, int http_status) {
  if (!out_.error.empty()) return;  // the first reason is the real one
  out_.error = std::move(reason);
  if (http_status != 0) out_.http_status = http_status;
}

void StreamRecorder::on_message(std::string_view data, double now) {
  if (done_ || !out_.error.empty()) return;
  if (data == "[DONE]") {
    done_ = true;
    return;
  }
  const json message = json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    return fail("the server sent a stream message that is not JSON: " + std::string(data.substr(0, 200)));
  }
  if (auto it = message.find("error"); it != message.end() && !it->is_null()) {
    const json& e = *it;
    std::string what = e.is_object() && e.contains("message") && e["message"].is_string()
                           ? e["message"].get<std::string>()
                           : e.dump();
    return fail("error in the stream: " + what);
  }
  if (auto it = message.find("choices"); it != message.end() && it->is_array() && !it->empty()) {
    if (!first_chunk_) {
      first_chunk_ = true;
      out_.ttft = now - out_.start_time;
    } else {
      out_.itl.push_back(now - last_chunk_time_);
    }
    last_chunk_time_ = now;
    const json& choice = (*it)[0];
    const json* text = nullptr;
    if (kind_ == ApiKind::kChat) {
      if (choice.contains("delta") && choice["delta"].is_object() && choice["delta"].contains("content"))
        text = &choice["delta"]["content"];
    } else if (choice.contains("text")) {
      text = &choice["text"];
    }
    if (text && text->is_string()) out_.generated_text += text->get<std::string>();
  }
  if (auto it = message.find("usage"); it != message.end() && it->is_object()) {
    const json& u = *it;
    if (u.contains("completion_tokens") && u["completion_tokens"].is_number_integer()) {
      out_.output_tokens = u["completion_tokens"].get<int64_t>();
      out_.usage_seen = true;
    }
    if (u.contains("prompt_tokens") && u["prompt_tokens"].is_number_integer())
      out_.prompt_len = u["prompt_tokens"].get<int64_t>();
    if (u.contains("prompt_tokens_details") && u["prompt_tokens_details"].is_object()) {
      const json& d = u["prompt_tokens_details"];
      if (d.contains("cached_tokens") && d["cached_tokens"].is_number_integer())
        out_.cached_tokens = d["cached_tokens"].get<int64_t>();
    }
  }
}

RequestOutput StreamRecorder::finish() {
  if (out_.error.empty()) {
    if (!first_chunk_) {
      fail("the stream carried no chunk with a choice (no token to time)");
    } else if (!done_) {
      fail("the stream ended before data: [DONE]");
    }
  }
  out_.success = out_.error.empty();
  if (out_.success) {
    out_.latency = last_chunk_time_ - out_.start_time;
  } else {
    // vLLM's convention for a failed request: no timings, no output tokens.
    out_.ttft = 0.0;
    out_.latency = 0.0;
    out_.itl.clear();
  }
  return out_;
}

}  // namespace llmc::bench
