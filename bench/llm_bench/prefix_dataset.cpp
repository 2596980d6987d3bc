// vLLM's prefix_repetition workload: num_prefixes random prefixes of prefix_len tokens, each followed by
// different random suffixes of suffix_len tokens, shuffled. A prompt is kept only when the server's tokenizer
// sees exactly prefix + suffix tokens and its first prefix_len tokens are the group's prefix, so the prompts
// of one group really share their first prefix_len tokens (what prefix caching can reuse).
#include <algorithm>

#include "bench/llm_bench/dataset.h"
#include "common/check.h"

namespace llmc::bench {

std::vector<SampleRequest> prefix_dataset(const Tokenizer& tokenizer, const PrefixDatasetOptions& o) {
  LLMC_CHECK(o.num_prompts > 0) << "--num-prompts must be positive, got " << o.num_prompts;
  LLMC_CHECK(o.num_prefixes > 0) << "--prefix-repetition-num-prefixes must be positive, got "
                                 << o.num_prefixes;
  LLMC_CHECK(o.prefix_len > 0 && o.suffix_len > 0)
      << "--prefix-repetition-prefix-len and --prefix-repetition-suffix-len must be positive";
  LLMC_CHECK(o.output_len > 0) << "--prefix-repetition-output-len must be positive, got " << o.output_len;
  const int64_t special = num_special_tokens_added(tokenizer);
  const size_t prefix_len = static_cast<size_t>(o.prefix_len);
  const size_t total = prefix_len + static_cast<size_t>(o.suffix_len);
  std::mt19937_64 rng(o.seed);
  const std::vector<int32_t> ordinary = ordinary_token_ids(tokenizer);
  std::uniform_int_distribution<size_t> pick(0, ordinary.size() - 1);
  auto random_ids = [&](size_t n) {
    std::vector<int32_t> ids(n);
    for (int32_t& id : ids) id = ordinary[pick(rng)];
    return ids;
  };

  std::vector<SampleRequest> requests;
  for (int64_t g = 0; g < o.num_prefixes; ++g) {
    const std::string prefix_text =
        exact_length_text(tokenizer, random_ids(prefix_len), prefix_len, ordinary, rng);
    const std::vector<int32_t> prefix = tokenizer.encode(prefix_text, false);
    // Prompts spread over the groups as evenly as num_prompts allows (vLLM drops the remainder instead).
    const int64_t members = o.num_prompts / o.num_prefixes + (g < o.num_prompts % o.num_prefixes ? 1 : 0);
    for (int64_t m = 0; m < members; ++m) {
      constexpr int kMaxTries = 100;
      bool made = false;
      for (int t = 0; t < kMaxTries && !made; ++t) {
        std::vector<int32_t> ids = prefix;
        const std::vector<int32_t> suffix = random_ids(static_cast<size_t>(o.suffix_len));
        ids.insert(ids.end(), suffix.begin(), suffix.end());
        std::string text = exact_length_text(tokenizer, ids, total, ordinary, rng);
        const std::vector<int32_t> seen = tokenizer.encode(text, false);
        if (!std::equal(prefix.begin(), prefix.end(), seen.begin())) continue;  // the join moved a boundary
        requests.push_back({std::move(text), static_cast<int64_t>(total) + special, o.output_len});
        made = true;
      }
      LLMC_CHECK(made) << "could not build a prompt that keeps its group's " << prefix_len << "-token prefix";
    }
  }
  std::shuffle(requests.begin(), requests.end(), rng);
  return requests;
}

}  // namespace llmc::bench
