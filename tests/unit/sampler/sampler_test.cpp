// sample(): greedy, seeding, logprobs, failure paths and the batched form.
#include "engine/sampler/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <set>

#include "common/check.h"

namespace llmc {
namespace {

std::vector<float> random_logits(size_t vocab, uint32_t seed, float scale = 3.0f) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> logits(vocab);
  for (float& v : logits) v = dist(gen);
  return logits;
}

SampleOutput run(std::vector<float> logits, const SamplingParams& p, std::span<const int32_t> prompt = {},
                 std::span<const int32_t> output = {}) {
  return sample({logits, prompt, output, &p});
}

// Every message part must appear in the error sample() throws.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "did not throw";
  } catch (const Error& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Sampler, GreedyIsArgmaxWithTiesToTheLowestId) {
  SamplingParams p;
  p.temperature = 0.0f;
  EXPECT_EQ(run({1.0f, 5.0f, 5.0f, 2.0f}, p).token_id, 1);
  EXPECT_EQ(run({-INFINITY, -3.0f, -INFINITY, -3.0f}, p).token_id, 1);
  EXPECT_EQ(run({7.0f}, p).token_id, 0);
  for (uint32_t seed = 0; seed < 5; ++seed) {
    const auto logits = random_logits(128256, seed);
    const auto first_max = std::max_element(logits.begin(), logits.end()) - logits.begin();
    EXPECT_EQ(run(logits, p).token_id, first_max);
  }
}

TEST(Sampler, TopKOneIsGreedyAtAnyTemperature) {
  SamplingParams greedy;
  greedy.temperature = 0.0f;
  for (float temperature : {0.1f, 1.0f, 2.0f, 100.0f}) {
    SamplingParams p;
    p.temperature = temperature;
    p.top_k = 1;
    p.seed = 7;
    for (uint32_t seed = 0; seed < 5; ++seed) {
      const auto logits = random_logits(5000, seed);
      EXPECT_EQ(run(logits, p).token_id, run(logits, greedy).token_id) << "temperature " << temperature;
    }
  }
}

// 200 steps of one request over a flat-ish 1000-token distribution.
std::vector<int32_t> generate(uint64_t seed, const SamplingParams& base, int steps = 200) {
  SamplingParams p = base;
  p.seed = seed;
  const auto logits = random_logits(1000, 99, 1.0f);
  std::vector<int32_t> output;
  for (int i = 0; i < steps; ++i) output.push_back(run(logits, p, {}, output).token_id);
  return output;
}

TEST(Sampler, SameSeedSameTokensDifferentSeedDifferentTokens) {
  for (const auto& [top_k, top_p] : std::vector<std::pair<int, float>>{{0, 1.0f}, {50, 1.0f}, {0, 0.9f}}) {
    SamplingParams p;
    p.top_k = top_k;
    p.top_p = top_p;
    const auto a = generate(1234, p);
    EXPECT_EQ(a, generate(1234, p)) << "top_k " << top_k << " top_p " << top_p;
    const auto b = generate(1235, p);
    int same = 0;
    for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
    EXPECT_LT(same, 20) << "seeds 1234 and 1235 agree at " << same << " of 200 steps";
    EXPECT_GT(std::set<int32_t>(a.begin(), a.end()).size(), 30u);  // it really samples
  }
}

TEST(Sampler, ResumedRequestDrawsTheSameNextToken) {
  // After preemption the request comes back with the same prompt and output: a fresh call for step 100, made
  // after unrelated sampling on this thread, must repeat the original draw (no state between calls).
  const auto full = generate(42, SamplingParams{}, 101);
  generate(7, SamplingParams{}, 10);
  SamplingParams p;
  p.seed = 42;
  const std::vector<int32_t> prefix(full.begin(), full.begin() + 100);
  EXPECT_EQ(run(random_logits(1000, 99, 1.0f), p, {}, prefix).token_id, full[100]);
}

// log_softmax in long double, written out independently.
std::vector<double> log_softmax(const std::vector<float>& logits) {
  long double max = -INFINITY;
  for (float v : logits) max = std::max<long double>(max, v);
  long double sum = 0;
  for (float v : logits) sum += std::exp(static_cast<long double>(v) - max);
  std::vector<double> out;
  for (float v : logits) out.push_back(static_cast<double>(v - max - std::log(sum)));
  return out;
}

TEST(Sampler, LogprobsAreTheRawLogSoftmax) {
  const auto logits = random_logits(32000, 5);
  const auto reference = log_softmax(logits);
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  SamplingParams p;
  p.logprobs = 5;
  p.seed = 3;
  p.repetition_penalty = 1.3f;  // penalties must not leak into the reported logprobs
  const std::vector<int32_t> history = {order[0], order[1], 17};
  const SampleOutput out = run(logits, p, history, history);
  EXPECT_NEAR(out.logprob, reference[out.token_id], 1e-4);
  ASSERT_EQ(out.top_logprobs.size(), 5u);
  for (size_t r = 0; r < 5; ++r) {
    EXPECT_EQ(out.top_logprobs[r].first, order[r]);
    EXPECT_NEAR(out.top_logprobs[r].second, reference[order[r]], 1e-4);
  }
}

