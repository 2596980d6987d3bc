#include "engine/sampler/top_select.h"

#include <algorithm>
#include <limits>

#include "engine/sampler/row_math.h"

namespace llmc {

namespace {

// A bounded heap rejects most values with one compare and touches the heap about n * ln(V / n) times, so it
// wins until n is a sizeable fraction of the row; then collecting and nth_element take over.
constexpr size_t kHeapMinimum = 256;
constexpr size_t kHeapFraction = 16;

struct Better {
  std::span<const float> values;
  bool operator()(int32_t a, int32_t b) const {
    return values[a] > values[b] || (values[a] == values[b] && a < b);
  }
};

std::vector<int32_t> select_with_heap(std::span<const float> values, size_t n, float floor) {
  const Better better{values};
  // A heap ordered by `better` keeps the worst kept id on top, ready to be displaced.
  std::vector<int32_t> heap;
  heap.reserve(n);
  float worst = std::numeric_limits<float>::infinity();
  const auto size = static_cast<int32_t>(values.size());
  for (int32_t i = 0; i < size; ++i) {
    const float v = values[i];
    if (!(v >= floor)) continue;
    if (heap.size() < n) {
      heap.push_back(i);
      std::push_heap(heap.begin(), heap.end(), better);
      worst = values[heap.front()];
      continue;
    }
    // Ids only grow, so a value equal to the worst kept one ranks after it: one compare rejects most values.
    if (v <= worst) continue;
    std::pop_heap(heap.begin(), heap.end(), better);
    heap.back() = i;
    std::push_heap(heap.begin(), heap.end(), better);
    worst = values[heap.front()];
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  return heap;
}

std::vector<int32_t> select_with_partition(std::span<const float> values, size_t n, float floor) {
  // Values travel with their ids so that nth_element compares contiguous pairs, not scattered lookups.
  struct Entry {
    float value;
    int32_t id;
  };
  const auto before = [](const Entry& a, const Entry& b) {
    return a.value > b.value || (a.value == b.value && a.id < b.id);
  };
  std::vector<Entry> entries;
  const auto size = static_cast<int32_t>(values.size());
  for (int32_t i = 0; i < size; ++i) {
    if (values[i] >= floor) entries.push_back({values[i], i});
  }
  if (entries.size() > n) {
    std::nth_element(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(n), entries.end(),
                     before);
    entries.resize(n);
  }
  std::sort(entries.begin(), entries.end(), before);
  std::vector<int32_t> ids;
  ids.reserve(entries.size());
  for (const Entry& e : entries) ids.push_back(e.id);
  return ids;
}

}  // namespace

std::vector<int32_t> top_select(std::span<const float> values, size_t n, float floor) {
  if (n == 0) return {};
  const bool heap = n <= std::max(kHeapMinimum, values.size() / kHeapFraction);
  return heap ? select_with_heap(values, n, floor) : select_with_partition(values, n, floor);
}

int32_t argmax(std::span<const float> values) {
  // A vectorised max, then the first position holding it (ties go to the lowest id).
  const float best = max_value(values);
  const auto size = static_cast<int32_t>(values.size());
  for (int32_t i = 0; i < size; ++i) {
    if (values[i] == best) return i;
  }
  return 0;
}

}  // namespace llmc
