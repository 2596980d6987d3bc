#include "runtime/head/output_processor.h"

#include "common/check.h"
#include "common/log.h"

namespace llmc {
namespace {

double seconds(std::chrono::steady_clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

OutputProcessor::OutputProcessor(TextStreamFactory text_streams) : text_streams_(std::move(text_streams)) {}

void OutputProcessor::add(RequestId id, const GenerationRequest& request, OutputCallback callback,
                          TimePoint arrival) {
  LLMC_CHECK(!requests_.contains(id)) << "OutputProcessor: request id " << id << " is already in use";
  State& r = requests_[id];
  r.id = id;
  r.callback = std::move(callback);
  r.sampling = request.sampling;
  r.num_prompt_tokens = static_cast<int32_t>(request.prompt_token_ids.size());
  r.arrival = arrival;
  r.children.resize(static_cast<size_t>(request.sampling.n));
  const bool detokenize = request.detokenize && text_streams_;
  for (Child& c : r.children) {
    if (detokenize) {
      c.text = text_streams_(request.prompt_token_ids, request.skip_special_tokens);
      LLMC_CHECK(c.text != nullptr) << "OutputProcessor: the TextStreamFactory returned no stream";
    }
    c.stops = StopStringMatcher(request.sampling.stop, request.sampling.include_stop_str_in_output);
  }
  r.pending.id = id;
  r.pending.num_prompt_tokens = r.num_prompt_tokens;
}

void OutputProcessor::on_admitted(const std::vector<RequestId>& seq_ids, const Scheduler& scheduler,
                                  TimePoint now, MetricsBatch& metrics) {
  for (const RequestId seq_id : seq_ids) {
    const Sequence* s = scheduler.find(seq_id);
    if (s == nullptr) continue;
    const auto it = requests_.find(s->request_id);
    if (it == requests_.end() || it->second.first_scheduled) continue;
    State& r = it->second;
    r.first_scheduled = now;
    r.pending.num_cached_prompt_tokens = s->num_cached_prompt_tokens;
    metrics.queue_time.push_back(seconds(now - r.arrival));
    metrics.prompt_tokens += static_cast<uint64_t>(r.num_prompt_tokens);
    leave_queue(r);
  }
}

void OutputProcessor::leave_queue(State& r) {
  ++dequeued_.requests;
  dequeued_.tokens += r.num_prompt_tokens;
}

OutputProcessor::Dequeued OutputProcessor::take_dequeued() {
  const Dequeued d = dequeued_;
  dequeued_ = {};
  return d;
}

SequenceDelta& OutputProcessor::delta(State& r, int32_t index) {
  if (!r.touched) {
    r.touched = true;
    touched_.push_back(&r);
  }
  for (SequenceDelta& d : r.pending.sequences) {
    if (d.index == index) return d;
  }
  SequenceDelta& d = r.pending.sequences.emplace_back();
  d.index = index;
  return d;
}

void OutputProcessor::end_child(State& r, int32_t index, FinishReason reason, MetricsBatch& metrics) {
  Child& c = r.children[static_cast<size_t>(index)];
  if (c.finished) return;
  c.finished = true;
  delta(r, index).finish_reason = reason;
  ++r.num_finished;
  ++metrics.finished_by_reason[static_cast<size_t>(reason)];
}

void OutputProcessor::process(std::vector<SeqUpdate>& updates, Scheduler& scheduler, TimePoint now,
                              MetricsBatch& metrics) {
  for (SeqUpdate& u : updates) {
    const auto it = requests_.find(u.request_id);
    if (it != requests_.end()) apply(it->second, u, scheduler, now, metrics);
  }
  std::vector<State*> touched;
  touched.swap(touched_);
  for (State* r : touched) deliver(*r, now, &scheduler, metrics);
}

void OutputProcessor::apply(State& r, SeqUpdate& u, Scheduler& scheduler, TimePoint now, MetricsBatch& metrics) {
  Child& c = r.children[static_cast<size_t>(u.child_index)];
  if (c.finished) return;
  SequenceDelta& d = delta(r, u.child_index);
  d.token_ids.push_back(u.token_id);
  if (r.sampling.logprobs >= 0) d.logprobs.push_back({u.token_id, u.logprob, std::move(u.top_logprobs)});
  d.num_output_tokens = u.num_output_tokens;
  ++metrics.generation_tokens;
  ++r.num_generated;
  if (!r.first_token) {
    r.first_token = now;
    metrics.time_to_first_token.push_back(seconds(now - r.arrival));
  }
  if (c.last_token) metrics.inter_token_latency.push_back(seconds(now - *c.last_token));
  c.last_token = now;
  FinishReason finish = u.finish_reason;
  if (u.stop_token_id) d.stop_reason = *u.stop_token_id;
  if (c.text) apply_text(r, c, u, d, finish, scheduler);
  if (finish != FinishReason::kNone) end_child(r, u.child_index, finish, metrics);
}

void OutputProcessor::apply_text(State& r, Child& c, const SeqUpdate& u, SequenceDelta& d, FinishReason& finish,
                                 Scheduler& scheduler) {
  // A stop token's own text is not part of the output unless asked for (as vLLM).
  const bool stopped_by_token = finish == FinishReason::kStop;
  std::string piece;
  if (!stopped_by_token || r.sampling.include_stop_str_in_output) piece = c.text->push(u.token_id);
  if (finish != FinishReason::kNone) piece += c.text->flush();
  d.text += c.stops.push(piece, u.num_output_tokens > r.sampling.min_tokens);
  if (c.stops.matched()) {
    if (finish == FinishReason::kNone) scheduler.finish_sequence(u.id, FinishReason::kStop);
    finish = FinishReason::kStop;  // a stop string also wins over "length" on the same token
    d.stop_reason = *c.stops.matched();
  } else if (finish != FinishReason::kNone) {
    d.text += c.stops.flush();
  }
}

void OutputProcessor::deliver(State& r, TimePoint now, Scheduler* scheduler, MetricsBatch& metrics) {
  r.touched = false;
  RequestOutput out = std::move(r.pending);
  r.pending = RequestOutput{};
  r.pending.id = r.id;
  r.pending.num_prompt_tokens = out.num_prompt_tokens;
  r.pending.num_cached_prompt_tokens = out.num_cached_prompt_tokens;
  const bool last = r.num_finished == static_cast<int32_t>(r.children.size());
  out.finished = last;
  if (last) {
    out.timings.queue_time = r.first_scheduled ? *r.first_scheduled - r.arrival : TimePoint::duration{};
    out.timings.time_to_first_token = r.first_token ? *r.first_token - r.arrival : TimePoint::duration{};
    out.timings.e2e_latency = now - r.arrival;
    metrics.e2e_latency.push_back(seconds(now - r.arrival));
    metrics.request_prompt_tokens.push_back(static_cast<double>(r.num_prompt_tokens));
    metrics.request_generation_tokens.push_back(static_cast<double>(r.num_generated));
  }
  bool consumer_ok = true;
  try {
    r.callback(std::move(out));
  } catch (const std::exception& e) {
    consumer_ok = false;
    spdlog::warn("request {}: output callback failed ({}); aborting the request", r.id, e.what());
  }
  if (!last && !consumer_ok && scheduler != nullptr) {
    // Nobody is listening any more: stop spending compute on it.
    for (size_t i = 0; i < r.children.size(); ++i) {
      if (r.children[i].finished) continue;
      scheduler->finish_sequence(r.id + i, FinishReason::kAbort);
      r.children[i].finished = true;
      ++metrics.finished_by_reason[static_cast<size_t>(FinishReason::kAbort)];
    }
  }
  if (last || !consumer_ok) {
    if (!r.first_scheduled) leave_queue(r);
    requests_.erase(r.id);
  }
}

void OutputProcessor::abort(RequestId id, Scheduler& scheduler, TimePoint now, MetricsBatch& metrics) {
  const auto it = requests_.find(id);
  if (it == requests_.end()) return;
  State& r = it->second;
  for (size_t i = 0; i < r.children.size(); ++i) {
    if (r.children[i].finished) continue;
    scheduler.finish_sequence(id + i, FinishReason::kAbort);
    end_child(r, static_cast<int32_t>(i), FinishReason::kAbort, metrics);
  }
  touched_.clear();
  deliver(r, now, &scheduler, metrics);
}

void OutputProcessor::fail_all(const std::string& error, TimePoint now, MetricsBatch& metrics) {
  std::vector<State*> all;
  for (auto& [id, r] : requests_) all.push_back(&r);
  for (State* r : all) {
    for (size_t i = 0; i < r->children.size(); ++i) end_child(*r, static_cast<int32_t>(i), FinishReason::kError, metrics);
    r->pending.error = error;
  }
  touched_.clear();
  for (State* r : all) deliver(*r, now, nullptr, metrics);
}

}  // namespace llmc
