// Incremental detokenization as the head sees it: one TextStream per output sequence.
//
// The head does not depend on a tokenizer: the lead adapts engine/tokenizer's IncrementalDetokenizer to this
// interface (a TextStreamFactory capturing the Tokenizer), and tests use a toy vocabulary.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

namespace llmc {

class TextStream {
 public:
  virtual ~TextStream() = default;
  // Text that became final with this token: valid UTF-8, possibly empty (e.g. half of a multi-byte character).
  virtual std::string push(int32_t token_id) = 0;
  // Whatever is still held back, when the sequence ends.
  virtual std::string flush() = 0;
};

// Makes the stream of one sequence; the prompt lets a real detokenizer start with the right context.
using TextStreamFactory =
    std::function<std::unique_ptr<TextStream>(std::span<const int32_t> prompt_ids, bool skip_special_tokens)>;

}  // namespace llmc
