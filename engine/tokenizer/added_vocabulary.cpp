#include "engine/tokenizer/added_vocabulary.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/unicode_props.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

bool is_word_char(char32_t c) { return c == '_' || unicode::is_alphanumeric(c); }

bool ends_with_word(std::string_view s) {
  if (s.empty()) return false;
  size_t start = s.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  return is_word_char(utf8::next_code_point(s, start));
}

bool starts_with_word(std::string_view s) {
  size_t i = 0;
  return !s.empty() && is_word_char(utf8::next_code_point(s, i));
}

// Start of the whitespace run that ends s (s.size() when there is none).
size_t trailing_space_start(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t probe = start;
    if (!unicode::is_whitespace(utf8::next_code_point(s, probe))) break;
    end = start;
  }
  return end;
}

// Length of the whitespace run that starts s.
size_t leading_space_length(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t next = i;
    if (!unicode::is_whitespace(utf8::next_code_point(s, next))) break;
    i = next;
  }
  return i;
}

}  // namespace

void AddedVocabulary::Matcher::add(std::string_view pattern, int32_t token) {
  if (pattern.empty()) return;
  int32_t node = 0;
  for (const char ch : pattern) {
    const auto b = static_cast<unsigned char>(ch);
    auto& children = nodes[node].children;
    auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(b, int32_t{-1}));
    if (it == children.end() || it->first != b) {
      const auto child = static_cast<int32_t>(nodes.size());
      it = children.insert(it, {b, child});
      nodes.emplace_back();  // invalidates `children`; `node` indexes stay valid
      node = child;
    } else {
      node = it->second;
    }
  }
  nodes[node].token = token;
  first_byte[static_cast<unsigned char>(pattern[0])] = true;
  patterns.emplace_back(pattern);
}

std::pair<int32_t, size_t> AddedVocabulary::Matcher::longest_at(std::string_view text, size_t pos) const {
  std::pair<int32_t, size_t> best{-1, 0};
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    const auto& children = nodes[node].children;
    const auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(b, int32_t{-1}));
    if (it == children.end() || it->first != b) break;
    node = it->second;
    if (nodes[node].token >= 0) best = {nodes[node].token, i + 1 - pos};
  }
  return best;
}

AddedVocabulary::AddedVocabulary(const nlohmann::json& tokens, const Normalizer* normalizer, std::string_view where) {
  LLMC_CHECK(tokens.is_array()) << where << ": 'added_tokens' must be an array, got " << tokens.type_name();
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string at = std::string(where) + "[" + std::to_string(i) + "]";
    const nlohmann::json& t = tokens[i];
    AddedToken token;
    const int64_t id = json_fields::int_field(t, "id", at);
    LLMC_CHECK(id >= 0 && id < (int64_t{1} << 30)) << at << ": id must be non-negative, got " << id;
    token.id = static_cast<int32_t>(id);
    token.content = json_fields::string_field(t, "content", at);
    token.special = json_fields::bool_field(t, "special", false, at);
    token.single_word = json_fields::bool_field(t, "single_word", false, at);
    token.lstrip = json_fields::bool_field(t, "lstrip", false, at);
    token.rstrip = json_fields::bool_field(t, "rstrip", false, at);
    token.normalized = json_fields::bool_field(t, "normalized", !token.special, at);
    LLMC_CHECK(utf8::is_valid(token.content)) << at << ": content is not valid UTF-8";
    if (static_cast<size_t>(token.id) >= by_id_.size()) by_id_.resize(token.id + 1, -1);
    const auto index = static_cast<int32_t>(tokens_.size());
    by_id_[token.id] = index;
    by_content_[token.content] = token.id;
    if (token.normalized) {
      std::string form = token.content;
      if (normalizer) normalizer->normalize(form);
      normalized_.add(form, index);
    } else {
      raw_.add(token.content, index);
    }
    tokens_.push_back(std::move(token));
  }
}

void AddedVocabulary::split(std::string_view text, bool normalized_set, std::vector<Segment>& out) const {
  const Matcher& m = normalized_set ? normalized_ : raw_;
  const auto n = static_cast<uint32_t>(text.size());
  uint32_t start_offset = 0;
  size_t pos = 0;
  while (!m.patterns.empty() && pos < n) {
    if (!m.first_byte[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const auto [index, length] = m.longest_at(text, pos);
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    size_t start = pos;
    size_t stop = pos + length;
    pos = stop;
    if (token.single_word && ((start > 0 && ends_with_word(text.substr(0, start))) ||
                              (stop < n && starts_with_word(text.substr(stop))))) {
      continue;
    }
    if (token.lstrip) start = std::max<size_t>(trailing_space_start(text.substr(0, start)), start_offset);
    if (token.rstrip) {
      stop += leading_space_length(text.substr(stop));
      pos = stop;
    }
    if (start_offset < start) out.push_back({start_offset, static_cast<uint32_t>(start), -1});
    out.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(stop), token.id});
    start_offset = static_cast<uint32_t>(stop);
  }
  if (start_offset < n) out.push_back({start_offset, n, -1});
}

const AddedToken* AddedVocabulary::find(int32_t id) const {
  return id >= 0 && id < id_bound() && by_id_[id] >= 0 ? &tokens_[by_id_[id]] : nullptr;
}

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  const auto it = by_content_.find(content);
  return it == by_content_.end() ? std::nullopt : std::optional<int32_t>(it->second);
}

}  // namespace llmc
