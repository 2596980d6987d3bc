// The model's vocabulary as a constraint sees it: the bytes each token id adds to the text, the ids that end
// generation (EOS), and the mask width (the model's logit count, which may exceed the tokenizer's ids).
// Special tokens (and holes in the id space) have no bytes and are never allowed by a mask, except the EOS
// ids, which a mask allows exactly when the constraint can end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc {
class Tokenizer;
}

namespace llmc::grammar {

class TokenVocabulary {
 public:
  // `bytes[id]` empty: never allowed. `vocab_size` >= bytes.size(); eos ids < vocab_size.
  TokenVocabulary(std::vector<std::string> bytes, std::vector<int32_t> eos_ids, int32_t vocab_size);
  // From a loaded tokenizer (Tokenizer::token_bytes of every non-special id). `vocab_size` is the model's
  // logit count (0: the tokenizer's); `eos_ids` the ids that stop generation (the generation config's), or
  // empty for the tokenizer's eos_token.
  static TokenVocabulary from_tokenizer(const Tokenizer& tokenizer, int32_t vocab_size, std::vector<int32_t> eos_ids);

  int32_t size() const { return vocab_size_; }
  int32_t mask_words() const { return (vocab_size_ + 31) / 32; }
  const std::string& bytes(int32_t id) const {
    static const std::string kNone;
    return static_cast<size_t>(id) < bytes_.size() ? bytes_[static_cast<size_t>(id)] : kNone;
  }
  int32_t num_ids_with_bytes() const { return static_cast<int32_t>(bytes_.size()); }
  const std::vector<int32_t>& eos_ids() const { return eos_ids_; }
  bool is_eos(int32_t id) const;

 private:
  std::vector<std::string> bytes_;
  std::vector<int32_t> eos_ids_;
  int32_t vocab_size_ = 0;
};

}  // namespace llmc::grammar
