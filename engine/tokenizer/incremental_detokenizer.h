// Streaming detokenization for one request: push() each generated id, get back the text it completes.
//
// The way vLLM does it: keep a short window of ids ending at the newest one, decode it, and emit what the
// decode adds beyond the text already emitted from the same window. Decoding a window (rather than single
// tokens) keeps decoders that treat the first token specially (SentencePiece's leading-space strip) from
// changing text mid-stream; the window starts in the prompt's last few tokens. Text is held back while it ends
// in U+FFFD (a character still incomplete) or in a byte-fallback token (its run may still grow).
//
// Guarantees: every returned piece is well-formed UTF-8; with an empty prompt, the concatenation of all
// pieces (push... then flush) equals tokenizer.decode(all ids, skip_special_tokens, no cleanup). With a prompt
// it equals what decode(prompt + output) adds after decode(prompt) (so "▁Hello" after a prompt streams as
// " Hello"). Not thread-safe: one per request. The Tokenizer must outlive it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace llmc {

class Tokenizer;

class IncrementalDetokenizer {
 public:
  IncrementalDetokenizer(const Tokenizer& tokenizer, std::span<const int32_t> prompt_ids, bool skip_special_tokens);

  // Newly completed text (possibly empty).
  std::string push(int32_t token_id);
  // Everything still held back, at the end of the stream (an incomplete character comes out as U+FFFD).
  std::string flush();

 private:
  // The text that decoding the window from prefix_offset_ adds beyond prefix_text_; advances the window.
  std::string emit(const std::string& text);
  std::string decode_from(size_t begin, size_t end) const;

  const Tokenizer& tokenizer_;
  bool skip_special_tokens_;
  std::vector<int32_t> ids_;  // the window: [0, prefix_offset_) is dropped context
  size_t prefix_offset_ = 0;  // window start: tokens decoded for context only
  size_t read_offset_ = 0;    // end of what has been emitted
  std::string prefix_text_;   // decode of [prefix_offset_, read_offset_)
  bool in_byte_run_ = false;  // the last decoded token is a byte-fallback token
};

}  // namespace llmc
