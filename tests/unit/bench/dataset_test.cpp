// Workloads on the real Llama 3 tokenizer: every prompt has exactly the token count it claims (checked by
// encoding it again, as the server will), lengths stay in their ranges, prefix groups really share their
// prefix, ShareGPT filtering follows vLLM's rules, and a seed gives the same workload twice.
#include "bench/llm_bench/dataset.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "common/check.h"

namespace llmc::bench {
namespace {

namespace fs = std::filesystem;

const Tokenizer& llama3() {
  static const std::unique_ptr<Tokenizer> t = [] {
    return Tokenizer::from_files(fs::path(LLMC_BENCH_TEST_DATA_BUILD) / "tokenizers/llama3/tokenizer.json",
                                 fs::path(LLMC_BENCH_TEST_DATA) / "tokenizers/llama3/tokenizer_config.json");
  }();
  return *t;
}

int64_t server_count(const std::string& prompt) {
  return static_cast<int64_t>(llama3().encode(prompt, /*add_special_tokens=*/true).size());
}

TEST(LlmBenchRandomDataset, TokenExactFixedLengths) {
  ASSERT_EQ(num_special_tokens_added(llama3()), 1);  // BOS
  RandomDatasetOptions o;
  o.num_prompts = 20;
  o.input_len = 99;
  o.output_len = 7;
  o.seed = 3;
  const auto requests = random_dataset(llama3(), o);
  ASSERT_EQ(requests.size(), 20u);
  for (const SampleRequest& r : requests) {
    EXPECT_EQ(r.prompt_len, 99);
    EXPECT_EQ(server_count(r.prompt), 99) << r.prompt;
    EXPECT_EQ(r.expected_output_len, 7);
  }
  EXPECT_NE(requests[0].prompt, requests[1].prompt);
}

TEST(LlmBenchRandomDataset, RangesPrefixAndSeed) {
  RandomDatasetOptions o;
  o.num_prompts = 30;
  o.input_len = 20;
  o.output_len = 10;
  o.range_ratio = 0.5;
  o.prefix_len = 19;
  o.seed = 11;
  const auto a = random_dataset(llama3(), o);
  std::map<int64_t, int> outputs;
  for (const SampleRequest& r : a) {
    // Input: 19 prefix + [floor(19*0.5), ceil(19*1.5)] = [9, 29] + BOS.
    EXPECT_GE(r.prompt_len, 19 + 9 + 1);
    EXPECT_LE(r.prompt_len, 19 + 29 + 1);
    EXPECT_EQ(server_count(r.prompt), r.prompt_len);
    EXPECT_GE(r.expected_output_len, 5);
    EXPECT_LE(r.expected_output_len, 15);
    ++outputs[r.expected_output_len];
    // The shared prefix: the first 19 tokens are the same in every prompt.
    const auto ids = llama3().encode(r.prompt, false), first = llama3().encode(a[0].prompt, false);
    EXPECT_TRUE(std::equal(first.begin(), first.begin() + 19, ids.begin()));
  }
  EXPECT_GT(outputs.size(), 3u);  // lengths really vary
  const auto b = random_dataset(llama3(), o);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].prompt, b[i].prompt);
  o.seed = 12;
  EXPECT_NE(random_dataset(llama3(), o)[0].prompt, a[0].prompt);
}

TEST(LlmBenchRandomDataset, RefusesImpossibleLengths) {
  RandomDatasetOptions o;
  o.input_len = 1;  // only the BOS would fit
  EXPECT_THROW(random_dataset(llama3(), o), Error);
  o.input_len = 10;
  o.range_ratio = 1.0;
  EXPECT_THROW(random_dataset(llama3(), o), Error);
}

TEST(LlmBenchPrefixDataset, GroupsShareTheirPrefix) {
  PrefixDatasetOptions o;
  o.num_prompts = 10;
  o.prefix_len = 48;
  o.suffix_len = 16;
  o.num_prefixes = 3;
  o.output_len = 5;
  const auto requests = prefix_dataset(llama3(), o);
  ASSERT_EQ(requests.size(), 10u);
  std::map<std::vector<int32_t>, int> groups;
  for (const SampleRequest& r : requests) {
    EXPECT_EQ(r.prompt_len, 48 + 16 + 1);
    EXPECT_EQ(server_count(r.prompt), r.prompt_len);
    EXPECT_EQ(r.expected_output_len, 5);
    const auto ids = llama3().encode(r.prompt, false);
    ++groups[std::vector<int32_t>(ids.begin(), ids.begin() + 48)];
  }
  ASSERT_EQ(groups.size(), 3u);  // 10 prompts over 3 prefixes: 4, 3, 3
  std::vector<int> sizes;
  for (const auto& [prefix, n] : groups) sizes.push_back(n);
  std::sort(sizes.begin(), sizes.end());
  EXPECT_EQ(sizes, (std::vector<int>{3, 3, 4}));
}

TEST(LlmBenchShareGptDataset, FiltersAsVllmAndOversamples) {
  ShareGptOptions o;
  o.path = fs::path(__FILE__).parent_path() / "data/sharegpt_small.json";
  o.num_prompts = 5;
  o.seed = 0;
  const auto requests = sharegpt_dataset(llama3(), o);
  ASSERT_EQ(requests.size(), 5u);  // two conversations qualify; repeated to fill 5
  for (const SampleRequest& r : requests) {
    EXPECT_TRUE(r.prompt.rfind("Explain", 0) == 0 || r.prompt.rfind("Write a haiku", 0) == 0) << r.prompt;
    EXPECT_EQ(r.prompt_len, server_count(r.prompt));
    EXPECT_GE(r.expected_output_len, 4);
  }
  o.output_len = 3;  // a fixed output length skips the answer-length check: "short-answer" now qualifies
  const auto fixed = sharegpt_dataset(llama3(), o);
  bool short_answer = false;
  for (const SampleRequest& r : fixed) {
    EXPECT_EQ(r.expected_output_len, 3);
    short_answer = short_answer || r.prompt.rfind("Please answer", 0) == 0;
  }
  EXPECT_TRUE(short_answer);
}

TEST(LlmBenchShareGptDataset, BadFilesSayWhy) {
  ShareGptOptions o;
  o.path = "/nonexistent/sharegpt.json";
  EXPECT_THROW(sharegpt_dataset(llama3(), o), Error);
}

}  // namespace
}  // namespace llmc::bench
