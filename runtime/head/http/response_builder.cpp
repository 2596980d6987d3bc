#include "runtime/head/http/response_builder.h"

#include "runtime/head/http/api_error.h"

namespace llmc::http_api {

using json = nlohmann::ordered_json;

std::string to_wire(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
std::string to_wire(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string sse_event(const nlohmann::json& payload) { return "data: " + to_wire(payload) + "\n\n"; }
std::string sse_event(const json& payload) { return "data: " + to_wire(payload) + "\n\n"; }

ResponseBuilder::ResponseBuilder(const GenerationJob& job, const Tokenizer* tokenizer)
    : job_(job), tokenizer_(tokenizer), prompts_(job.requests.size()) {
  for (const GenerationRequest& r : job_.requests) {
    first_choice_.push_back(choices_.size());
    choices_.resize(choices_.size() + static_cast<size_t>(r.sampling.n));
  }
  if (job_.kind == ApiKind::kChat && job_.output.parses_anything()) {
    for (Choice& c : choices_) c.parser = std::make_shared<tools::ChatOutputParser>(job_.output);
  }
}

json ResponseBuilder::finish_reason_of(const Choice& c) const {
  if (c.finish == FinishReason::kStop && c.parser && c.parser->called_tools()) return "tool_calls";
  return finish_reason_name(c.finish);
}

json ResponseBuilder::chunk_envelope(const char* object) const {
  return {{"id", job_.id}, {"object", object}, {"created", job_.created}, {"model", job_.model}};
}

std::string ResponseBuilder::completion_chunk(size_t index, std::string text, json logprobs, const Choice& c,
                                              bool final) const {
  json chunk = chunk_envelope("text_completion");
  json choice = {{"index", index},
                 {"text", std::move(text)},
                 {"logprobs", std::move(logprobs)},
                 {"finish_reason", final ? json(finish_reason_name(c.finish)) : json(nullptr)},
                 {"stop_reason", final ? c.stop_reason : json(nullptr)}};
  chunk["choices"] = json::array({std::move(choice)});
  if (job_.include_usage) chunk["usage"] = nullptr;
  return sse_event(chunk);
}

std::string ResponseBuilder::chat_chunk(size_t index, json delta, json logprobs, const Choice& c,
                                        bool final) const {
  json chunk = chunk_envelope("chat.completion.chunk");
  json choice = {{"index", index},
                 {"delta", std::move(delta)},
                 {"logprobs", std::move(logprobs)},
                 {"finish_reason", final ? finish_reason_of(c) : json(nullptr)},
                 {"stop_reason", final ? c.stop_reason : json(nullptr)}};
  chunk["choices"] = json::array({std::move(choice)});
  if (job_.include_usage) chunk["usage"] = nullptr;
  return sse_event(chunk);
}

// reasoning_content, content and tool_calls as OpenAI streams them: a call's first delta has its id, type and
// name, later ones only argument text.
json ResponseBuilder::parsed_delta(const tools::OutputDelta& parsed) const {
  json delta = json::object();
  if (!parsed.reasoning.empty()) delta["reasoning_content"] = parsed.reasoning;
  if (!parsed.content.empty()) delta["content"] = parsed.content;
  if (parsed.tool_calls.empty()) return delta;
  json calls = json::array();
  for (const tools::ToolCallDelta& t : parsed.tool_calls) {
    json function = json::object();
    if (!t.name.empty()) function["name"] = t.name;
    function["arguments"] = t.arguments;
    json call = {{"index", t.index}};
    if (!t.id.empty()) {
      call["id"] = t.id;
      call["type"] = "function";
    }
    call["function"] = std::move(function);
    calls.push_back(std::move(call));
  }
  delta["tool_calls"] = std::move(calls);
  return delta;
}

std::string ResponseBuilder::stream_head() {
  std::string events;
  if (!job_.stream || job_.kind != ApiKind::kChat) return events;
  for (size_t i = 0; i < choices_.size(); ++i) {
    events += chat_chunk(i, {{"role", "assistant"}, {"content", ""}}, nullptr, choices_[i], false);
  }
  if (!job_.echo_prefix.empty()) {
    for (size_t i = 0; i < choices_.size(); ++i) {
      events += chat_chunk(i, {{"content", job_.echo_prefix}}, nullptr, choices_[i], false);
    }
  }
  return events;
}

std::string ResponseBuilder::stream_delta(size_t index, const SequenceDelta& d, const tools::OutputDelta& parsed) {
  Choice& c = choices_[index];
  const bool final = d.finish_reason != FinishReason::kNone;
  const bool has_logprobs = job_.logprobs >= 0 && !d.logprobs.empty();
  const bool echo_now = job_.kind == ApiKind::kCompletion && job_.echo && !c.started;
  if (d.text.empty() && !final && !has_logprobs && !echo_now) return "";
  c.started = true;
  json logprobs = has_logprobs ? logprobs_json(d.logprobs, c.text_offset) : json(nullptr);
  if (job_.kind == ApiKind::kCompletion) {
    size_t prompt = 0;
    while (prompt + 1 < first_choice_.size() && first_choice_[prompt + 1] <= index) ++prompt;
    return completion_chunk(index, echo_now ? job_.prompt_texts[prompt] + d.text : d.text,
                            std::move(logprobs), c, final);
  }
  json delta = json::object();
  if (c.parser) {
    delta = parsed_delta(parsed);
    if (delta.empty() && !final && !has_logprobs) return "";  // the parser holds this text back for now
    if (delta.empty() && !final) delta["content"] = "";
  } else if (!d.text.empty() || !final) {
    delta["content"] = d.text;
  }
  return chat_chunk(index, std::move(delta), std::move(logprobs), c, final);
}

std::string ResponseBuilder::add(size_t prompt_index, const RequestOutput& output) {
  PromptState& p = prompts_.at(prompt_index);
  p.num_prompt_tokens = output.num_prompt_tokens;
  p.num_cached_tokens = output.num_cached_prompt_tokens;
  if (!output.error.empty()) error_ = output.error;
  std::string events;
  for (const SequenceDelta& d : output.sequences) {
    const size_t index = first_choice_[prompt_index] + static_cast<size_t>(d.index);
    if (index >= choices_.size()) continue;  // cannot happen: the engine numbers sequences 0 .. n-1
    Choice& c = choices_[index];
    c.text += d.text;
    c.num_tokens += static_cast<int32_t>(d.token_ids.size());
    if (job_.logprobs >= 0 && !job_.stream)
      c.logprobs.insert(c.logprobs.end(), d.logprobs.begin(), d.logprobs.end());
    if (d.finish_reason != FinishReason::kNone) {
      c.finish = d.finish_reason;
      if (const auto* id = std::get_if<int32_t>(&d.stop_reason)) c.stop_reason = *id;
      if (const auto* s = std::get_if<std::string>(&d.stop_reason)) c.stop_reason = *s;
    }
    // The streamed and the non-streamed reply are built from the same parsed deltas.
    tools::OutputDelta parsed;
    if (c.parser) {
      parsed = c.parser->feed(d.text);
      if (d.finish_reason != FinishReason::kNone) parsed.append(c.parser->finish());
      c.parsed.add(parsed);
    }
    if (job_.stream && (job_.kind == ApiKind::kCompletion || job_.kind == ApiKind::kChat)) {
      events += stream_delta(index, d, parsed);
    }
  }
  if (job_.stream && job_.kind == ApiKind::kGenerate && !output.sequences.empty()) events += generate_line();
  if (output.finished && !p.finished) {
    p.finished = true;
    ++num_finished_;
  }
  return events;
}

std::string ResponseBuilder::stream_tail() {
  std::string tail;
  const ApiError engine_failed(503, "the engine failed while generating: " + error_, "server_error", "",
                               "engine_dead");
  if (job_.kind == ApiKind::kGenerate) {
    if (!error_.empty()) tail += to_wire(error_body(engine_failed)) + "\n";
    return tail;
  }
  if (!error_.empty()) {
    tail += sse_event(error_body(engine_failed));
  } else if (job_.include_usage) {
    json chunk = chunk_envelope(job_.kind == ApiKind::kChat ? "chat.completion.chunk" : "text_completion");
    chunk["choices"] = json::array();
    chunk["usage"] = usage();
    tail += sse_event(chunk);
  }
  tail += "data: [DONE]\n\n";
  return tail;
}

std::string ResponseBuilder::full_text(size_t index) const {
  size_t prompt = 0;
  while (prompt + 1 < first_choice_.size() && first_choice_[prompt + 1] <= index) ++prompt;
  switch (job_.kind) {
    case ApiKind::kCompletion:
      return job_.echo ? job_.prompt_texts[prompt] + choices_[index].text : choices_[index].text;
    case ApiKind::kChat:
      return job_.echo_prefix + choices_[index].text;
    case ApiKind::kGenerate:
      return job_.prompt_texts[prompt] + choices_[index].text;
    case ApiKind::kPredict:
      break;
  }
  return choices_[index].text;
}

std::string ResponseBuilder::generate_line() const {
  json texts = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) texts.push_back(full_text(i));
  return to_wire(json{{"text", std::move(texts)}}) + "\n";
}

HttpResponse ResponseBuilder::final_response() const {
  HttpResponse r;
  if (!error_.empty()) {
    const ApiError e(503, "the engine failed while generating: " + error_, "server_error", "", "engine_dead");
    r.status = e.status();
    r.body = to_wire(error_body(e));
    return r;
  }
  switch (job_.kind) {
    case ApiKind::kCompletion:
      r.body = to_wire(completion_body());
      break;
    case ApiKind::kChat:
      r.body = to_wire(chat_body());
      break;
    case ApiKind::kGenerate:
      r.body = generate_line();
      r.body.pop_back();
      break;
    case ApiKind::kPredict: {
      json predictions = json::array();
      for (size_t p = 0; p < prompts_.size(); ++p) {
        const size_t n = static_cast<size_t>(job_.requests[p].sampling.n);
        if (n == 1) {
          predictions.push_back(full_text(first_choice_[p]));
          continue;
        }
        json texts = json::array();
        for (size_t i = 0; i < n; ++i) texts.push_back(full_text(first_choice_[p] + i));
        predictions.push_back(std::move(texts));
      }
      r.body = to_wire(json{{"predictions", std::move(predictions)}});
      break;
    }
  }
  return r;
}

}  // namespace llmc::http_api
