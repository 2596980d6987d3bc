#include "engine/grammar/token_trie.h"

#include <algorithm>
#include <numeric>
#include <string_view>

namespace llmc::grammar {

TokenTrie::TokenTrie(const TokenVocabulary& vocab) {
  std::vector<int32_t> order;
  for (int32_t id = 0; id < vocab.num_ids_with_bytes(); ++id) {
    if (!vocab.bytes(id).empty()) order.push_back(id);
  }
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return vocab.bytes(a) < vocab.bytes(b); });
  // Open nodes along the current path (path[d] is the node at depth d).
  std::vector<int32_t> path{0};
  byte_.push_back(0);
  end_.push_back(0);
  first_.push_back(0);
  own_.push_back(0);
  std::string_view prev;
  for (int32_t id : order) {
    const std::string_view cur = vocab.bytes(id);
    size_t common = 0;
    while (common < prev.size() && common < cur.size() && prev[common] == cur[common]) ++common;
    while (path.size() > common + 1) {
      end_[static_cast<size_t>(path.back())] = num_nodes();
      path.pop_back();
    }
    for (size_t d = common; d < cur.size(); ++d) {
      path.push_back(num_nodes());
      byte_.push_back(static_cast<uint8_t>(cur[d]));
      end_.push_back(0);
      first_.push_back(static_cast<int32_t>(ids_.size()));
      own_.push_back(0);
    }
    // Tokens sharing one byte string are adjacent in `order`, so a node's own ids stay contiguous.
    ids_.push_back(id);
    max_depth_ = std::max(max_depth_, static_cast<int32_t>(cur.size()));
    ++own_[static_cast<size_t>(path.back())];
    prev = cur;
  }
  while (!path.empty()) {
    end_[static_cast<size_t>(path.back())] = num_nodes();
    path.pop_back();
  }
}

}  // namespace llmc::grammar
