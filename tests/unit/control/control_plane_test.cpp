// The control plane on real sockets (127.0.0.1, CURVE on): handshake, plans out, results back in order,
// heartbeats both ways, shutdown; sequence gaps; a handshake that misses a worker.
#include <gtest/gtest.h>

#include <atomic>

#include "tests/unit/control/control_test_support.h"
#include "tests/unit/control/expect_same.h"

namespace llmc {
namespace {

using namespace test;

constexpr int32_t kSamplingRank = 3;

// Plans shaped like real ones: a new request with a 512-token prompt now and then, decodes for the rest.
StepPlan make_plan(uint64_t step) {
  StepPlan p;
  p.step_id = step;
  if (step % 10 == 1) {
    NewRequestPlan n;
    n.id = 1000 + step;
    n.token_ids.resize(512);
    for (size_t i = 0; i < n.token_ids.size(); ++i)
      n.token_ids[i] = static_cast<int32_t>((step * 131 + i) % 32000);
    n.num_prompt_tokens = 512;
    n.sampling.temperature = 0.7f;
    n.sampling.seed = step * 0x9e3779b97f4a7c15ull;
    n.block_ids = {int32_t(step), int32_t(step + 1)};
    n.num_scheduled_tokens = 512;
    p.new_requests.push_back(n);
  }
  for (uint64_t id = 0; id < 16; ++id) {
    p.cached_requests.push_back({id, {static_cast<int32_t>((id * 7 + step) % 32000)}, {}, int32_t(step), 1});
  }
  if (step % 7 == 0) p.finished_ids.push_back(step);
  return p;
}

// What the sampling worker answers: computed from the plan by a rule the head side recomputes.
StepResult answer(const StepPlan& plan) {
  StepResult r;
  r.step_id = plan.step_id;
  for (const CachedRequestPlan& c : plan.cached_requests) {
    r.tokens.push_back({c.id, static_cast<int32_t>((c.id * 31 + plan.step_id) % 50000), -0.25f, {}});
  }
  for (const NewRequestPlan& n : plan.new_requests) {
    r.tokens.push_back({n.id, static_cast<int32_t>(n.token_ids.size() + n.id), -1.5f, {{1, -2.0f}}});
  }
  return r;
}

struct WorkerRun {
  std::vector<StepPlan> plans;
  int head_heartbeats = 0;
  std::atomic<bool> shut_down{false};
  std::string error;
};

// A worker's loop: plans -> (sampling rank) results; a second thread beats every 10 ms meanwhile.
void worker_loop(WorkerControl& w, int32_t rank, WorkerRun& out, const std::atomic<bool>& abort) {
  std::atomic<bool> stop{false};
  std::thread beat([&] {
    while (!stop) {
      w.send_heartbeat();
      std::this_thread::sleep_for(10ms);
    }
  });
  const auto deadline = Clock::now() + 30s;
  try {
    while (!abort && Clock::now() < deadline && !out.shut_down) {
      auto m = w.next(Clock::now() + 20ms);
      if (!m) continue;
      if (m->type == MessageType::kPlan) {
        out.plans.push_back(m->plan);
        if (rank == kSamplingRank) w.send_result(answer(m->plan));
      } else if (m->type == MessageType::kHeartbeat) {
        ++out.head_heartbeats;
      } else if (m->type == MessageType::kShutdown) {
        out.shut_down = true;
      }
    }
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  stop = true;
  beat.join();
}

TEST(ControlPlane, HeadAndThreeWorkers) {
  const std::vector<int32_t> ranks = {1, 2, 3};
  ClusterKeys keys(ranks);
  HeadControlOptions options;
  options.rank_keys = keys.rank_keys();
  auto head = make_head(keys, options);
  std::vector<std::unique_ptr<WorkerControl>> workers;
  for (int32_t r : ranks) workers.push_back(make_worker(*head, keys, r));
  run_handshake(*head, {workers[0].get(), workers[1].get(), workers[2].get()}, ranks, 10s);

  const auto started = Clock::now();
  std::atomic<bool> abort{false};
  std::vector<WorkerRun> runs(ranks.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < ranks.size(); ++i) {
    threads.emplace_back([&, i] { worker_loop(*workers[i], ranks[i], runs[i], abort); });
  }
  struct Joiner {
    std::vector<std::thread>& t;
    std::atomic<bool>& abort;
    ~Joiner() {
      abort = true;
      for (auto& th : t) th.join();
    }
  } joiner{threads, abort};

  constexpr uint64_t kSteps = 100;
  std::vector<StepPlan> plans;
  for (uint64_t s = 1; s <= kSteps; ++s) plans.push_back(make_plan(s));
  size_t sent = 0, received = 0;
  while (received < kSteps) {
    while (sent < kSteps && sent - received < 4) head->publish_plan(plans[sent++]);  // 4 steps in flight
    auto m = head->poll(Clock::now() + 10s);
    ASSERT_TRUE(m) << "no result for step " << received + 1;
    ASSERT_EQ(m->type, MessageType::kResult) << m->error;
    EXPECT_EQ(m->sender, kSamplingRank);
    ASSERT_EQ(m->result.step_id, received + 1) << "results out of order";
    expect_same(answer(plans[received]), m->result);
    ++received;
  }
  // Every worker's heartbeats reach the head (poll consumes them).
  ASSERT_TRUE(eventually([&] {
    head->poll(Clock::now() + 10ms);
    for (int32_t r : ranks) {
      if (head->last_heard(r) <= started) return false;
    }
    return head->stats().heartbeats >= 3;
  }));
  for (int i = 0; i < 3; ++i) head->send_heartbeat();
  head->shutdown();
  ASSERT_TRUE(eventually([&] { return runs[0].shut_down && runs[1].shut_down && runs[2].shut_down; }, 10s));
  for (size_t i = 0; i < ranks.size(); ++i) {
    SCOPED_TRACE("worker rank " + std::to_string(ranks[i]));
    EXPECT_EQ(runs[i].error, "");
    EXPECT_GE(runs[i].head_heartbeats, 1);
    ASSERT_EQ(runs[i].plans.size(), kSteps);
    for (size_t s = 0; s < kSteps; ++s) expect_same(plans[s], runs[i].plans[s]);
  }
  const HeadControlStats stats = head->stats();
  EXPECT_EQ(stats.rejected_connections, 0u);
  EXPECT_EQ(stats.malformed_messages, 0u);
  EXPECT_EQ(stats.unexpected_senders, 0u);
}

// The worker's next plan after skipping hellos left over from the handshake.
std::optional<Incoming> next_plan(WorkerControl& w) {
  for (;;) {
    auto m = w.next(Clock::now() + 5s);
    if (!m || m->type == MessageType::kPlan) return m;
  }
}

std::string sequence_error(const std::vector<uint64_t>& steps) {
  ClusterKeys keys({1});
  auto head = make_head(keys);
  auto worker = make_worker(*head, keys, 1);
  run_handshake(*head, {worker.get()}, {1}, 10s);
  for (uint64_t s : steps) head->publish_plan(make_plan(s));
  try {
    for (size_t i = 0; i < steps.size(); ++i) {
      auto m = next_plan(*worker);
      if (!m) return "no plan " + std::to_string(i);
    }
  } catch (const Error& e) {
    return e.what();
  }
  return "accepted";
}

TEST(ControlPlane, SequenceGapIsDetected) {
  EXPECT_NE(sequence_error({5, 6, 8}).find("lost or reordered plan: expected step 7, got 8"),
            std::string::npos);
}

TEST(ControlPlane, RepeatedPlanIsDetected) {
  EXPECT_NE(sequence_error({1, 2, 2}).find("lost or reordered plan: expected step 3, got 2"),
            std::string::npos);
  EXPECT_EQ(sequence_error({41, 42, 43}), "accepted");
}

TEST(ControlPlane, LateWorkerLearnsTheNextStepFromHello) {
  ClusterKeys keys({1, 2});
  auto head = make_head(keys);
  auto early = make_worker(*head, keys, 1);
  run_handshake(*head, {early.get()}, {1}, 10s);
  head->publish_plan(make_plan(1));
  head->publish_plan(make_plan(2));
  auto late = make_worker(*head, keys, 2);  // joins after steps 1 and 2 went out
  run_handshake(*head, {early.get(), late.get()}, {1, 2}, 10s);
  head->publish_plan(make_plan(4));
  try {
    next_plan(*late);
    FAIL() << "the late worker accepted step 4 although hello said the next step is 3";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected step 3, got 4"), std::string::npos) << e.what();
  }
}

TEST(ControlPlane, SlowWorkerLosesNoPlan) {
  ClusterKeys keys({1});
  auto head = make_head(keys);
  auto worker = make_worker(*head, keys, 1);
  run_handshake(*head, {worker.get()}, {1}, 10s);
  constexpr uint64_t kPlans = 20000;
  StepPlan plan;
  plan.cached_requests.push_back({1, {5}, {}, 0, 1});
  for (uint64_t s = 1; s <= kPlans; ++s) {  // the worker reads none of them yet
    plan.step_id = s;
    head->publish_plan(plan);
  }
  for (uint64_t s = 1; s <= kPlans; ++s) {
    auto m = next_plan(*worker);
    ASSERT_TRUE(m) << "plan " << s << " never arrived";
    ASSERT_EQ(m->plan.step_id, s);
  }
}

TEST(ControlPlane, HandshakeNamesTheMissingWorker) {
  ClusterKeys keys({1, 2, 3});
  auto head = make_head(keys);
  auto w1 = make_worker(*head, keys, 1);
  auto w2 = make_worker(*head, keys, 2);  // rank 3 never starts
  const auto start = Clock::now();
  try {
    run_handshake(*head, {w1.get(), w2.get()}, {1, 2, 3}, 1500ms);
    FAIL() << "handshake succeeded without rank 3";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no answer from worker rank(s) 3 (of 3)"), std::string::npos) << what;
  }
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 1500ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(ControlPlane, RejectsBadConfiguration) {
  ClusterKeys keys({1});
  EXPECT_THROW(HeadControl("localhost", keys.server, keys.allowed()), Error);
  EXPECT_THROW(HeadControl("::1", keys.server, keys.allowed()), Error);
  EXPECT_THROW(HeadControl("127.0.0.1", keys.server, {}), Error);
  EXPECT_THROW(HeadControl("127.0.0.1", keys.server, {"not a key"}), Error);
  CurveKeys mixed{keys.server.public_key, keys.workers.at(1).secret_key};
  EXPECT_THROW(HeadControl("127.0.0.1", mixed, keys.allowed()), Error);
  auto head = make_head(keys);
  const CurveKeys& own = keys.workers.at(1);
  EXPECT_THROW(WorkerControl(1, "tcp://head:5555", head->result_endpoint(), keys.server.public_key, own),
               Error);
  EXPECT_THROW(WorkerControl(1, head->plan_endpoint(), "tcp://127.0.0.1:0", keys.server.public_key, own),
               Error);
  EXPECT_THROW(WorkerControl(1, head->plan_endpoint(), head->result_endpoint(), "short", own), Error);
  // A port already taken is an error naming the address.
  HeadControlOptions taken;
  taken.plan_port = std::stoi(head->plan_endpoint().substr(head->plan_endpoint().rfind(':') + 1));
  try {
    HeadControl second("127.0.0.1", keys.server, keys.allowed(), taken);
    FAIL() << "bound a port twice";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot bind tcp://127.0.0.1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmc
