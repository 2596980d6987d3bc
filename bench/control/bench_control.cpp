// Control-plane costs on one machine (127.0.0.1, CURVE on):
//   BM_EncodePlan / BM_DecodePlan: the wire format alone.
//   BM_PublishReceivePlan: HeadControl::publish_plan -> WorkerControl::next (encode, encrypt, TCP loopback,
//     decrypt, decode) on one thread, so each iteration is one plan's one-way latency.
//   BM_RoundTrip: plan out, tiny result back from a worker thread (what one pipeline-free step pays).
// The plan: `running` cached requests with one new token each (every 16th also gets a new block, as with
// 16-token blocks) plus `new` requests with 512-token prompts. Run:
//   bench_control --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "runtime/comm/control/control_plane.h"

namespace llmc {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

StepPlan make_plan(uint64_t step, int running, int fresh) {
  StepPlan p;
  p.step_id = step;
  for (int i = 0; i < fresh; ++i) {
    NewRequestPlan n;
    n.id = 1'000'000 + step * 8 + i;
    n.token_ids.resize(512);
    for (int t = 0; t < 512; ++t) n.token_ids[t] = (t * 7919 + i) % 128000;
    n.num_prompt_tokens = 512;
    n.sampling.temperature = 0.7f;
    n.sampling.top_p = 0.9f;
    n.sampling.seed = 0x9e3779b97f4a7c15ull * (step + i);
    n.sampling.stop_token_ids = {128001, 128009};
    for (int b = 0; b < 32; ++b) n.block_ids.push_back(50000 + i * 32 + b);
    n.num_scheduled_tokens = 512;
    p.new_requests.push_back(std::move(n));
  }
  for (int i = 0; i < running; ++i) {
    CachedRequestPlan c;
    c.id = 1000 + i;
    c.new_token_ids = {static_cast<int32_t>((step * 131 + i * 17) % 128000)};
    if ((step + i) % 16 == 0) c.new_block_ids = {20000 + i};
    c.num_computed_tokens = static_cast<int32_t>(600 + step);
    c.num_scheduled_tokens = 1;
    p.cached_requests.push_back(std::move(c));
  }
  return p;
}

void BM_EncodePlan(benchmark::State& state) {
  const StepPlan plan = make_plan(7, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  std::string buf;
  for (auto _ : state) {
    encode_plan(plan, 0, buf);
    benchmark::DoNotOptimize(buf.data());
  }
  state.counters["bytes"] = static_cast<double>(buf.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_EncodePlan)->ArgNames({"running", "new"})->Args({256, 0})->Args({256, 4});

void BM_DecodePlan(benchmark::State& state) {
  std::string buf;
  encode_plan(make_plan(7, static_cast<int>(state.range(0)), static_cast<int>(state.range(1))), 0, buf);
  for (auto _ : state) {
    WireMessage m = decode_message(buf);
    benchmark::DoNotOptimize(m.plan.cached_requests.data());
  }
  state.counters["bytes"] = static_cast<double>(buf.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * buf.size()));
}
BENCHMARK(BM_DecodePlan)->ArgNames({"running", "new"})->Args({256, 0})->Args({256, 4});

struct Setup {
  CurveKeys server = generate_curve_keys();
  CurveKeys worker_keys = generate_curve_keys();
  HeadControl head{"127.0.0.1", server, {worker_keys.public_key}};
  WorkerControl worker{1, head.plan_endpoint(), head.result_endpoint(), server.public_key, worker_keys};
};

void BM_PublishReceivePlan(benchmark::State& state) {
  Setup s;
  std::atomic<bool> done{false};
  std::thread answer([&] {  // answers the handshake's hellos
    while (!done) s.worker.next(Clock::now() + 5ms);
  });
  s.head.handshake({1}, Clock::now() + 10s);
  done = true;
  answer.join();
  std::vector<StepPlan> plans;
  for (int i = 0; i < 64; ++i)
    plans.push_back(make_plan(0, static_cast<int>(state.range(0)), static_cast<int>(state.range(1))));
  uint64_t step = 1;
  for (auto _ : state) {
    StepPlan& plan = plans[step % plans.size()];
    plan.step_id = step++;
    s.head.publish_plan(plan);
    std::optional<Incoming> m;
    do {
      m = s.worker.next(Clock::now() + 5s);
      if (!m) state.SkipWithError("plan lost");
    } while (m && m->type != MessageType::kPlan);
  }
}
BENCHMARK(BM_PublishReceivePlan)
    ->ArgNames({"running", "new"})
    ->Args({0, 0})
    ->Args({256, 0})
    ->Args({256, 4})
    ->UseRealTime();

void BM_RoundTrip(benchmark::State& state) {
  Setup s;
  std::atomic<bool> done{false};
  std::thread worker([&] {
    while (!done) {
      auto m = s.worker.next(Clock::now() + 5ms);
      if (m && m->type == MessageType::kPlan) {
        StepResult r;
        r.step_id = m->plan.step_id;
        r.tokens.push_back({1000, 42, -0.5f, {}});
        s.worker.send_result(r);
      }
    }
  });
  s.head.handshake({1}, Clock::now() + 10s);
  StepPlan plan = make_plan(0, static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  uint64_t step = 1;
  for (auto _ : state) {
    plan.step_id = step++;
    s.head.publish_plan(plan);
    auto m = s.head.poll(Clock::now() + 5s);
    if (!m || m->result.step_id != plan.step_id) state.SkipWithError("result lost");
  }
  done = true;
  worker.join();
}
BENCHMARK(BM_RoundTrip)
    ->ArgNames({"running", "new"})
    ->Args({0, 0})
    ->Args({256, 0})
    ->Args({256, 4})
    ->UseRealTime();

}  // namespace
}  // namespace llmc

BENCHMARK_MAIN();
