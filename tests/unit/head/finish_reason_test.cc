// Token-level stop checks: EOS list, stop_token_ids, min_tokens, ignore_eos, max_tokens, max_model_len.
#include "runtime/head/finish_reason.h"

#include <gtest/gtest.h>

#include <vector>

namespace llmc {
namespace {

const std::vector<int32_t> kEos{2, 7};

SamplingParams params(int32_t max_tokens, int32_t min_tokens = 0) {
  SamplingParams s;
  s.max_tokens = max_tokens;
  s.min_tokens = min_tokens;
  s.stop_token_ids = {42};
  return s;
}

TEST(FinishReasonTest, Names) {
  EXPECT_STREQ(finish_reason_name(FinishReason::kStop), "stop");
  EXPECT_STREQ(finish_reason_name(FinishReason::kLength), "length");
  EXPECT_STREQ(finish_reason_name(FinishReason::kAbort), "abort");
  EXPECT_STREQ(finish_reason_name(FinishReason::kError), "error");
  EXPECT_STREQ(finish_reason_name(FinishReason::kNone), "");
}

TEST(FinishReasonTest, AnyEosIdStopsWithoutAStopReason) {
  const TokenStop a = check_token_stop(params(10), kEos, 7, 1, 5, 100);
  EXPECT_EQ(a.reason, FinishReason::kStop);
  EXPECT_FALSE(a.stop_token_id.has_value());
  EXPECT_EQ(check_token_stop(params(10), kEos, 2, 3, 7, 100).reason, FinishReason::kStop);
  EXPECT_EQ(check_token_stop(params(10), kEos, 3, 3, 7, 100).reason, FinishReason::kNone);
}

TEST(FinishReasonTest, StopTokenIdsReportTheId) {
  const TokenStop s = check_token_stop(params(10), kEos, 42, 2, 6, 100);
  EXPECT_EQ(s.reason, FinishReason::kStop);
  EXPECT_EQ(s.stop_token_id, 42);
}

TEST(FinishReasonTest, IgnoreEosKeepsStopTokenIds) {
  SamplingParams s = params(10);
  s.ignore_eos = true;
  EXPECT_EQ(check_token_stop(s, kEos, 7, 1, 5, 100).reason, FinishReason::kNone);
  EXPECT_EQ(check_token_stop(s, kEos, 42, 1, 5, 100).reason, FinishReason::kStop);
}

TEST(FinishReasonTest, TheFirstMinTokensNeverStop) {
  const SamplingParams s = params(10, /*min_tokens=*/3);
  EXPECT_EQ(check_token_stop(s, kEos, 7, 1, 5, 100).reason, FinishReason::kNone);
  EXPECT_EQ(check_token_stop(s, kEos, 42, 3, 7, 100).reason, FinishReason::kNone);
  EXPECT_EQ(check_token_stop(s, kEos, 7, 4, 8, 100).reason, FinishReason::kStop);
}

TEST(FinishReasonTest, LengthAtMaxTokensOrMaxModelLenAndStopWinsOverLength) {
  EXPECT_EQ(check_token_stop(params(4), kEos, 9, 3, 7, 100).reason, FinishReason::kNone);
  EXPECT_EQ(check_token_stop(params(4), kEos, 9, 4, 8, 100).reason, FinishReason::kLength);
  EXPECT_EQ(check_token_stop(params(40), kEos, 9, 4, 100, 100).reason, FinishReason::kLength);
  EXPECT_EQ(check_token_stop(params(4), kEos, 7, 4, 8, 100).reason, FinishReason::kStop);
}

}  // namespace
}  // namespace llmc
