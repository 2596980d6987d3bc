#include "engine/sampler/draw.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/sampler/row_math.h"
#include "engine/sampler/top_select.h"

namespace llmc {

namespace {

// What defines the distribution after temperature and min_p.
struct Shape {
  float max_logit;
  float temperature;
  float floor;  // min_p cut in logit space: p_i >= min_p * p_max  <=>  l_i >= max + T log(min_p)
  float weight(float logit) const {
    return logit >= floor ? exp_nonpositive((logit - max_logit) / temperature) : 0.0f;
  }
};

struct Candidate {
  float logit;
  int32_t id;
  float weight;
};

// The ranking every filter uses: larger logit first, lower id first among equals.
bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

struct Scratch {
  std::vector<float> weights;
  std::vector<double> block_sums;
  std::vector<Candidate> candidates;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// Inverse CDF in id order: find the block holding the target, then the token inside it.
int32_t pick_in_vocab(std::span<const float> weights, const std::vector<double>& block_sums, double total,
                      double u) {
  const double target = u * total;
  double acc = 0.0;
  size_t b = 0;
  while (b + 1 < block_sums.size() && acc + block_sums[b] <= target) acc += block_sums[b++];
  // Only when u * total rounds up to total: step back over trailing blocks without mass.
  while (b > 0 && block_sums[b] == 0.0) acc -= block_sums[--b];
  const size_t begin = b * kWeightBlock;
  const size_t end = std::min(weights.size(), begin + kWeightBlock);
  int32_t last = -1;
  for (size_t i = begin; i < end; ++i) {
    if (weights[i] == 0.0f) continue;
    acc += weights[i];
    last = static_cast<int32_t>(i);
    if (acc > target) return last;
  }
  return last;  // the block's float sum and this double scan differ in the last bits
}

// Inverse CDF over candidates in their current order.
int32_t pick_in(std::span<const Candidate> kept, double u) {
  double total = 0.0;
  for (const Candidate& c : kept) total += c.weight;
  const double target = u * total;
  double acc = 0.0;
  for (const Candidate& c : kept) {
    acc += c.weight;
    if (acc > target) return c.id;
  }
  for (size_t i = kept.size(); i-- > 0;) {
    if (kept[i].weight > 0.0f) return kept[i].id;
  }
  return kept.front().id;
}

// `sorted` ranked most likely first: keeps the shortest prefix whose mass reaches top_p of the whole (at
// least one token; all of them if rounding never gets there).
std::span<const Candidate> top_p_prefix(std::span<const Candidate> sorted, float top_p) {
  if (top_p >= 1.0f) return sorted;
  double total = 0.0;
  for (const Candidate& c : sorted) total += c.weight;
  const double needed = static_cast<double>(top_p) * total;
  double acc = 0.0;
  for (size_t i = 0; i < sorted.size(); ++i) {
    acc += sorted[i].weight;
    if (acc >= needed) return sorted.first(i + 1);
  }
  return sorted;
}

Candidate median_of_three(const Candidate& a, const Candidate& b, const Candidate& c) {
  if (ranks_before(a, b)) return ranks_before(b, c) ? b : (ranks_before(a, c) ? c : a);
  return ranks_before(a, c) ? a : (ranks_before(b, c) ? c : b);
}

// The last member of the shortest ranked prefix whose mass reaches `needed`, by quickselect on mass, so no
// full sort: expected O(n). When rounding keeps `needed` out of reach, the last candidate ranked.
Candidate top_p_boundary(std::vector<Candidate>& c, double needed) {
  constexpr size_t kSortBelow = 32;
  size_t lo = 0;
  size_t hi = c.size();
  double before = 0.0;  // mass of the candidates known to rank ahead of [lo, hi)
  Candidate last = c.front();
  while (hi - lo > kSortBelow) {
    const Candidate pivot = median_of_three(c[lo], c[lo + (hi - lo) / 2], c[hi - 1]);
    const auto first_after = std::partition(c.begin() + static_cast<std::ptrdiff_t>(lo),
                                            c.begin() + static_cast<std::ptrdiff_t>(hi),
                                            [&](const Candidate& x) { return ranks_before(x, pivot); });
    const size_t mid = static_cast<size_t>(first_after - c.begin());
    double ahead = 0.0;
    for (size_t i = lo; i < mid; ++i) ahead += c[i].weight;
    if (before + ahead >= needed) {  // implies ahead > 0, so [lo, mid) is not empty
      hi = mid;
      continue;
    }
    // The pivot ranks first among [mid, hi); put it at mid and count it.
    std::iter_swap(first_after, std::find_if(first_after, c.begin() + static_cast<std::ptrdiff_t>(hi),
                                             [&](const Candidate& x) { return x.id == pivot.id; }));
    before += ahead + pivot.weight;
    last = pivot;
    if (before >= needed) return pivot;
    lo = mid + 1;
  }
  std::sort(c.begin() + static_cast<std::ptrdiff_t>(lo), c.begin() + static_cast<std::ptrdiff_t>(hi),
            ranks_before);
  for (size_t i = lo; i < hi; ++i) {
    before += c[i].weight;
    last = c[i];
    if (before >= needed) break;
  }
  return last;
}

// top_p without top_k. The kept set is a ranked prefix, so gather only tokens above a cutoff, widening it
// until the gathered mass covers top_p (usually at once), then find the boundary among those.
int32_t draw_top_p(std::span<const float> logits, const Shape& shape, float top_p, double u) {
  Scratch& s = scratch();
  s.weights.resize(logits.size());
  const double total =
      softmax_weights(logits, shape.max_logit, shape.temperature, shape.floor, s.weights, &s.block_sums);
  const double needed = static_cast<double>(top_p) * total;
  for (float width : {8.0f, 16.0f, 32.0f, 64.0f, std::numeric_limits<float>::infinity()}) {
    // Widths are in units of the temperature: a token `width` below the max has weight exp(-width).
    const float cutoff = std::max(shape.floor, shape.max_logit - width * shape.temperature);
    s.candidates.clear();
    double mass = 0.0;
    for (size_t i = 0; i < logits.size(); ++i) {
      if (logits[i] >= cutoff) {
        s.candidates.push_back({logits[i], static_cast<int32_t>(i), s.weights[i]});
        mass += s.weights[i];
      }
    }
    if (mass < needed && cutoff > shape.floor && !std::isinf(width)) continue;
    const Candidate boundary = top_p_boundary(s.candidates, needed);
    const auto kept_end = std::partition(s.candidates.begin(), s.candidates.end(), [&](const Candidate& c) {
      return c.id == boundary.id || ranks_before(c, boundary);
    });
    return pick_in(std::span<const Candidate>(s.candidates.data(), kept_end - s.candidates.begin()), u);
  }
  return -1;  // unreachable: the infinite width gathers every token above the floor
}

}  // namespace

int32_t draw_token(std::span<const float> logits, const SamplingParams& params, double u) {
  const float max_logit = max_value(logits);
  const float floor = params.min_p > 0.0f ? max_logit + params.temperature * std::log(params.min_p)
                                          : -std::numeric_limits<float>::infinity();
  // The most likely token always survives min_p, even when max + T log(min_p) rounds above max.
  const Shape shape{max_logit, params.temperature, std::min(floor, max_logit)};
  const size_t top_k = params.top_k > 0 ? static_cast<size_t>(params.top_k) : logits.size();
  if (top_k < logits.size()) {
    std::vector<Candidate>& ranked = scratch().candidates;
    ranked.clear();
    for (int32_t id : top_select(logits, top_k, shape.floor)) {
      ranked.push_back({logits[id], id, shape.weight(logits[id])});
    }
    return pick_in(top_p_prefix(ranked, params.top_p), u);
  }
  if (params.top_p < 1.0f) return draw_top_p(logits, shape, params.top_p, u);
  Scratch& s = scratch();
  s.weights.resize(logits.size());
  const double total =
      softmax_weights(logits, max_logit, params.temperature, shape.floor, s.weights, &s.block_sums);
  return pick_in_vocab(s.weights, s.block_sums, total, u);
}

}  // namespace llmc
