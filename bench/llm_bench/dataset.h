// Benchmark workloads: what each request sends and how many tokens it asks for.
//  - random: prompts of sampled lengths made of the model's own tokens, token-exact through its tokenizer;
//  - sharegpt: the first human turn of each ShareGPT conversation, asking for as many tokens as the answer
//  had;
//  - prefix: groups of prompts that share a long token-exact prefix (vLLM's prefix_repetition), which prefix
//    caching serves from cache.
// Every generator is deterministic for a given seed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace llmc::bench {

struct SampleRequest {
  std::string prompt;
  int64_t prompt_len = 0;           // tokens the server will see, special tokens included
  int64_t expected_output_len = 0;  // max_tokens
};

struct RandomDatasetOptions {
  int64_t num_prompts = 1000;
  int64_t input_len = 1024;  // total, special tokens (BOS) and prefix included
  int64_t output_len = 128;
  double range_ratio = 0.0;  // lengths uniform in [floor(len*(1-r)), ceil(len*(1+r))]
  int64_t prefix_len = 0;    // one random prefix shared by every prompt, added to input_len
  uint64_t seed = 0;
};
std::vector<SampleRequest> random_dataset(const Tokenizer& tokenizer, const RandomDatasetOptions& options);

struct ShareGptOptions {
  std::filesystem::path path;
  int64_t num_prompts = 1000;
  int64_t output_len = -1;  // -1: the length of the conversation's answer
  uint64_t seed = 0;
};
std::vector<SampleRequest> sharegpt_dataset(const Tokenizer& tokenizer, const ShareGptOptions& options);

struct PrefixDatasetOptions {
  int64_t num_prompts = 1000;
  int64_t prefix_len = 256;  // shared by the prompts of one group
  int64_t suffix_len = 256;  // different in every prompt
  int64_t num_prefixes = 10;
  int64_t output_len = 128;
  uint64_t seed = 0;
};
std::vector<SampleRequest> prefix_dataset(const Tokenizer& tokenizer, const PrefixDatasetOptions& options);

// ---- shared by the generators ----

// Ids a random prompt may use: known, not special.
std::vector<int32_t> ordinary_token_ids(const Tokenizer& tokenizer);
// How many tokens encode(text, add_special_tokens=true) adds around any text (BOS for Llama).
int64_t num_special_tokens_added(const Tokenizer& tokenizer);
// A text that encodes (without special tokens) to exactly `target` ids, starting from `ids`: decode,
// re-encode, cut or pad with random ordinary ids, until the count holds. Throws when it cannot converge.
std::string exact_length_text(const Tokenizer& tokenizer, std::vector<int32_t> ids, size_t target,
                              const std::vector<int32_t>& ordinary, std::mt19937_64& rng);

}  // namespace llmc::bench
