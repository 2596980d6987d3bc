// Partial selection of the largest logits without sorting the vocabulary.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace llmc {

// The ids of the `n` largest values among those >= `floor`, largest first; equal values order by lower id
// (what makes greedy and top-k deterministic). Fewer than n ids come back when fewer values reach `floor`.
// O(V log n) for small n, O(V + m log m) otherwise (m = values >= floor).
std::vector<int32_t> top_select(std::span<const float> values, size_t n,
                                float floor = -std::numeric_limits<float>::infinity());

// The id of the largest value, the lowest such id on ties; values must be non-empty and free of NaN.
int32_t argmax(std::span<const float> values);

}  // namespace llmc
