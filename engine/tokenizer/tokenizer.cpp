#include "engine/tokenizer/tokenizer.h"

#include "common/check.h"
#include "engine/tokenizer/tokenizer_impl.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

// Per-thread working buffers, so encode allocates nothing once warm.
struct EncodeScratch {
  std::vector<Segment> raw_segments;
  std::vector<Segment> normalized_segments;
  std::string normalized;
  PieceList pieces;
  PieceList spare;
};

EncodeScratch& scratch() {
  thread_local EncodeScratch s;
  return s;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

void Tokenizer::Impl::encode_words(std::string_view text, bool at_origin, std::vector<int32_t>& ids) const {
  PieceList& list = scratch().pieces;
  list.text.assign(text);
  list.pieces.assign(1, Piece{0, static_cast<uint32_t>(text.size()), at_origin});
  if (pre_tokenizer) pre_tokenizer->pre_tokenize(list, scratch().spare);
  for (const Piece& p : list.pieces) {
    if (p.end > p.begin) model->tokenize(list.view(p), ids);
  }
}

void Tokenizer::Impl::encode_segment(std::string_view text, bool at_origin, std::vector<int32_t>& ids) const {
  std::string_view normalized = text;
  if (normalizer) {
    std::string& buffer = scratch().normalized;
    buffer.assign(text);
    normalizer->normalize(buffer);
    normalized = buffer;
  }
  if (!added.has_normalized_tokens()) {
    if (!normalized.empty()) encode_words(normalized, at_origin, ids);
    return;
  }
  std::vector<Segment>& segments = scratch().normalized_segments;
  segments.clear();
  added.split(normalized, true, segments);
  for (const Segment& s : segments) {
    if (s.id >= 0) ids.push_back(s.id);
    else encode_words(normalized.substr(s.begin, s.end - s.begin), at_origin && s.begin == 0, ids);
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  const size_t bad = utf8::find_invalid(text);
  LLMC_CHECK(bad == std::string_view::npos)
      << "tokenizer: encode input is not valid UTF-8 (first bad byte at offset " << bad << " of " << text.size() << ")";
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  std::vector<Segment>& segments = scratch().raw_segments;
  segments.clear();
  impl_->added.split(text, false, segments);
  // encode_segment reuses the scratch buffers, but never raw_segments, which this loop walks.
  for (const Segment& s : segments) {
    if (s.id >= 0) ids.push_back(s.id);
    else impl_->encode_segment(text.substr(s.begin, s.end - s.begin), s.begin == 0, ids);
  }
  if (add_special_tokens && impl_->post_processor) impl_->post_processor->process(ids);
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens,
                              std::optional<bool> clean_up_spaces) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    const std::string* token = impl_->token_string(id);
    if (!token || (skip_special_tokens && is_special(id))) continue;
    tokens.push_back(*token);
  }
  std::string text;
  if (impl_->decoder) {
    impl_->decoder->decode_chain(tokens);
    for (const std::string& t : tokens) text += t;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) text.append(i ? " " : "").append(tokens[i]);
  }
  if (!utf8::is_valid(text)) {
    // Only a decoder chain without ByteLevel/ByteFallback can pass raw bytes through; keep the promise anyway.
    std::string repaired;
    utf8::append_lossy(repaired, text);
    text = std::move(repaired);
  }
  if (clean_up_spaces.value_or(impl_->config.clean_up_tokenization_spaces)) text = clean_up_tokenization(text);
  return text;
}

std::optional<std::string> Tokenizer::token_bytes(int32_t id) const {
  const std::string* token = impl_->token_string(id);
  if (!token) return std::nullopt;
  if (!impl_->decoder) return *token;
  // Decoded after a plain anchor, so that decoders treating the first token specially (SentencePiece's
  // leading-space strip) see the token mid-text; the anchor's own text is then cut off.
  const std::string anchor = "a";
  std::vector<std::string> alone{anchor};
  impl_->decoder->decode_chain_raw(alone);
  std::vector<std::string> pair{anchor, *token};
  impl_->decoder->decode_chain_raw(pair);
  std::string prefix;
  for (const std::string& t : alone) prefix += t;
  std::string text;
  for (const std::string& t : pair) text += t;
  LLMC_CHECK(text.starts_with(prefix)) << "tokenizer: cannot isolate the bytes of token " << id
                                       << " (the decoder rewrote the text before it)";
  return text.substr(prefix.size());
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (auto id = impl_->added.token_to_id(token)) return id;
  return impl_->model->token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
  const std::string* token = impl_->token_string(id);
  LLMC_CHECK(token != nullptr) << "tokenizer: id " << id << " is not in the vocabulary (vocab_size "
                               << impl_->vocab_size << ")";
  return *token;
}

int32_t Tokenizer::vocab_size() const { return impl_->vocab_size; }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() && impl_->special[id];
}

bool Tokenizer::contains_id(int32_t id) const { return impl_->token_string(id) != nullptr; }

bool Tokenizer::is_byte_fallback_token(int32_t id) const {
  if (!impl_->decoder || !impl_->decoder->has_byte_fallback()) return false;
  const std::string* token = impl_->token_string(id);
  return token && byte_fallback_value(*token) >= 0;
}

std::optional<std::string> Tokenizer::bos_token() const { return impl_->config.bos_token; }
std::optional<std::string> Tokenizer::eos_token() const { return impl_->config.eos_token; }
std::optional<std::string> Tokenizer::pad_token() const { return impl_->config.pad_token; }
std::optional<std::string> Tokenizer::unk_token() const { return impl_->config.unk_token; }

std::optional<int32_t> Tokenizer::bos_token_id() const {
  return impl_->config.bos_token ? token_to_id(*impl_->config.bos_token) : std::nullopt;
}

std::optional<int32_t> Tokenizer::eos_token_id() const {
  return impl_->config.eos_token ? token_to_id(*impl_->config.eos_token) : std::nullopt;
}

bool Tokenizer::clean_up_tokenization_spaces() const { return impl_->config.clean_up_tokenization_spaces; }
const TokenizerConfig& Tokenizer::config() const { return impl_->config; }

}  // namespace llmc
