#include "engine/tokenizer/bpe_model.h"

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

using nlohmann::json;

// Longer words are rare (base64 blobs, long digit-free runs) and would crowd out the useful entries.
constexpr size_t kMaxCachedWordBytes = 128;
constexpr size_t kCacheWords = 1 << 16;

struct Candidate {
  uint32_t rank;
  int32_t pos;
  int32_t new_id;
};

// std::push_heap builds a max-heap; this order puts the lowest rank, then the leftmost position, on top.
bool lower_priority(const Candidate& a, const Candidate& b) {
  return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
}

std::optional<std::string> non_empty(std::optional<std::string> s) {
  return s && !s->empty() ? s : std::nullopt;
}

}  // namespace

BpeModel::BpeModel(const json& spec, std::string_view where) : cache_(kCacheWords) {
  const json* dropout = json_fields::optional(spec, "dropout");
  if (dropout && dropout->is_number() && dropout->get<double>() > 0.0) {
    spdlog::warn("{}: BPE dropout {} ignored: inference encodes deterministically", where, dropout->get<double>());
  }
  prefix_ = non_empty(json_fields::optional_string(spec, "continuing_subword_prefix", where));
  suffix_ = non_empty(json_fields::optional_string(spec, "end_of_word_suffix", where));
  fuse_unk_ = json_fields::bool_field(spec, "fuse_unk", false, where);
  byte_fallback_ = json_fields::bool_field(spec, "byte_fallback", false, where);
  ignore_merges_ = json_fields::bool_field(spec, "ignore_merges", false, where);
  load_vocab(json_fields::required(spec, "vocab", where), where);
  load_merges(json_fields::array_field(spec, "merges", where), where);
  find_safe_boundary();
  if (auto unk = json_fields::optional_string(spec, "unk_token", where)) {
    unk_id_ = token_to_id(*unk);
    LLMC_CHECK(unk_id_.has_value()) << where << ": unk_token '" << *unk << "' is not in the vocabulary";
  }
}

void BpeModel::load_vocab(const json& vocab, std::string_view where) {
  LLMC_CHECK(vocab.is_object()) << where << ": 'vocab' must be an object of token -> id, got " << vocab.type_name();
  vocab_.reserve(vocab.size());
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    LLMC_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < (int64_t{1} << 30))
        << where << ": vocab entry '" << token << "' must map to a non-negative id, got " << id.dump();
    max_id = std::max(max_id, id.get<int64_t>());
    vocab_.emplace(token, static_cast<int32_t>(id.get<int64_t>()));
  }
  tokens_.assign(static_cast<size_t>(max_id + 1), std::string());
  has_token_.assign(tokens_.size(), false);
  for (const auto& [token, id] : vocab_) {
    LLMC_CHECK(!has_token_[id]) << where << ": id " << id << " is given to two vocab entries ('" << tokens_[id]
                                << "' and '" << token << "')";
    tokens_[id] = token;
    has_token_[id] = true;
  }
  bmp_char_ids_.assign(0x10000, -1);
  for (const auto& [token, id] : vocab_) {
    size_t i = 0;
    if (token.empty()) continue;
    const char32_t cp = utf8::next_code_point(token, i);
    if (i == token.size() && cp < 0x10000) bmp_char_ids_[cp] = id;
  }
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    const auto it = vocab_.find(std::string_view(name));
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
}

