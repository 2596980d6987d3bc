// vLLM's RandomDataset, token-exact: per request an input length and an output length drawn uniformly from
// [floor(len*(1-r)), ceil(len*(1+r))], the prompt a run of consecutive ordinary ids from a random offset
// (after the shared prefix), then fixed up so the server's tokenizer sees exactly that many tokens.
#include <algorithm>
#include <cmath>

#include "bench/llm_bench/dataset.h"
#include "common/check.h"

namespace llmc::bench {

std::vector<SampleRequest> random_dataset(const Tokenizer& tokenizer, const RandomDatasetOptions& o) {
  LLMC_CHECK(o.num_prompts > 0) << "--num-prompts must be positive, got " << o.num_prompts;
  LLMC_CHECK(o.range_ratio >= 0.0 && o.range_ratio < 1.0)
      << "--random-range-ratio must be in [0, 1), got " << o.range_ratio;
  LLMC_CHECK(o.prefix_len >= 0) << "--random-prefix-len must not be negative, got " << o.prefix_len;
  const int64_t special = num_special_tokens_added(tokenizer);
  const int64_t real_input = std::max<int64_t>(0, o.input_len - special);
  const auto in_lo = static_cast<int64_t>(std::floor(static_cast<double>(real_input) * (1 - o.range_ratio)));
  const auto in_hi = static_cast<int64_t>(std::ceil(static_cast<double>(real_input) * (1 + o.range_ratio)));
  const auto out_lo = std::max<int64_t>(
      1, static_cast<int64_t>(std::floor(static_cast<double>(o.output_len) * (1 - o.range_ratio))));
  const auto out_hi = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(static_cast<double>(o.output_len) * (1 + o.range_ratio))));
  LLMC_CHECK(o.prefix_len + in_lo >= 1)
      << "--random-input-len " << o.input_len << " leaves no prompt token after the tokenizer's " << special
      << " special token(s); raise it or --random-prefix-len";

  std::mt19937_64 rng(o.seed);
  const std::vector<int32_t> ordinary = ordinary_token_ids(tokenizer);
  std::uniform_int_distribution<int64_t> in_len(in_lo, in_hi), out_len(out_lo, out_hi);
  std::uniform_int_distribution<size_t> pick(0, ordinary.size() - 1);

  std::vector<int32_t> prefix;
  std::string prefix_text;
  if (o.prefix_len > 0) {
    for (int64_t i = 0; i < o.prefix_len; ++i) prefix.push_back(ordinary[pick(rng)]);
    prefix_text = exact_length_text(tokenizer, prefix, static_cast<size_t>(o.prefix_len), ordinary, rng);
    prefix = tokenizer.encode(prefix_text, false);
  }
  std::vector<SampleRequest> requests;
  for (int64_t i = 0; i < o.num_prompts; ++i) {
    const int64_t n = in_len(rng);
    SampleRequest r;
    // Retried from another offset when the join re-tokenizes into the prefix: every prompt must really
    // start with the same prefix_len tokens.
    constexpr int kMaxTries = 100;
    for (int t = 0; t < kMaxTries && r.prompt.empty(); ++t) {
      const size_t offset = pick(rng);
      std::vector<int32_t> ids = prefix;
      for (int64_t j = 0; j < n; ++j)
        ids.push_back(ordinary[(offset + static_cast<size_t>(i + j)) % ordinary.size()]);
      std::string text =
          exact_length_text(tokenizer, std::move(ids), static_cast<size_t>(o.prefix_len + n), ordinary, rng);
      if (!prefix.empty()) {
        const std::vector<int32_t> seen = tokenizer.encode(text, false);
        if (!std::equal(prefix.begin(), prefix.end(), seen.begin())) continue;
      }
      r.prompt = std::move(text);
    }
    LLMC_CHECK(!r.prompt.empty()) << "could not build a prompt that keeps the " << o.prefix_len
                                  << "-token prefix";
    r.prompt_len = o.prefix_len + n + special;
    r.expected_output_len = out_len(rng);
    requests.push_back(std::move(r));
  }
  return requests;
}

}  // namespace llmc::bench
