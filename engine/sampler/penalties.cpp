#include "engine/sampler/penalties.h"

#include <limits>

#include "common/check.h"

namespace llmc {

namespace {

void check_ids(std::span<const int32_t> ids, const char* what, size_t vocab) {
  for (size_t i = 0; i < ids.size(); ++i) {
    LLMC_CHECK(ids[i] >= 0 && static_cast<size_t>(ids[i]) < vocab)
        << "sampler: " << what << " token " << i << " has id " << ids[i] << ", outside the vocabulary [0, "
        << vocab << ")";
  }
}

// Per-thread [vocab] tables, all zero between calls: only entries the ids touch are set and then reset, so a
// call costs O(prompt + output) rather than O(vocab).
struct PenaltyScratch {
  std::vector<int32_t> count;  // occurrences in the output
  std::vector<uint8_t> flags;  // kInPrompt | kDone
  static constexpr uint8_t kInPrompt = 1;
  static constexpr uint8_t kDone = 2;
};

void penalize(std::span<float> logits, int32_t id, const PenaltyScratch& s, const SamplingParams& p,
              std::vector<std::pair<int32_t, float>>* originals) {
  float& logit = logits[id];
  originals->emplace_back(id, logit);
  if (p.repetition_penalty != 1.0f) {
    logit = logit > 0.0f ? logit / p.repetition_penalty : logit * p.repetition_penalty;
  }
  const int32_t count = s.count[id];
  if (count > 0) logit -= p.frequency_penalty * static_cast<float>(count) + p.presence_penalty;
  // A tiny repetition penalty could push a large logit to +inf, which softmax cannot take; -inf stays -inf.
  if (logit > std::numeric_limits<float>::max()) logit = std::numeric_limits<float>::max();
}

}  // namespace

bool penalties_disabled(const SamplingParams& params) {
  return params.repetition_penalty == 1.0f && params.frequency_penalty == 0.0f &&
         params.presence_penalty == 0.0f;
}

std::vector<std::pair<int32_t, float>> apply_penalties(std::span<float> logits,
                                                       std::span<const int32_t> prompt_ids,
                                                       std::span<const int32_t> output_ids,
                                                       const SamplingParams& params) {
  // Check before touching the scratch tables: a throw must leave them zeroed.
  check_ids(prompt_ids, "prompt", logits.size());
  check_ids(output_ids, "output", logits.size());
  std::vector<std::pair<int32_t, float>> originals;
  if (penalties_disabled(params)) return originals;
  // Only the repetition penalty looks at the prompt.
  const std::span<const int32_t> prompt =
      params.repetition_penalty != 1.0f ? prompt_ids : std::span<const int32_t>();
  originals.reserve(prompt.size() + output_ids.size());

  thread_local PenaltyScratch s;
  if (s.count.size() < logits.size()) {
    s.count.assign(logits.size(), 0);
    s.flags.assign(logits.size(), 0);
  }
  for (int32_t id : output_ids) ++s.count[id];
  for (int32_t id : prompt) s.flags[id] |= PenaltyScratch::kInPrompt;
  for (auto ids : {output_ids, prompt}) {
    for (int32_t id : ids) {
      if (s.flags[id] & PenaltyScratch::kDone) continue;
      s.flags[id] |= PenaltyScratch::kDone;
      penalize(logits, id, s, params, &originals);
    }
  }
  for (int32_t id : output_ids) {
    s.count[id] = 0;
    s.flags[id] = 0;
  }
  for (int32_t id : prompt) s.flags[id] = 0;
  return originals;
}

}  // namespace llmc
