#include "engine/grammar/token_vocabulary.h"

#include <algorithm>

#include "common/check.h"
#include "engine/tokenizer/tokenizer.h"

namespace llmc::grammar {

TokenVocabulary::TokenVocabulary(std::vector<std::string> bytes, std::vector<int32_t> eos_ids, int32_t vocab_size)
    : bytes_(std::move(bytes)), eos_ids_(std::move(eos_ids)), vocab_size_(vocab_size) {
  LLMC_CHECK(vocab_size_ > 0 && static_cast<size_t>(vocab_size_) >= bytes_.size())
      << "token vocabulary: " << bytes_.size() << " token strings for a vocabulary of " << vocab_size_;
  std::sort(eos_ids_.begin(), eos_ids_.end());
  eos_ids_.erase(std::unique(eos_ids_.begin(), eos_ids_.end()), eos_ids_.end());
  for (int32_t id : eos_ids_) {
    LLMC_CHECK(id >= 0 && id < vocab_size_) << "token vocabulary: EOS id " << id << " outside [0, " << vocab_size_ << ")";
    if (static_cast<size_t>(id) < bytes_.size()) bytes_[static_cast<size_t>(id)].clear();
  }
}

TokenVocabulary TokenVocabulary::from_tokenizer(const Tokenizer& tokenizer, int32_t vocab_size,
                                                std::vector<int32_t> eos_ids) {
  const int32_t n = tokenizer.vocab_size();
  if (vocab_size <= 0) vocab_size = n;
  LLMC_CHECK(vocab_size >= n) << "token vocabulary: the model has " << vocab_size
                              << " logits but the tokenizer has ids up to " << n - 1;
  if (eos_ids.empty()) {
    const auto eos = tokenizer.eos_token_id();
    LLMC_CHECK(eos.has_value()) << "token vocabulary: no EOS id given and the tokenizer names no eos_token";
    eos_ids.push_back(*eos);
  }
  std::vector<std::string> bytes(static_cast<size_t>(n));
  for (int32_t id = 0; id < n; ++id) {
    if (!tokenizer.contains_id(id) || tokenizer.is_special(id)) continue;
    bytes[static_cast<size_t>(id)] = tokenizer.token_bytes(id).value_or(std::string());
  }
  return TokenVocabulary(std::move(bytes), std::move(eos_ids), vocab_size);
}

bool TokenVocabulary::is_eos(int32_t id) const { return std::binary_search(eos_ids_.begin(), eos_ids_.end(), id); }

}  // namespace llmc::grammar
