// One scheduling step of the head with N running decode sequences (steady state after their prefill):
//   BM_SchedulerStep:  Scheduler::schedule() + building the StepResult + Scheduler::update_from_result().
//   BM_EngineLoopStep: the same through EngineLoop::step() with an instant executor, adding output assembly,
//                      stop checks, callbacks and metrics (no detokenizer).
//   BM_SchedulerStepEncoded: BM_SchedulerStep plus encoding the plan into its wire bytes (what the head does
//                      before publishing it) and decoding the result from wire bytes (what it does on receipt).
// Prefix caching is on (the default), so every block_size steps each sequence also hashes and registers a block.
#include <benchmark/benchmark.h>

#include <memory>
#include <utility>
#include <vector>

#include "runtime/comm/control/plan_codec.h"
#include "runtime/head/engine_loop.h"
#include "runtime/head/scheduler.h"

namespace llmc {
namespace {

constexpr int32_t kBlockSize = 16;
constexpr int32_t kPromptLen = 32;
constexpr int32_t kMaxTokens = 4096;

SchedulerConfig bench_config(int32_t num_seqs) {
  SchedulerConfig c;
  c.block_size = kBlockSize;
  c.max_num_seqs = num_seqs;
  c.max_num_batched_tokens = num_seqs * kPromptLen;
  c.max_model_len = kPromptLen + kMaxTokens;
  c.eos_token_ids = {2};
  return c;
}

int32_t bench_blocks(int32_t num_seqs) { return num_seqs * ((kPromptLen + kMaxTokens) / kBlockSize + 1); }

SamplingParams bench_sampling() {
  SamplingParams s;
  s.max_tokens = kMaxTokens;
  s.user_seeded = true;
  return s;
}

std::vector<int32_t> bench_prompt(int32_t i) {
  std::vector<int32_t> p(kPromptLen);
  for (int32_t k = 0; k < kPromptLen; ++k) p[static_cast<size_t>(k)] = 1000 + i * kPromptLen + k;
  return p;
}

// A result sampling one token for every request the plan brings to its last known token.
StepResult instant_result(const StepPlan& plan) {
  StepResult r;
  r.step_id = plan.step_id;
  r.tokens.reserve(plan.new_requests.size() + plan.cached_requests.size());
  for (const auto& n : plan.new_requests) {
    if (n.num_computed_tokens + n.num_scheduled_tokens == static_cast<int32_t>(n.token_ids.size())) {
      r.tokens.push_back({n.id, 100 + static_cast<int32_t>(plan.step_id % 1000), -0.5f, {}});
    }
  }
  for (const auto& c : plan.cached_requests) {
    r.tokens.push_back({c.id, 100 + static_cast<int32_t>(plan.step_id % 1000), -0.5f, {}});
  }
  return r;
}

std::unique_ptr<Scheduler> warm_scheduler(int32_t num_seqs) {
  auto s = std::make_unique<Scheduler>(bench_config(num_seqs), bench_blocks(num_seqs));
  for (int32_t i = 0; i < num_seqs; ++i) s->add_request(static_cast<RequestId>(i + 1), bench_prompt(i), bench_sampling(), 0);
  auto plan = s->schedule();  // all prefills
  s->update_from_result(instant_result(*plan));
  return s;
}

void BM_SchedulerStep(benchmark::State& state) {
  const auto num_seqs = static_cast<int32_t>(state.range(0));
  auto sched = warm_scheduler(num_seqs);
  int32_t steps = 0;
  for (auto _ : state) {
    if (++steps == kMaxTokens - 1) {  // sequences are about to hit max_tokens: start over, untimed
      state.PauseTiming();
      sched = warm_scheduler(num_seqs);
      steps = 1;
      state.ResumeTiming();
    }
    std::optional<StepPlan> plan = sched->schedule();
    auto updates = sched->update_from_result(instant_result(*plan));
    benchmark::DoNotOptimize(updates.data());
    if (static_cast<int32_t>(updates.size()) != num_seqs) state.SkipWithError("not every sequence decoded");
  }
  state.SetItemsProcessed(state.iterations() * num_seqs);
}
BENCHMARK(BM_SchedulerStep)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

void BM_SchedulerStepEncoded(benchmark::State& state) {
  const auto num_seqs = static_cast<int32_t>(state.range(0));
  auto sched = warm_scheduler(num_seqs);
  std::string plan_bytes, result_bytes;
  int32_t steps = 0;
  for (auto _ : state) {
    if (++steps == kMaxTokens - 1) {
      state.PauseTiming();
      sched = warm_scheduler(num_seqs);
      steps = 1;
      state.ResumeTiming();
    }
    std::optional<StepPlan> plan = sched->schedule();
    encode_plan(*plan, 0, plan_bytes);
    state.PauseTiming();  // the worker's side: not the head's cost
    encode_result(instant_result(*plan), 1, result_bytes);
    state.ResumeTiming();
    WireMessage result = decode_message(result_bytes);
    auto updates = sched->update_from_result(std::move(result.result));
    benchmark::DoNotOptimize(updates.data());
    if (static_cast<int32_t>(updates.size()) != num_seqs) state.SkipWithError("not every sequence decoded");
  }
  state.SetItemsProcessed(state.iterations() * num_seqs);
  state.counters["plan_bytes"] = static_cast<double>(plan_bytes.size());
}
BENCHMARK(BM_SchedulerStepEncoded)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

class InstantExecutor : public Executor {
 public:
  void submit(const StepPlan& plan) override { pending_ = instant_result(plan); }
  std::optional<StepResult> collect(std::chrono::steady_clock::time_point) override {
    return std::exchange(pending_, std::nullopt);
  }

 private:
  std::optional<StepResult> pending_;
};

std::unique_ptr<EngineLoop> warm_engine(int32_t num_seqs, int64_t& outputs) {
  EngineConfig c;
  c.scheduler = bench_config(num_seqs);
  c.max_num_queued_requests = num_seqs;
  auto e = std::make_unique<EngineLoop>(c, bench_blocks(num_seqs), std::make_unique<InstantExecutor>());
  for (int32_t i = 0; i < num_seqs; ++i) {
    GenerationRequest r;
    r.prompt_token_ids = bench_prompt(i);
    r.sampling = bench_sampling();
    e->submit(std::move(r), [&outputs](RequestOutput) { ++outputs; });
  }
  e->step(std::chrono::milliseconds(0));  // all prefills
  return e;
}

void BM_EngineLoopStep(benchmark::State& state) {
  const auto num_seqs = static_cast<int32_t>(state.range(0));
  int64_t outputs = 0;
  auto engine = warm_engine(num_seqs, outputs);
  int32_t steps = 0;
  for (auto _ : state) {
    if (++steps == kMaxTokens - 1) {
      state.PauseTiming();
      engine = warm_engine(num_seqs, outputs);
      steps = 1;
      state.ResumeTiming();
    }
    engine->step(std::chrono::milliseconds(0));
  }
  if (engine->dead()) state.SkipWithError(engine->dead_reason().c_str());
  state.SetItemsProcessed(state.iterations() * num_seqs);
  state.counters["outputs"] = static_cast<double>(outputs);
}
BENCHMARK(BM_EngineLoopStep)->Arg(256)->Arg(1024)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace llmc

BENCHMARK_MAIN();
