// The engine against what transformers computed for each fixture checkpoint (tests/data/models/*/reference.json)
// and each trained model (data/brown-llama/reference.json): last-position and all-position logits within 1e-4,
// greedy tokens identical.
#include <gtest/gtest.h>

#include "fixture_models.h"

namespace llmc::testing {
namespace {

constexpr float kLogitTolerance = 1e-4f;

class ReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceTest, PrefillLogitsMatchTransformers) {
  auto m = load_model(GetParam());
  const auto ref = load_reference(GetParam());
  for (const auto& c : ref["cases"]) {
    const auto prompt = c["prompt_ids"].get<std::vector<int32_t>>();
    SCOPED_TRACE("prompt of " + std::to_string(prompt.size()) + " tokens");
    const bool all = c.contains("all_logits");
    auto rows = run_chunk(*m, prompt, 0, contiguous_blocks(0, 64), all);
    const auto& last = rows.back();
    if (c.contains("last_logits")) {
      EXPECT_LE(max_abs_diff(last, c["last_logits"].get<std::vector<float>>()), kLogitTolerance);
    } else {
      const auto ids = c["last_top64_ids"].get<std::vector<int32_t>>();
      const auto vals = c["last_top64_logits"].get<std::vector<float>>();
      for (size_t i = 0; i < ids.size(); ++i) EXPECT_NEAR(last[ids[i]], vals[i], kLogitTolerance) << "token " << ids[i];
      // Nothing outside the reference's top 64 may beat its 64th logit by more than the tolerance.
      const float floor = vals.back();
      std::vector<bool> in_top(last.size(), false);
      for (int32_t id : ids) in_top[id] = true;
      for (size_t t = 0; t < last.size(); ++t) {
        if (!in_top[t]) {
          EXPECT_LE(last[t], floor + kLogitTolerance) << "token " << t;
        }
      }
    }
    if (all) {
      const auto& expected = c["all_logits"];
      ASSERT_EQ(expected.size(), rows.size());
      for (size_t p = 0; p < rows.size(); ++p) {
        EXPECT_LE(max_abs_diff(rows[p], expected[p].get<std::vector<float>>()), kLogitTolerance) << "position " << p;
      }
    }
  }
}

TEST_P(ReferenceTest, GreedyTokensMatchTransformers) {
  auto m = load_model(GetParam());
  const auto ref = load_reference(GetParam());
  for (const auto& c : ref["cases"]) {
    const auto prompt = c["prompt_ids"].get<std::vector<int32_t>>();
    const auto expected = c["greedy_ids"].get<std::vector<int32_t>>();
    SCOPED_TRACE("prompt of " + std::to_string(prompt.size()) + " tokens");
    const auto blocks = contiguous_blocks(0, 64);
    std::vector<int32_t> generated;
    int32_t next = argmax(run_chunk(*m, prompt, 0, blocks).back());
    int64_t pos = static_cast<int64_t>(prompt.size());
    while (generated.size() < expected.size()) {
      generated.push_back(next);
      next = argmax(run_chunk(*m, {next}, pos++, blocks).back());
    }
    EXPECT_EQ(generated, expected);
  }
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& ch : n) if (ch == '-') ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(FixtureModels, ReferenceTest, ::testing::ValuesIn(fixture_model_names()), param_name);
INSTANTIATE_TEST_SUITE_P(TrainedModels, ReferenceTest, ::testing::ValuesIn(trained_model_names()), param_name);

}  // namespace
}  // namespace llmc::testing