void BpeModel::load_merges(const json& merges, std::string_view where) {
  merges_ = PairRankMap(merges.size());
  const size_t prefix_len = prefix_ ? prefix_->size() : 0;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& m = merges[rank];
    std::string left, right;
    if (m.is_string()) {
      const auto& s = m.get_ref<const std::string&>();
      const size_t space = s.find(' ');
      LLMC_CHECK(space != std::string::npos)
          << where << ": merges[" << rank << "] must be \"left right\", got \"" << s << "\"";
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else {
      LLMC_CHECK(m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
          << where << ": merges[" << rank << "] must be \"left right\" or [left, right], got " << m.dump();
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    }
    const auto l = token_to_id(left);
    const auto r = token_to_id(right);
    LLMC_CHECK(l && r) << where << ": merges[" << rank << "] uses '" << (l ? right : left)
                       << "', which is not in the vocabulary";
    LLMC_CHECK(right.size() >= prefix_len) << where << ": merges[" << rank << "] right part '" << right
                                           << "' is shorter than continuing_subword_prefix";
    const std::string merged = left + right.substr(prefix_len);
    const auto id = token_to_id(merged);
    LLMC_CHECK(id.has_value()) << where << ": merges[" << rank << "] produces '" << merged
                               << "', which is not in the vocabulary";
    merges_.insert(*l, *r, MergeRule{static_cast<uint32_t>(rank), *id});
  }
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? std::nullopt : std::optional<int32_t>(it->second);
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  return id >= 0 && id < id_bound() && has_token_[id] ? &tokens_[id] : nullptr;
}

int32_t BpeModel::char_id(std::string_view word, size_t begin, size_t end, char32_t cp) const {
  if (!prefix_ && !suffix_) {
    if (cp < 0x10000) return bmp_char_ids_[cp];
    const auto id = token_to_id(word.substr(begin, end - begin));
    return id ? *id : -1;
  }
  std::string key;
  if (prefix_ && begin != 0) key = *prefix_;
  key.append(word.substr(begin, end - begin));
  if (suffix_ && end == word.size()) key.append(*suffix_);
  const auto id = token_to_id(key);
  return id ? *id : -1;
}

void BpeModel::initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const {
  symbols.clear();
  bool pending_unk = false;
  size_t i = 0;
  while (i < word.size()) {
    const size_t begin = i;
    const char32_t cp = utf8::next_code_point(word, i);
    const int32_t id = char_id(word, begin, i, cp);
    if (id >= 0) {
      if (pending_unk) symbols.push_back(*unk_id_);
      pending_unk = false;
      symbols.push_back(id);
      continue;
    }
    if (byte_fallback_ && std::all_of(word.begin() + begin, word.begin() + i,
                                      [&](char b) { return byte_ids_[static_cast<unsigned char>(b)] >= 0; })) {
      // tokenizers leaves a pending unk pending across byte-fallback characters; so do we.
      for (size_t k = begin; k < i; ++k) symbols.push_back(byte_ids_[static_cast<unsigned char>(word[k])]);
      continue;
    }
    if (!unk_id_) continue;  // tokenizers drops a character it can neither find nor map to unk
    if (pending_unk && !fuse_unk_) symbols.push_back(*unk_id_);
    pending_unk = true;
  }
  if (pending_unk) symbols.push_back(*unk_id_);
}

void BpeModel::merge(std::vector<int32_t>& ids, std::vector<int32_t>& out) const {
  const auto n = static_cast<int32_t>(ids.size());
  thread_local std::vector<int32_t> prev, next;
  thread_local std::vector<Candidate> heap;
  prev.resize(n);
  next.resize(n);
  heap.clear();
  for (int32_t i = 0; i < n; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < n ? i + 1 : -1;
    if (i + 1 < n) {
      if (const MergeRule* rule = merges_.find(ids[i], ids[i + 1])) heap.push_back({rule->rank, i, rule->new_id});
    }
  }
  std::make_heap(heap.begin(), heap.end(), lower_priority);
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), lower_priority);
    const Candidate top = heap.back();
    heap.pop_back();
    const int32_t pos = top.pos;
    const int32_t right = next[pos];
    if (ids[pos] < 0 || right < 0) continue;  // merged away, or now the last symbol
    const MergeRule* rule = merges_.find(ids[pos], ids[right]);
    if (!rule || rule->new_id != top.new_id) continue;  // stale: a neighbour changed since it was queued
    ids[pos] = top.new_id;
    ids[right] = -1;
    next[pos] = next[right];
    if (next[right] >= 0) prev[next[right]] = pos;
    if (prev[pos] >= 0) {
      if (const MergeRule* r = merges_.find(ids[prev[pos]], ids[pos])) {
        heap.push_back({r->rank, prev[pos], r->new_id});
        std::push_heap(heap.begin(), heap.end(), lower_priority);
      }
    }
    if (next[pos] >= 0) {
      if (const MergeRule* r = merges_.find(ids[pos], ids[next[pos]])) {
        heap.push_back({r->rank, pos, r->new_id});
        std::push_heap(heap.begin(), heap.end(), lower_priority);
      }
    }
  }
  for (int32_t i = n > 0 ? 0 : -1; i >= 0; i = next[i]) out.push_back(ids[i]);
}

void BpeModel::find_safe_boundary() {
  // Chunks change which character is first or last in a word, which the prefix/suffix options depend on.
  if (prefix_ || suffix_) return;
  for (const char* candidate : {"\xE2\x96\x81", "\xC4\xA0"}) {  // U+2581 (SentencePiece), U+0120 (GPT-2)
    const std::string_view c = candidate;
    if (!vocab_.contains(c)) continue;
    bool safe = true;
    for (const auto& [token, id] : vocab_) {
      for (size_t at = token.find(c, 1); at != std::string::npos && safe; at = token.find(c, at + 1)) {
        safe = std::string_view(token).substr(0, at).ends_with(c);
      }
      if (!safe) break;
    }
    if (safe) {
      boundary_ = c;
      return;
    }
  }
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    if (const auto id = token_to_id(word)) {
      out.push_back(*id);
      return;
    }
  }
  if (boundary_.empty()) return tokenize_chunk(word, out);
  // Cut before every run of the boundary character (see boundary_); ignore_merges does not apply to the
  // chunks, since the whole word is what tokenizers looks up.
  size_t begin = 0;
  size_t at = word.find(boundary_, 1);
  while (at != std::string_view::npos) {
    if (!word.substr(0, at).ends_with(boundary_)) {
      tokenize_chunk(word.substr(begin, at - begin), out);
      begin = at;
    }
    at = word.find(boundary_, at + boundary_.size());
  }
  tokenize_chunk(word.substr(begin), out);
}

void BpeModel::tokenize_chunk(std::string_view word, std::vector<int32_t>& out) const {
  const bool cacheable = word.size() <= kMaxCachedWordBytes;
  if (cacheable && cache_.lookup(word, out)) return;
  thread_local std::vector<int32_t> symbols;
  initial_symbols(word, symbols);
  const size_t start = out.size();
  merge(symbols, out);
  if (cacheable) cache_.insert(word, std::span<const int32_t>(out).subspan(start));
}

}  // namespace llmc
