#include "engine/tokenizer/incremental_detokenizer.h"

#include <algorithm>

#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

// vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET: enough prompt context for any leading-space rule.
constexpr size_t kPromptContext = 5;

}  // namespace

IncrementalDetokenizer::IncrementalDetokenizer(const Tokenizer& tokenizer, std::span<const int32_t> prompt_ids,
                                               bool skip_special_tokens)
    : tokenizer_(tokenizer), skip_special_tokens_(skip_special_tokens) {
  const size_t context = std::min(prompt_ids.size(), kPromptContext);
  ids_.assign(prompt_ids.end() - static_cast<std::ptrdiff_t>(context), prompt_ids.end());
  read_offset_ = ids_.size();
  prefix_text_ = decode_from(0, read_offset_);
}

std::string IncrementalDetokenizer::decode_from(size_t begin, size_t end) const {
  return tokenizer_.decode(std::span<const int32_t>(ids_).subspan(begin, end - begin), skip_special_tokens_,
                           /*clean_up_spaces=*/false);
}

std::string IncrementalDetokenizer::push(int32_t token_id) {
  ids_.push_back(token_id);
  // A token decode() skips (special with skip_special_tokens, or unknown) adds no text, and must not end a
  // byte-fallback run: the decoder joins the bytes on both sides of it.
  if ((skip_special_tokens_ && tokenizer_.is_special(token_id)) || !tokenizer_.contains_id(token_id)) return {};
  in_byte_run_ = tokenizer_.is_byte_fallback_token(token_id);
  if (in_byte_run_) return {};
  const std::string text = decode_from(prefix_offset_, ids_.size());
  if (text.size() <= prefix_text_.size() || utf8::ends_with_replacement(text)) return {};
  return emit(text);
}

std::string IncrementalDetokenizer::flush() {
  if (read_offset_ == ids_.size()) return {};
  const std::string text = decode_from(prefix_offset_, ids_.size());
  if (text.size() <= prefix_text_.size()) {
    read_offset_ = ids_.size();
    return {};
  }
  return emit(text);
}

std::string IncrementalDetokenizer::emit(const std::string& text) {
  size_t cut = prefix_text_.size();
  if (text.compare(0, cut, prefix_text_) != 0) {
    // The window's text changed under the part already emitted (a decoder whose output is not a prefix-stable
    // function of the ids). Emitted text cannot be taken back; continue at a character boundary.
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  }
  std::string piece = text.substr(cut);
  prefix_offset_ = read_offset_;
  read_offset_ = ids_.size();
  // Drop the context the window no longer needs.
  ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefix_offset_));
  read_offset_ -= prefix_offset_;
  prefix_offset_ = 0;
  prefix_text_ = decode_from(prefix_offset_, read_offset_);
  return piece;
}

}  // namespace llmc