TEST(Sampler, LogprobOfABoostedTokenIsItsRawOne) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.logprobs = 0;
  p.presence_penalty = -2.0f;  // raises token 2 above token 0
  const std::vector<float> logits = {1.0f, 0.0f, -0.5f};
  const std::vector<int32_t> output = {2};
  const SampleOutput out = run(logits, p, {}, output);
  EXPECT_EQ(out.token_id, 2);
  EXPECT_NEAR(out.logprob, log_softmax(logits)[2], 1e-6);
  EXPECT_TRUE(out.top_logprobs.empty());
}

TEST(Sampler, MaskedTokensReportAFiniteFloor) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.logprobs = 3;
  const SampleOutput out = run({0.5f, -INFINITY, 1.0f}, p);
  ASSERT_EQ(out.top_logprobs.size(), 3u);
  EXPECT_EQ(out.top_logprobs[2].first, 1);
  EXPECT_EQ(out.top_logprobs[2].second, kMinLogprob);
  for (const auto& [id, lp] : out.top_logprobs) EXPECT_FALSE(std::isnan(lp)) << id;
}

TEST(Sampler, RejectsBadLogitsAndIds) {
  SamplingParams p;
  expect_error([&] { run({0.0f, NAN, 1.0f}, p); }, {"token 1", "non-finite"});
  expect_error([&] { run({0.0f, INFINITY}, p); }, {"token 1"});
  expect_error([&] { run({-INFINITY, -INFINITY}, p); }, {"-inf"});
  expect_error([&] { run({}, p); }, {"no logits"});
  p.repetition_penalty = 1.2f;
  const std::vector<int32_t> bad = {0, 3};
  expect_error([&] { run({0.0f, 1.0f, 2.0f}, p, bad); }, {"prompt token 1", "id 3", "[0, 3)"});
  expect_error([&] { run({0.0f, 1.0f, 2.0f}, p, {}, bad); }, {"output token 1", "id 3"});
  expect_error([] { sample({}); }, {"SamplingParams"});
}

TEST(Sampler, ValidateNamesTheParameterAndItsRange) {
  auto expect_invalid = [](auto mutate, const std::vector<std::string>& parts) {
    SamplingParams p;
    mutate(p);
    expect_error([&] { validate(p, 100); }, parts);
  };
  expect_invalid([](SamplingParams& p) { p.temperature = -0.5f; }, {"temperature", "-0.5", ">= 0"});
  expect_invalid([](SamplingParams& p) { p.temperature = NAN; }, {"temperature"});
  expect_invalid([](SamplingParams& p) { p.top_p = 0.0f; }, {"top_p", "(0, 1]"});
  expect_invalid([](SamplingParams& p) { p.top_p = 1.5f; }, {"top_p", "1.5"});
  expect_invalid([](SamplingParams& p) { p.top_k = -2; }, {"top_k", "-2"});
  expect_invalid([](SamplingParams& p) { p.min_p = 1.1f; }, {"min_p", "[0, 1]"});
  expect_invalid([](SamplingParams& p) { p.repetition_penalty = 0.0f; }, {"repetition_penalty", "> 0"});
  expect_invalid([](SamplingParams& p) { p.presence_penalty = 2.5f; }, {"presence_penalty", "[-2, 2]"});
  expect_invalid([](SamplingParams& p) { p.frequency_penalty = -3.0f; }, {"frequency_penalty", "-3"});
  expect_invalid([](SamplingParams& p) { p.logprobs = 101; }, {"logprobs", "[0, 100]", "101"});
  expect_invalid([](SamplingParams& p) { p.logprobs = -2; }, {"logprobs"});
  expect_error([] { validate(SamplingParams{}, 0); }, {"vocabulary size"});
  SamplingParams ok;
  ok.top_k = -1;
  ok.top_p = 1.0f;
  ok.min_p = 1.0f;
  ok.logprobs = 100;
  ok.temperature = 0.0f;
  EXPECT_NO_THROW(validate(ok, 100));
}

TEST(Sampler, BatchEqualsRowByRowAndNamesTheFailingRow) {
  const size_t vocab = 128256;
  std::vector<SamplingParams> params(12);
  std::vector<std::vector<float>> single(12), batched(12);
  std::vector<std::vector<int32_t>> outputs(12);
  std::vector<SamplerInput> rows;
  for (size_t i = 0; i < 12; ++i) {
    params[i].seed = 1000 + i;
    params[i].temperature = i % 3 == 0 ? 0.0f : 0.8f;
    params[i].top_k = i % 4 == 1 ? 40 : 0;
    params[i].top_p = i % 4 == 2 ? 0.9f : 1.0f;
    params[i].frequency_penalty = 0.3f;
    params[i].logprobs = 2;
    single[i] = batched[i] = random_logits(vocab, static_cast<uint32_t>(i));
    outputs[i] = {static_cast<int32_t>(i), 5, 5};
    rows.push_back({batched[i], {}, outputs[i], &params[i]});
  }
  for (int threads : {0, 1, 4}) {
    for (size_t i = 0; i < 12; ++i) batched[i] = single[i];
    const auto results = sample_batch(rows, threads);
    for (size_t i = 0; i < 12; ++i) {
      const SampleOutput expected = run(single[i], params[i], {}, outputs[i]);
      EXPECT_EQ(results[i].token_id, expected.token_id) << "row " << i << " threads " << threads;
      EXPECT_EQ(results[i].logprob, expected.logprob);
      EXPECT_EQ(results[i].top_logprobs, expected.top_logprobs);
    }
  }
  params[7].top_p = 0.0f;
  expect_error([&] { sample_batch(rows); }, {"row 7", "top_p"});
}

}  // namespace
}  // namespace llmc
