#include "runtime/head/offline_generation.h"

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/head/request_schema.h"
#include "runtime/head/sampling_json.h"

namespace llmc {
namespace {

using nlohmann::json;

std::vector<int32_t> prompt_ids_of(const CheckedBody& line, const PromptEncoder& encoder) {
  if (const auto ids = line.get<std::vector<int32_t>>("prompt_token_ids")) {
    if (ids->empty()) throw FieldError("prompt_token_ids", "'prompt_token_ids' must be a non-empty list");
    return *ids;
  }
  if (line.has("prompt") || line.has("messages")) {
    if (!encoder) {
      throw SubmitError(SubmitError::Kind::kInvalidRequest,
                        "text prompts need the model's tokenizer (tokenizer.json) in the model folder");
    }
    try {
      return encoder(line.body());
    } catch (const SubmitError&) {
      throw;
    } catch (const Error& e) {
      throw SubmitError(SubmitError::Kind::kInvalidRequest, e.what());
    }
  }
  throw SubmitError(SubmitError::Kind::kInvalidRequest,
                    "needs one of 'prompt_token_ids', 'prompt' or 'messages'");
}

// Everything delivered for one request, accumulated from its outputs.
struct Collected {
  std::vector<json> sequences;
  bool finished = false;
  std::string error;
};

json token_logprobs_json(const TokenLogprobs& t) {
  json top = json::array();
  for (const TokenLogprob& a : t.top) top.push_back({{"token_id", a.token_id}, {"logprob", a.logprob}});
  return {{"token_id", t.token_id}, {"logprob", t.logprob}, {"top_logprobs", top}};
}

void accumulate(Collected& c, const RequestOutput& out, bool want_logprobs) {
  for (const SequenceDelta& d : out.sequences) {
    if (c.sequences.size() <= static_cast<size_t>(d.index)) c.sequences.resize(d.index + 1);
    json& s = c.sequences[d.index];
    if (s.is_null()) {
      s = {{"token_ids", json::array()}, {"text", ""}, {"finish_reason", nullptr}};
      if (want_logprobs) s["logprobs"] = json::array();
    }
    for (int32_t t : d.token_ids) s["token_ids"].push_back(t);
    s["text"] = s["text"].get<std::string>() + d.text;
    if (want_logprobs) {
      for (const TokenLogprobs& t : d.logprobs) s["logprobs"].push_back(token_logprobs_json(t));
    }
    if (d.finish_reason != FinishReason::kNone) s["finish_reason"] = finish_reason_name(d.finish_reason);
  }
  if (out.finished) {
    c.finished = true;
    c.error = out.error;
  }
}

}  // namespace

std::vector<OfflineRequest> parse_offline_requests(std::istream& in, const std::string& source,
                                                   const GenerationConfig& defaults, const PromptEncoder& encoder) {
  std::vector<OfflineRequest> out;
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    OfflineRequest r;
    r.where = source + " line " + std::to_string(line_no);
    try {
      const json line = parse_request_json(text);
      const CheckedBody fields(line, Endpoint::kOffline);
      r.request.sampling = read_sampling_params(fields, defaults);
      r.request.prompt_token_ids = prompt_ids_of(fields, encoder);
      r.request.skip_special_tokens = fields.get<bool>("skip_special_tokens").value_or(true);
      r.request.priority = fields.get<int32_t>("priority").value_or(0);  // lower runs first (as vLLM)
    } catch (const SubmitError& e) {
      throw SubmitError(SubmitError::Kind::kInvalidRequest, r.where + ": " + e.what());
    }
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<json> run_offline(EngineLoop& engine, std::vector<OfflineRequest> requests) {
  // Every request is checked before any is submitted, so a bad line fails the run before work starts.
  for (const OfflineRequest& r : requests) {
    try {
      engine.validate(r.request);
    } catch (const SubmitError& e) {
      throw SubmitError(e.kind(), r.where + ": " + e.what());
    }
  }
  // The callbacks run on the engine thread and may outlive this frame if a submit throws part way through
  // (the engine died): they hold the state by shared pointer, never by reference to locals.
  struct State {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Collected> collected;
    size_t remaining = 0;
  };
  auto state = std::make_shared<State>();
  state->collected.resize(requests.size());
  state->remaining = requests.size();
  std::vector<RequestId> submitted;
  try {
    for (size_t i = 0; i < requests.size(); ++i) {
      const bool want_logprobs = requests[i].request.sampling.logprobs >= 0;
      auto on_output = [state, i, want_logprobs](RequestOutput out) {
        std::lock_guard lock(state->mutex);
        accumulate(state->collected[i], out, want_logprobs);
        if (out.finished && --state->remaining == 0) state->cv.notify_all();
      };
      // A file larger than the engine's queue bounds is fed as the queue drains, as a client that honours
      // "retry later" would; the queue empties as requests are scheduled, so this wait ends (or the engine dies
      // and submit throws kEngineDead).
      for (;;) {
        try {
          submitted.push_back(engine.submit(requests[i].request, on_output));
          break;
        } catch (const SubmitError& e) {
          if (e.kind() != SubmitError::Kind::kOverloaded) throw;
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    }
  } catch (const SubmitError& e) {
    for (RequestId id : submitted) engine.abort(id);
    throw SubmitError(e.kind(), requests[submitted.size()].where + ": " + e.what());
  }
  {
    // The engine fails every request if a step times out or a worker dies, so this wait ends.
    std::unique_lock lock(state->mutex);
    state->cv.wait(lock, [&] { return state->remaining == 0; });
  }
  const std::vector<Collected>& collected = state->collected;
  std::vector<json> results;
  for (size_t i = 0; i < requests.size(); ++i) {
    const Collected& c = collected[i];
    json r = {{"index", i}, {"prompt_token_ids", requests[i].request.prompt_token_ids}};
    const json first = c.sequences.empty() ? json::object() : c.sequences[0];
    for (const auto& [k, v] : first.items()) r[k] = v;
    if (!requests[i].request.detokenize) r.erase("text");
    if (c.sequences.size() > 1) r["outputs"] = c.sequences;
    if (!c.error.empty()) r["error"] = c.error;
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace llmc
