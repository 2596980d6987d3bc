// Byte-pair encoding as Hugging Face `tokenizers` defines it: a word starts as one symbol per character
// (continuing_subword_prefix / end_of_word_suffix applied, unknown characters going to byte_fallback tokens
// <0xXX> or to unk_token, fused when fuse_unk), then the adjacent pair of lowest merge rank is merged,
// leftmost first, until no pair has a merge. With ignore_merges a word that is itself in the vocabulary is
// one token. Results are cached per word (WordCache).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/model.h"
#include "engine/tokenizer/pair_rank_map.h"
#include "engine/tokenizer/string_id_map.h"
#include "engine/tokenizer/word_cache.h"

namespace llmc {

class BpeModel final : public Model {
 public:
  // `spec` is tokenizer.json's "model" object with "type": "BPE".
  BpeModel(const nlohmann::json& spec, std::string_view where);

  void tokenize(std::string_view word, std::vector<int32_t>& out) const override;
  std::optional<int32_t> token_to_id(std::string_view token) const override;
  const std::string* id_to_token(int32_t id) const override;
  int32_t id_bound() const override { return static_cast<int32_t>(tokens_.size()); }

 private:
  void load_vocab(const nlohmann::json& vocab, std::string_view where);
  void load_merges(const nlohmann::json& merges, std::string_view where);
  // One symbol id per character (or per byte / fused unk), as the merge loop starts from.
  void initial_symbols(std::string_view word, std::vector<int32_t>& symbols) const;
  int32_t char_id(std::string_view word, size_t begin, size_t end, char32_t cp) const;
  void merge(std::vector<int32_t>& symbols, std::vector<int32_t>& out) const;
  void tokenize_chunk(std::string_view chunk, std::vector<int32_t>& out) const;
  void find_safe_boundary();

  StringIdMap vocab_;
  std::vector<std::string> tokens_;     // by id; ids missing from the vocabulary hold ""
  std::vector<bool> has_token_;         // by id
  std::vector<int32_t> bmp_char_ids_;   // id of each one-character token below U+10000, or -1
  std::array<int32_t, 256> byte_ids_{}; // id of <0xXX>, or -1
  PairRankMap merges_;
  std::optional<int32_t> unk_id_;
  std::optional<std::string> prefix_;   // continuing_subword_prefix
  std::optional<std::string> suffix_;   // end_of_word_suffix
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  // A character that no token contains right after a different character ("▁" in SentencePiece vocabularies).
  // No merge can then cross the start of a run of it, so a long word (a whole text when there is no
  // pre-tokenizer) may be cut there and its chunks merged, and cached, independently. Empty when none.
  std::string boundary_;
  WordCache cache_;
};

}  // namespace llmc
