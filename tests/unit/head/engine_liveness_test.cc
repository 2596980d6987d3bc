// EngineLoop::liveness(): an engine that holds work but completes no step for longer than the step deadline
// is stalled (what /health reports), measured from its last step, not from a request's age; an idle engine
// never is. The engine thread runs for real; the executor wedges it the way a deadlock would.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "runtime/head/engine_loop.h"
#include "tests/unit/head/fake_executor.h"

namespace llmc::test {
namespace {

using namespace std::chrono_literals;

// Blocks the engine thread inside collect while `wedged` (ignoring the deadline, as a hung collective or a
// lock cycle would), and makes every step take `step_time`.
class WedgingExecutor : public FakeExecutor {
 public:
  WedgingExecutor() : FakeExecutor(64, 4) {}
  std::optional<StepResult> collect(std::chrono::steady_clock::time_point deadline) override {
    while (wedged.load()) std::this_thread::sleep_for(1ms);
    std::this_thread::sleep_for(step_time);
    return FakeExecutor::collect(deadline);
  }
  std::atomic<bool> wedged{false};
  std::chrono::milliseconds step_time{0};
};

struct Liveness : ::testing::Test {
  void SetUp() override {
    EngineConfig c;
    c.scheduler.block_size = 4;
    c.scheduler.max_model_len = 128;
    c.step_timeout = 100ms;
    auto x = std::make_unique<WedgingExecutor>();
    executor = x.get();
    engine = std::make_unique<EngineLoop>(std::move(c), 64, std::move(x));
    engine->start(5ms);
  }
  void TearDown() override {
    executor->wedged = false;
    engine->stop();
  }
  void submit(int32_t max_tokens) {
    GenerationRequest r;
    r.prompt_token_ids = {5, 6, 7};
    r.sampling.max_tokens = max_tokens;
    r.sampling.ignore_eos = true;
    r.detokenize = false;
    engine->submit(std::move(r), [this](RequestOutput out) {
      if (out.finished) finished = true;
    });
  }
  bool wait_finished(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!finished && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(2ms);
    return finished;
  }

  WedgingExecutor* executor = nullptr;
  std::unique_ptr<EngineLoop> engine;
  std::atomic<bool> finished{false};
};

TEST_F(Liveness, AnIdleEngineIsNeverStalled) {
  std::this_thread::sleep_for(300ms);  // three step deadlines with nothing to do
  const EngineLoop::Liveness l = engine->liveness();
  EXPECT_FALSE(l.busy);
  EXPECT_FALSE(l.stalled);
  EXPECT_LT(l.seconds_since_last_step, 0.1);
}

TEST_F(Liveness, AWedgedEngineWithWorkIsStalledAfterTheStepDeadlineAndRecovers) {
  executor->wedged = true;
  submit(4);
  std::this_thread::sleep_for(30ms);
  EXPECT_TRUE(engine->liveness().busy);
  EXPECT_FALSE(engine->liveness().stalled);  // within the deadline
  std::this_thread::sleep_for(150ms);
  const EngineLoop::Liveness l = engine->liveness();
  EXPECT_TRUE(l.busy);
  EXPECT_TRUE(l.stalled);
  EXPECT_GE(l.seconds_since_last_step, 0.1);
  const MetricsSnapshot m = engine->metrics();
  EXPECT_TRUE(m.stalled);
  EXPECT_GE(m.seconds_since_last_step, 0.1);
  EXPECT_FALSE(engine->dead());  // stalled is not dead: nothing noticed it but the probe
  executor->wedged = false;
  ASSERT_TRUE(wait_finished(2s));
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(engine->liveness().stalled);
  EXPECT_FALSE(engine->liveness().busy);
  EXPECT_LT(engine->liveness().seconds_since_last_step, 0.1);
}

TEST_F(Liveness, StepsKeepAnEngineLiveHoweverLongTheRequestRuns) {
  executor->step_time = 10ms;
  submit(30);  // about 300 ms of steps, three step deadlines
  bool ever_stalled = false;
  double longest = 0;
  while (!finished) {
    const EngineLoop::Liveness l = engine->liveness();
    ever_stalled |= l.stalled;
    longest = std::max(longest, l.seconds_since_last_step);
    std::this_thread::sleep_for(3ms);
  }
  EXPECT_FALSE(ever_stalled);
  EXPECT_LT(longest, 0.1);
}

}  // namespace
}  // namespace llmc::test
