#include "runtime/head/http/text_stream_adapter.h"

#include "common/check.h"
#include "engine/tokenizer/incremental_detokenizer.h"

namespace llmc {
namespace {

class DetokenizerStream final : public TextStream {
 public:
  DetokenizerStream(std::shared_ptr<const Tokenizer> tokenizer, std::span<const int32_t> prompt_ids,
                    bool skip_special_tokens)
      : tokenizer_(std::move(tokenizer)), detokenizer_(*tokenizer_, prompt_ids, skip_special_tokens) {}
  std::string push(int32_t token_id) override { return detokenizer_.push(token_id); }
  std::string flush() override { return detokenizer_.flush(); }

 private:
  std::shared_ptr<const Tokenizer> tokenizer_;  // declared first: the detokenizer holds a reference to it
  IncrementalDetokenizer detokenizer_;
};

}  // namespace

TextStreamFactory make_text_stream_factory(std::shared_ptr<const Tokenizer> tokenizer) {
  LLMC_CHECK(tokenizer != nullptr) << "make_text_stream_factory: no tokenizer";
  return [tokenizer = std::move(tokenizer)](std::span<const int32_t> prompt_ids,
                                            bool skip_special_tokens) -> std::unique_ptr<TextStream> {
    return std::make_unique<DetokenizerStream>(tokenizer, prompt_ids, skip_special_tokens);
  };
}

}  // namespace llmc
