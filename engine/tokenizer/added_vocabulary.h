// tokenizer.json "added_tokens": strings matched in the text before the model sees it (special tokens such
// as <|eot_id|>, and non-special ones such as <think>). Matching is leftmost-longest over all tokens; a
// match is then kept or dropped by the token's single_word rule and widened by lstrip / rstrip, as in
// Hugging Face `tokenizers`. Tokens with normalized=false are matched in the raw text, the others in the
// normalized text (against their own normalized form).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/tokenizer/string_id_map.h"

namespace llmc {

class Normalizer;

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

// A piece of the text: either an added token (id >= 0) or text to tokenize (id < 0), as bytes [begin, end).
struct Segment {
  uint32_t begin = 0;
  uint32_t end = 0;
  int32_t id = -1;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `tokens` is the "added_tokens" array; `normalizer` (may be null) gives the matched form of tokens with
  // normalized=true.
  AddedVocabulary(const nlohmann::json& tokens, const Normalizer* normalizer, std::string_view where);

  // Cuts `text` at the tokens of one set: raw (normalized=false) or normalized (normalized=true).
  void split(std::string_view text, bool normalized_set, std::vector<Segment>& out) const;
  bool has_normalized_tokens() const { return !normalized_.patterns.empty(); }

  const AddedToken* find(int32_t id) const;
  std::optional<int32_t> token_to_id(std::string_view content) const;
  int32_t id_bound() const { return static_cast<int32_t>(by_id_.size()); }

 private:
  // Byte trie over one set of token strings; leftmost-longest search.
  struct Matcher {
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> children;  // sorted by byte
      int32_t token = -1;                                        // index into tokens_ ending here
    };
    std::vector<Node> nodes{Node{}};
    std::vector<std::string> patterns;
    bool first_byte[256] = {};
    void add(std::string_view pattern, int32_t token);
    // Longest pattern starting at text[pos]: (token index, length), or token -1.
    std::pair<int32_t, size_t> longest_at(std::string_view text, size_t pos) const;
  };

  std::vector<AddedToken> tokens_;
  std::vector<int32_t> by_id_;  // id -> index into tokens_, or -1
  StringIdMap by_content_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace llmc
