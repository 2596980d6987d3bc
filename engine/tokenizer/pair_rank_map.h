// Open-addressing hash map from a pair of token ids to a BPE merge (its rank and the id it produces). The
// merge loop looks up every adjacent pair of every uncached word, so this is the BPE hot path: one multiply,
// one mask, and usually one probe.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace llmc {

struct MergeRule {
  uint32_t rank;
  int32_t new_id;
};

class PairRankMap {
 public:
  explicit PairRankMap(size_t expected_size = 0) {
    size_t capacity = 16;
    while (capacity < expected_size * 2) capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, {0, 0}});
    mask_ = capacity - 1;
  }

  // A later insert of the same pair replaces the earlier one (as a HashMap built from the merges list does).
  void insert(int32_t left, int32_t right, MergeRule rule) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    const uint64_t k = key(left, right);
    size_t i = index(k);
    while (slots_[i].key != kEmpty && slots_[i].key != k) i = (i + 1) & mask_;
    if (slots_[i].key == kEmpty) ++size_;
    slots_[i] = Slot{k, rule};
  }

  const MergeRule* find(int32_t left, int32_t right) const {
    const uint64_t k = key(left, right);
    for (size_t i = index(k);; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return &slots_[i].rule;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key;
    MergeRule rule;
  };
  static uint64_t key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  size_t index(uint64_t k) const { return static_cast<size_t>((k * 0x9E3779B97F4A7C15ULL) >> 32) & mask_; }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.size() * 2, Slot{kEmpty, {0, 0}});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& s : old) {
      if (s.key != kEmpty) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFF), s.rule);
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace llmc
