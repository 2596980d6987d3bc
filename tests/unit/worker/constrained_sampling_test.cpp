// The sampling rank's constrained decoding, plan by plan: matchers made for new constrained requests, masks
// that follow the accepted tokens, matchers dropped with finished requests, a resumed request (a new-request
// plan holding generated tokens) replayed into a fresh matcher, and the errors for refused tokens, a missing
// tokenizer and a constraint that does not compile. Llama 3's tokenizer from the fixtures.
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/check.h"
#include "engine/tokenizer/tokenizer.h"
#include "runtime/worker/constrained_sampling.h"

namespace llmc {
namespace {

std::filesystem::path tokenizer_dir() {
  if (const char* v = std::getenv("LLMC_TEST_DATA_BUILD")) return std::filesystem::path(v) / "tokenizers" / "llama3";
  return std::filesystem::path(LLMC_WORKER_TEST_DATA_BUILD) / "tokenizers" / "llama3";
}

const Tokenizer& tokenizer() {
  static const auto t = Tokenizer::from_dir(tokenizer_dir());
  return *t;
}

int32_t id_of(const std::string& text) {
  const auto ids = tokenizer().encode(text, false);
  EXPECT_EQ(ids.size(), 1u) << text;
  return ids.at(0);
}

bool allowed(std::span<const uint32_t> mask, int32_t id) { return (mask[static_cast<size_t>(id) >> 5] >> (id & 31)) & 1u; }

constexpr int32_t kEos = 128009;

NewRequestPlan new_request(RequestId id, std::vector<int32_t> tokens, int32_t prompt, ConstraintSpec c) {
  NewRequestPlan n;
  n.id = id;
  n.token_ids = std::move(tokens);
  n.num_prompt_tokens = prompt;
  n.sampling.constraint = std::move(c);
  n.block_ids = {0, 1, 2, 3};
  n.num_scheduled_tokens = static_cast<int32_t>(n.token_ids.size());
  return n;
}

TEST(ConstrainedSampling, FollowsPlansAndTokens) {
  ConstrainedSampling cs(tokenizer_dir(), 128256, {kEos});
  RequestStates states(16);
  const ConstraintSpec choice{ConstraintKind::kChoice, R"(["alpha", "beta"])", false};
  StepPlan p1;
  p1.step_id = 1;
  p1.new_requests.push_back(new_request(1, {10, 11}, 2, choice));
  p1.new_requests.push_back(new_request(2, {10, 12}, 2, ConstraintSpec{}));
  states.apply(p1);
  cs.apply(p1, states);
  EXPECT_EQ(cs.size(), 1u);
  EXPECT_TRUE(cs.mask(2).empty());
  auto m = cs.mask(1);
  ASSERT_EQ(m.size(), (128256u + 31) / 32);
  EXPECT_TRUE(allowed(m, id_of("alpha")));
  EXPECT_TRUE(allowed(m, id_of("beta")));
  EXPECT_TRUE(allowed(m, id_of("al")));
  EXPECT_FALSE(allowed(m, id_of("gamma")));
  EXPECT_FALSE(allowed(m, kEos));
  cs.accept(1, id_of("al"));
  m = cs.mask(1);
  EXPECT_FALSE(allowed(m, id_of("beta")));
  EXPECT_FALSE(allowed(m, kEos));
  EXPECT_THROW(cs.accept(1, id_of("beta")), Error);
  // Finished (or preempted): dropped. Resumed with its generated token: replayed.
  StepPlan p2;
  p2.step_id = 2;
  p2.finished_ids = {1, 2};
  states.apply(p2);
  cs.apply(p2, states);
  EXPECT_EQ(cs.size(), 0u);
  StepPlan p3;
  p3.step_id = 3;
  p3.new_requests.push_back(new_request(1, {10, 11, id_of("al")}, 2, choice));
  states.apply(p3);
  cs.apply(p3, states);
  m = cs.mask(1);
  EXPECT_FALSE(allowed(m, id_of("beta")));
  EXPECT_FALSE(allowed(m, id_of("al")));
  cs.accept(1, id_of("pha"));
  EXPECT_TRUE(allowed(cs.mask(1), kEos));
  cs.accept(1, kEos);
}

TEST(ConstrainedSampling, Errors) {
  RequestStates states(16);
  {
    ConstrainedSampling cs(tokenizer_dir(), 128256, {kEos});
    StepPlan p;
    p.step_id = 1;
    // A resumed request whose generated token the constraint refuses.
    p.new_requests.push_back(new_request(7, {10, id_of("gamma")}, 1, ConstraintSpec{ConstraintKind::kChoice, R"(["alpha"])", false}));
    states.apply(p);
    try {
      cs.apply(p, states);
      ADD_FAILURE() << "replayed a refused token";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("request 7"), std::string::npos) << e.what();
    }
  }
  {
    ConstrainedSampling cs(tokenizer_dir(), 128256, {kEos});
    StepPlan p;
    p.step_id = 2;
    p.new_requests.push_back(new_request(8, {10}, 1, ConstraintSpec{ConstraintKind::kRegex, "(a", false}));
    states.apply(p);
    try {
      cs.apply(p, states);
      ADD_FAILURE() << "compiled a bad regex";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("request 8: regex constraint"), std::string::npos) << e.what();
    }
  }
  {
    ConstrainedSampling cs("/nonexistent", 128256, {kEos});
    StepPlan p;
    p.step_id = 3;
    p.new_requests.push_back(new_request(9, {10}, 1, ConstraintSpec{ConstraintKind::kJsonObject, "", false}));
    states.apply(p);
    try {
      cs.apply(p, states);
      ADD_FAILURE() << "no tokenizer, no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("tokenizer.json"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace llmc
