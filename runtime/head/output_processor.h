// Turns the tokens of each step into RequestOutputs: incremental text, stop strings, logprobs, finish reasons,
// timings and latency metrics; and delivers them through each request's callback.
//
// Owns the per-request state between submit and the final output. A stop string found in the text ends the
// sequence in the scheduler before the next step is planned, so no token is scheduled past it.
// Engine loop thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/head/generation_request.h"
#include "runtime/head/metrics.h"
#include "runtime/head/request_output.h"
#include "runtime/head/scheduler.h"
#include "runtime/head/stop_string_matcher.h"
#include "runtime/head/text_stream.h"

namespace llmc {

class OutputProcessor {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  // Requests (and their prompt tokens) that left the queue (scheduled once, or ended before that).
  struct Dequeued {
    int32_t requests = 0;
    int64_t tokens = 0;
  };

  explicit OutputProcessor(TextStreamFactory text_streams);

  void add(RequestId id, const GenerationRequest& request, OutputCallback callback, TimePoint arrival);
  // Marks the requests of sequences scheduled for the first time (queue time, cached prompt tokens).
  void on_admitted(const std::vector<RequestId>& seq_ids, const Scheduler& scheduler, TimePoint now,
                   MetricsBatch& metrics);
  // Applies one step's tokens and delivers the outputs.
  void process(std::vector<SeqUpdate>& updates, Scheduler& scheduler, TimePoint now, MetricsBatch& metrics);
  // Ends every sequence of the request with "abort" and delivers its last output; unknown ids are ignored.
  void abort(RequestId id, Scheduler& scheduler, TimePoint now, MetricsBatch& metrics);
  // Ends every request with "error" (the scheduler is cleaned up by the caller).
  void fail_all(const std::string& error, TimePoint now, MetricsBatch& metrics);

  Dequeued take_dequeued();
  size_t num_requests() const { return requests_.size(); }

 private:
  struct Child {
    std::unique_ptr<TextStream> text;
    StopStringMatcher stops;
    bool finished = false;
    std::optional<TimePoint> last_token;
  };
  struct State {
    RequestId id = 0;
    OutputCallback callback;
    SamplingParams sampling;
    int32_t num_prompt_tokens = 0;
    TimePoint arrival;
    std::optional<TimePoint> first_scheduled;
    std::optional<TimePoint> first_token;
    std::vector<Child> children;
    int32_t num_finished = 0;
    int64_t num_generated = 0;  // output tokens of all children, for the per-request token histogram
    RequestOutput pending;
    bool touched = false;
  };

  void apply(State& r, SeqUpdate& u, Scheduler& scheduler, TimePoint now, MetricsBatch& metrics);
  void apply_text(State& r, Child& c, const SeqUpdate& u, SequenceDelta& d, FinishReason& finish,
                  Scheduler& scheduler);
  SequenceDelta& delta(State& r, int32_t index);
  void end_child(State& r, int32_t index, FinishReason reason, MetricsBatch& metrics);
  // Delivers r's pending output; erases r when it was the last one or the callback threw.
  void deliver(State& r, TimePoint now, Scheduler* scheduler, MetricsBatch& metrics);
  void leave_queue(State& r);

  TextStreamFactory text_streams_;
  std::unordered_map<RequestId, State> requests_;
  std::vector<State*> touched_;
  Dequeued dequeued_;
};

}  // namespace llmc
