// Every token's bytes in one prefix tree, nodes in preorder, so that walking it with a parse state visits each
// shared prefix once and a dead prefix skips its whole subtree. Each node knows where its subtree ends, and the
// token ids of a subtree are one contiguous range (ids are laid out in node order).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/grammar/token_vocabulary.h"

namespace llmc::grammar {

class TokenTrie {
 public:
  explicit TokenTrie(const TokenVocabulary& vocab);

  // Node 0 is the root (the empty prefix); children of n are n + 1, then end(child) while < end(n).
  int32_t num_nodes() const { return static_cast<int32_t>(byte_.size()); }
  uint8_t byte(int32_t n) const { return byte_[static_cast<size_t>(n)]; }
  int32_t end(int32_t n) const { return end_[static_cast<size_t>(n)]; }
  // Tokens whose bytes are exactly the path to n.
  std::span<const int32_t> tokens_at(int32_t n) const {
    return {ids_.data() + first_[static_cast<size_t>(n)], static_cast<size_t>(own_[static_cast<size_t>(n)])};
  }
  // Every token in n's subtree.
  std::span<const int32_t> tokens_below(int32_t n) const {
    const int32_t e = end(n);
    const int32_t stop = e < num_nodes() ? first_[static_cast<size_t>(e)] : static_cast<int32_t>(ids_.size());
    return {ids_.data() + first_[static_cast<size_t>(n)], static_cast<size_t>(stop - first_[static_cast<size_t>(n)])};
  }
  size_t num_tokens() const { return ids_.size(); }
  int32_t max_depth() const { return max_depth_; }  // the longest token's byte count

 private:
  std::vector<uint8_t> byte_;
  std::vector<int32_t> end_;
  std::vector<int32_t> first_;  // index into ids_ of the node's own tokens
  std::vector<int32_t> own_;
  std::vector<int32_t> ids_;
  int32_t max_depth_ = 0;
};

}  // namespace llmc::grammar
