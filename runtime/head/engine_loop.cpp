#include "runtime/head/engine_loop.h"

#include <algorithm>
#include <random>

#include "common/check.h"
#include "common/log.h"
#include "runtime/head/request_validation.h"

namespace llmc {

EngineLoop::EngineLoop(EngineConfig config, int32_t num_blocks, std::unique_ptr<Executor> executor)
    : config_((config.validate(), std::move(config))),
      num_blocks_(num_blocks),
      executor_(std::move(executor)),
      scheduler_(config_.scheduler, num_blocks),
      outputs_(config_.text_streams),
      last_step_ns_(Clock::now().time_since_epoch().count()) {
  LLMC_CHECK(executor_ != nullptr) << "EngineLoop: no executor given";
  if (config_.seed) {
    seed_state_ = *config_.seed;
  } else {
    std::random_device rd;
    seed_state_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }
}

EngineLoop::~EngineLoop() { stop(); }

uint64_t EngineLoop::next_seed() { return derive_child_seed(seed_state_++, 0); }

RequestId EngineLoop::submit(GenerationRequest request, OutputCallback on_output) {
  if (!on_output) throw SubmitError(SubmitError::Kind::kInvalidRequest, "submit: no output callback given");
  try {
    validate(request);
  } catch (const SubmitError&) {
    metrics_.count_rejected(/*overloaded=*/false);
    throw;
  }
  const auto prompt_tokens = static_cast<int64_t>(request.prompt_token_ids.size());
  std::lock_guard lock(inbox_mutex_);
  if (dead_) throw SubmitError(SubmitError::Kind::kEngineDead, "the engine has failed: " + dead_reason_);
  if (queued_requests_ >= config_.max_num_queued_requests ||
      queued_tokens_ + prompt_tokens > config_.max_num_queued_tokens) {
    metrics_.count_rejected(/*overloaded=*/true);
    throw SubmitError(SubmitError::Kind::kOverloaded,
                      "overloaded: " + std::to_string(queued_requests_) + " requests with " +
                          std::to_string(queued_tokens_) + " prompt tokens are already queued (limits: " +
                          std::to_string(config_.max_num_queued_requests) + " requests, " +
                          std::to_string(config_.max_num_queued_tokens) + " tokens); retry later");
  }
  if (!request.sampling.user_seeded) request.sampling.seed = next_seed();
  const RequestId id = next_id_;
  next_id_ += static_cast<RequestId>(request.sampling.n);
  ++queued_requests_;
  queued_tokens_ += prompt_tokens;
  inbox_.push_back({id, std::move(request), std::move(on_output), now()});
  busy_.store(true);
  inbox_ready_.notify_all();
  return id;
}

void EngineLoop::validate(const GenerationRequest& request) const {
  validate_request(request, config_, config_.text_streams != nullptr, num_blocks_);
}

void EngineLoop::abort(RequestId id) {
  std::lock_guard lock(inbox_mutex_);
  if (dead_) return;
  aborts_.push_back(id);
  inbox_ready_.notify_all();
}

bool EngineLoop::dead() const {
  std::lock_guard lock(inbox_mutex_);
  return dead_;
}

std::string EngineLoop::dead_reason() const {
  std::lock_guard lock(inbox_mutex_);
  return dead_reason_;
}

EngineLoop::Liveness EngineLoop::liveness() const {
  Liveness l;
  const auto since = Clock::now() - Clock::time_point(Clock::duration(last_step_ns_.load()));
  l.seconds_since_last_step = std::max(0.0, std::chrono::duration<double>(since).count());
  l.busy = busy_.load();
  l.stalled = l.busy && since > config_.step_timeout;
  return l;
}

MetricsSnapshot EngineLoop::metrics() const {
  MetricsSnapshot m = metrics_.snapshot();
  const Liveness l = liveness();
  m.seconds_since_last_step = l.seconds_since_last_step;
  m.stalled = l.stalled;
  return m;
}

bool EngineLoop::idle() const {
  std::lock_guard lock(inbox_mutex_);
  return inbox_.empty() && aborts_.empty() && in_flight_.empty() && !scheduler_.has_unfinished() &&
         outputs_.num_requests() == 0;
}

bool EngineLoop::step(std::chrono::milliseconds max_wait) {
  const auto deadline = Clock::now() + max_wait;
  MetricsBatch batch;
  bool progressed = false;
  try {
    progressed = take_inbox(batch);
    if (!dead()) progressed |= plan(batch);
    if (!dead() && !in_flight_.empty()) progressed |= await_result(deadline, batch);
  } catch (const std::exception& e) {
    fail(e.what(), batch);
    progressed = true;
  }
  finish_step(batch);
  if (!progressed && in_flight_.empty()) wait_for_inbox(deadline);
  return progressed;
}

bool EngineLoop::take_inbox(MetricsBatch& batch) {
  std::vector<Incoming> incoming;
  std::vector<RequestId> aborts;
  {
    std::lock_guard lock(inbox_mutex_);
    incoming.swap(inbox_);
    aborts.swap(aborts_);
  }
  for (Incoming& in : incoming) {
    outputs_.add(in.id, in.request, std::move(in.callback), in.arrival);
    scheduler_.add_request(in.id, std::move(in.request.prompt_token_ids), in.request.sampling,
                           in.request.priority);
  }
  for (const RequestId id : aborts) outputs_.abort(id, scheduler_, now(), batch);
  return !incoming.empty() || !aborts.empty();
}

bool EngineLoop::plan(MetricsBatch& batch) {
  bool progressed = false;
  for (;;) {
    std::optional<StepPlan> plan = scheduler_.schedule();
    outputs_.on_admitted(scheduler_.last_events().admitted, scheduler_, now(), batch);
    if (!plan) return progressed;
    try {
      executor_->submit(*plan);
    } catch (const std::exception& e) {
      LLMC_FAIL() << "executor failed to submit step " << plan->step_id << ": " << e.what();
    }
    in_flight_.push_back({plan->step_id, Clock::now()});
    progressed = true;
  }
}

bool EngineLoop::await_result(Clock::time_point deadline, MetricsBatch& batch) {
  const Outstanding oldest = in_flight_.front();
  std::optional<StepResult> result;
  try {
    result = executor_->collect(deadline);
  } catch (const std::exception& e) {
    LLMC_FAIL() << "executor failed while running step " << oldest.step_id << ": " << e.what();
  }
  if (!result) {
    LLMC_CHECK(Clock::now() - oldest.submitted <= config_.step_timeout)
        << "step " << oldest.step_id << " returned no result within " << config_.step_timeout.count() << " ms";
    return false;
  }
  apply_result(std::move(*result), batch);
  return true;
}

void EngineLoop::apply_result(StepResult result, MetricsBatch& batch) {
  const uint64_t expected = in_flight_.front().step_id;
  LLMC_CHECK(result.error.empty()) << "step " << result.step_id << " failed on a worker: " << result.error;
  LLMC_CHECK(result.step_id == expected) << "executor returned step " << result.step_id << ", expected step "
                                         << expected;
  in_flight_.pop_front();
  last_step_ns_.store(Clock::now().time_since_epoch().count());
  std::vector<SeqUpdate> updates = scheduler_.update_from_result(std::move(result));
  outputs_.process(updates, scheduler_, now(), batch);
}

void EngineLoop::fail(const std::string& reason, MetricsBatch& batch) {
  std::vector<Incoming> incoming;
  {
    std::lock_guard lock(inbox_mutex_);
    if (dead_) return;
    dead_ = true;
    dead_reason_ = reason;
    incoming.swap(inbox_);
    aborts_.clear();
    queued_requests_ = 0;
    queued_tokens_ = 0;
  }
  spdlog::error("engine failed: {}", reason);
  outputs_.fail_all(reason, now(), batch);
  for (Incoming& in : incoming) {  // submitted but never seen by the loop
    RequestOutput out;
    out.id = in.id;
    out.num_prompt_tokens = static_cast<int32_t>(in.request.prompt_token_ids.size());
    for (int32_t i = 0; i < in.request.sampling.n; ++i) {
      SequenceDelta& d = out.sequences.emplace_back();
      d.index = i;
      d.finish_reason = FinishReason::kError;
    }
    out.finished = true;
    out.error = reason;
    try {
      in.callback(std::move(out));
    } catch (const std::exception& e) {
      spdlog::warn("request {}: output callback failed ({})", in.id, e.what());
    }
  }
  scheduler_.finish_all(FinishReason::kError);
  in_flight_.clear();
}

void EngineLoop::finish_step(MetricsBatch& batch) {
  const OutputProcessor::Dequeued dequeued = outputs_.take_dequeued();
  int32_t num_inbox = 0;
  {
    std::lock_guard lock(inbox_mutex_);
    if (!dead_) {
      queued_requests_ -= dequeued.requests;
      queued_tokens_ -= dequeued.tokens;
    }
    num_inbox = static_cast<int32_t>(inbox_.size());
    const bool busy = !dead_ && (!inbox_.empty() || !aborts_.empty() || !in_flight_.empty() ||
                                 scheduler_.has_unfinished() || outputs_.num_requests() > 0);
    busy_.store(busy);
    if (!busy) last_step_ns_.store(Clock::now().time_since_epoch().count());  // idle: nothing is late
  }
  metrics_.record(batch, scheduler_.stats(), num_inbox);
}

void EngineLoop::wait_for_inbox(Clock::time_point deadline) {
  std::unique_lock lock(inbox_mutex_);
  inbox_ready_.wait_until(lock, deadline, [&] { return !inbox_.empty() || !aborts_.empty() || stopping_; });
}

void EngineLoop::start(std::chrono::milliseconds poll) {
  LLMC_CHECK(!thread_.joinable()) << "EngineLoop::start: already running";
  {
    std::lock_guard lock(inbox_mutex_);
    stopping_ = false;
  }
  thread_ = std::jthread([this, poll](std::stop_token stop) {
    while (!stop.stop_requested()) step(poll);
  });
}

void EngineLoop::stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();
  {
    std::lock_guard lock(inbox_mutex_);
    stopping_ = true;
  }
  inbox_ready_.notify_all();
  thread_.join();
}

}  // namespace llmc
