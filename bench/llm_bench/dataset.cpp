#include "bench/llm_bench/dataset.h"

#include "common/check.h"

namespace llmc::bench {

std::vector<int32_t> ordinary_token_ids(const Tokenizer& tokenizer) {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.contains_id(id) && !tokenizer.is_special(id)) ids.push_back(id);
  }
  LLMC_CHECK(!ids.empty()) << "the tokenizer has no ordinary (non-special) tokens to build prompts from";
  return ids;
}

int64_t num_special_tokens_added(const Tokenizer& tokenizer) {
  return static_cast<int64_t>(tokenizer.encode("", /*add_special_tokens=*/true).size());
}

std::string exact_length_text(const Tokenizer& tokenizer, std::vector<int32_t> ids, size_t target,
                              const std::vector<int32_t>& ordinary, std::mt19937_64& rng) {
  std::uniform_int_distribution<size_t> pick(0, ordinary.size() - 1);
  // Decoding and re-encoding can merge or split tokens at their joins ("calls" + "here" -> "call" "sh"
  // "ere"), so the count is fixed up on the re-encoded ids; a few rounds always sufficed on the tokenizers we
  // test.
  constexpr int kMaxRounds = 64;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (ids.size() > target) ids.resize(target);
    while (ids.size() < target) ids.push_back(ordinary[pick(rng)]);
    std::string text = tokenizer.decode(ids, /*skip_special_tokens=*/false);
    std::vector<int32_t> again = tokenizer.encode(text, /*add_special_tokens=*/false);
    if (again.size() == target) return text;
    // Past half the rounds, replace the tail too: some joins never settle.
    if (round > kMaxRounds / 2 && again.size() > 1) again.resize(again.size() / 2);
    ids = std::move(again);
  }
  LLMC_FAIL() << "could not make a prompt of exactly " << target << " tokens with this tokenizer";
}

}  // namespace llmc::bench
