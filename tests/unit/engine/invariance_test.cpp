// Paged-cache invariances: how a sequence is split into chunks, how big the blocks are, where its blocks lie
// and what else shares the batch must not change its logits. Each test compares two independent paths.
#include <gtest/gtest.h>

#include "fixture_models.h"

namespace llmc::testing {
namespace {

constexpr float kTolerance = 1e-4f;

std::vector<int32_t> prompt_of(const std::string& model, size_t case_index) {
  return load_reference(model)["cases"][case_index]["prompt_ids"].get<std::vector<int32_t>>();
}

// Logits of the last token after feeding `prompt` in chunks of `chunk` tokens.
std::vector<float> chunked_last_logits(LoadedModel& m, const std::vector<int32_t>& prompt, size_t chunk,
                                       const std::vector<int32_t>& blocks) {
  std::vector<float> last;
  for (size_t start = 0; start < prompt.size(); start += chunk) {
    const size_t end = std::min(prompt.size(), start + chunk);
    std::vector<int32_t> piece(prompt.begin() + start, prompt.begin() + end);
    last = run_chunk(m, piece, static_cast<int64_t>(start), blocks).back();
  }
  return last;
}

class InvarianceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InvarianceTest, PrefillThenDecodeEqualsLongerPrefill) {
  auto m = load_model(GetParam());
  const auto prompt = prompt_of(GetParam(), 2);  // 33 tokens
  const std::vector<int32_t> head(prompt.begin(), prompt.end() - 1);
  const auto blocks_a = contiguous_blocks(0, 8);
  run_chunk(*m, head, 0, blocks_a);
  const auto decoded = run_chunk(*m, {prompt.back()}, static_cast<int64_t>(head.size()), blocks_a).back();
  const auto whole = run_chunk(*m, prompt, 0, contiguous_blocks(8, 8)).back();
  EXPECT_LE(max_abs_diff(decoded, whole), kTolerance);
}

TEST_P(InvarianceTest, ChunkedPrefillEqualsUnchunked) {
  auto m = load_model(GetParam());
  const auto prompt = prompt_of(GetParam(), 4);  // 257 tokens
  const auto whole = run_chunk(*m, prompt, 0, contiguous_blocks(0, 20)).back();
  int64_t first_block = 20;
  for (size_t chunk : {1, 7, 64}) {
    SCOPED_TRACE("chunk " + std::to_string(chunk));
    const auto chunked = chunked_last_logits(*m, prompt, chunk, contiguous_blocks(first_block, 20));
    first_block += 20;
    EXPECT_LE(max_abs_diff(chunked, whole), kTolerance);
  }
}

TEST_P(InvarianceTest, BlockSizeDoesNotChangeResults) {
  const auto prompt = prompt_of(GetParam(), 3);  // 100 tokens
  std::vector<std::vector<float>> results;
  for (int64_t block_size : {8, 16, 32}) {
    auto m = load_model(GetParam(), block_size, 64);
    // Blocks in reverse order, so consecutive positions never sit in consecutive blocks.
    std::vector<int32_t> blocks;
    for (int32_t b = 63; b >= 0; --b) blocks.push_back(b);
    results.push_back(chunked_last_logits(*m, prompt, 13, blocks));
  }
  EXPECT_LE(max_abs_diff(results[0], results[1]), kTolerance);
  EXPECT_LE(max_abs_diff(results[0], results[2]), kTolerance);
}

TEST_P(InvarianceTest, MixedBatchEqualsEachSequenceAlone) {
  auto m = load_model(GetParam());
  const auto ref = load_reference(GetParam());
  // Sequence s: prompt of case s, fed alone first, then all together in one batch (in other blocks).
  std::vector<std::vector<int32_t>> prompts;
  for (size_t c = 0; c < 4; ++c) prompts.push_back(ref["cases"][c]["prompt_ids"].get<std::vector<int32_t>>());
  std::vector<std::vector<float>> alone;
  for (const auto& p : prompts) alone.push_back(run_chunk(*m, p, 0, contiguous_blocks(0, 16)).back());

  ForwardBatchBuilder builder(16);
  std::vector<std::vector<int32_t>> tables;
  for (size_t s = 0; s < prompts.size(); ++s) {
    tables.push_back(contiguous_blocks(16 + 16 * static_cast<int64_t>(s), 16));
    builder.add_sequence(prompts[s].data(), static_cast<int64_t>(prompts[s].size()), 0, tables[s], true);
  }
  StageOutput out = m->model->forward(builder.finish(), Tensor(), *m->cache);
  const std::vector<float> logits = host_logits(*m->backend, out, m->config.vocab_size);
  const size_t V = static_cast<size_t>(m->config.vocab_size);
  ASSERT_EQ(logits.size(), prompts.size() * V);
  for (size_t s = 0; s < prompts.size(); ++s) {
    std::vector<float> row(logits.begin() + s * V, logits.begin() + (s + 1) * V);
    EXPECT_LE(max_abs_diff(row, alone[s]), kTolerance) << "sequence " << s;
  }
}

INSTANTIATE_TEST_SUITE_P(FixtureModels, InvarianceTest, ::testing::Values("llama", "mistral", "qwen2", "qwen3"));

}  // namespace
}  // namespace llmc::testing
