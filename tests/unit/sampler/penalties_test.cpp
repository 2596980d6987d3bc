// Penalties against logits worked out by hand from vLLM's definitions.
#include "engine/sampler/penalties.h"

#include <gtest/gtest.h>

#include "common/check.h"
#include "engine/sampler/sampler.h"

namespace llmc {
namespace {

TEST(Penalties, AllThreeAgainstHandComputedLogits) {
  std::vector<float> logits = {2.0f, -1.0f, 0.5f, 3.0f, 1.0f};
  const std::vector<int32_t> prompt = {0, 1, 1};
  const std::vector<int32_t> output = {2, 2, 1};
  SamplingParams p;
  p.repetition_penalty = 2.0f;
  p.frequency_penalty = 0.5f;
  p.presence_penalty = 0.25f;
  const auto originals = apply_penalties(logits, prompt, output, p);
  // 0: prompt, positive: 2 / 2 = 1.
  // 1: prompt and once in output: -1 * 2 = -2, then -2 - 0.5 * 1 - 0.25 = -2.75.
  // 2: twice in output: 0.5 / 2 = 0.25, then 0.25 - 0.5 * 2 - 0.25 = -1.0.
  // 3, 4: untouched.
  EXPECT_EQ(logits, (std::vector<float>{1.0f, -2.75f, -1.0f, 3.0f, 1.0f}));
  std::map<int32_t, float> saved(originals.begin(), originals.end());
  EXPECT_EQ(saved, (std::map<int32_t, float>{{0, 2.0f}, {1, -1.0f}, {2, 0.5f}}));
}

TEST(Penalties, FrequencyAndPresenceIgnoreThePrompt) {
  std::vector<float> logits = {1.0f, 1.0f, 1.0f};
  const std::vector<int32_t> prompt = {0, 0};
  const std::vector<int32_t> output = {1, 1, 1};
  SamplingParams p;
  p.frequency_penalty = -0.5f;  // negative values reward repetition
  p.presence_penalty = 1.0f;
  apply_penalties(logits, prompt, output, p);
  EXPECT_EQ(logits, (std::vector<float>{1.0f, 1.0f + 1.5f - 1.0f, 1.0f}));
}

TEST(Penalties, RepetitionBelowOneBoosts) {
  std::vector<float> logits = {4.0f, -4.0f, 0.0f};
  const std::vector<int32_t> prompt = {0, 1, 2};
  SamplingParams p;
  p.repetition_penalty = 0.5f;
  apply_penalties(logits, prompt, {}, p);
  EXPECT_EQ(logits, (std::vector<float>{8.0f, -2.0f, 0.0f}));
}

TEST(Penalties, StateDoesNotLeakBetweenCallsOrAfterAnError) {
  SamplingParams p;
  p.frequency_penalty = 1.0f;
  std::vector<float> logits(4, 0.0f);
  const std::vector<int32_t> output = {3, 3};
  apply_penalties(logits, {}, output, p);
  EXPECT_EQ(logits[3], -2.0f);
  const std::vector<int32_t> bad = {1, 9};
  EXPECT_THROW(apply_penalties(logits, {}, bad, p), Error);
  std::vector<float> fresh(4, 0.0f);
  const std::vector<int32_t> once = {1};
  apply_penalties(fresh, {}, once, p);  // no counts left over from either earlier call
  EXPECT_EQ(fresh, (std::vector<float>{0.0f, -1.0f, 0.0f, 0.0f}));
}

TEST(Penalties, DisabledChangesNothing) {
  std::vector<float> logits = {1.0f, 2.0f};
  const std::vector<int32_t> ids = {0, 1, 1};
  EXPECT_TRUE(apply_penalties(logits, ids, ids, SamplingParams{}).empty());
  EXPECT_EQ(logits, (std::vector<float>{1.0f, 2.0f}));
}

TEST(Penalties, ChangeTheGreedyChoice) {
  SamplingParams p;
  p.temperature = 0.0f;
  p.repetition_penalty = 1.5f;
  std::vector<float> logits = {3.0f, 2.5f};
  const std::vector<int32_t> prompt = {0};
  // 3 / 1.5 = 2 < 2.5: token 1 wins once token 0 is penalised.
  EXPECT_EQ(sample({logits, prompt, {}, &p}).token_id, 1);
}

}  // namespace
}  // namespace llmc
