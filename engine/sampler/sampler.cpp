#include "engine/sampler/sampler.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>

#include "common/check.h"
#include "engine/sampler/counter_rng.h"
#include "engine/sampler/draw.h"
#include "engine/sampler/penalties.h"
#include "engine/sampler/row_math.h"
#include "engine/sampler/top_select.h"

namespace llmc {

namespace {

// Rows * vocab below which threads cost more than they save (~1M logits: a few rows of a 128k vocabulary).
constexpr size_t kMinLogitsPerThread = size_t{1} << 19;
constexpr int kMaxDefaultThreads = 8;

// NaN or +inf logits mean the model went wrong; sampling them would hide that.
void check_logits(std::span<const float> logits) {
  bool any_finite = false;
  if (no_nan_or_pos_inf(logits, &any_finite)) {
    LLMC_CHECK(any_finite) << "sampler: every one of the " << logits.size()
                           << " logits is -inf; nothing to sample";
    return;
  }
  for (size_t i = 0; i < logits.size(); ++i) {
    LLMC_CHECK(!std::isnan(logits[i]) && logits[i] != std::numeric_limits<float>::infinity())
        << "sampler: logit of token " << i << " is " << logits[i]
        << "; the model produced a non-finite value";
  }
}

float clamp_logprob(double logprob) { return static_cast<float>(std::max(logprob, double{kMinLogprob})); }

float raw_logit(std::span<const float> logits, const std::vector<std::pair<int32_t, float>>& originals,
                int32_t id) {
  for (const auto& [changed, original] : originals) {
    if (changed == id) return original;
  }
  return logits[id];
}

}  // namespace

SampleOutput sample(const SamplerInput& input) {
  LLMC_CHECK(input.params != nullptr) << "sampler: row has no SamplingParams";
  LLMC_CHECK(!input.logits.empty()) << "sampler: row has no logits";
  const SamplingParams& params = *input.params;
  validate(params, static_cast<int>(input.logits.size()));
  if (!input.allowed.empty()) {
    LLMC_CHECK(input.allowed.size() * 32 >= input.logits.size())
        << "sampler: token mask of " << input.allowed.size() << " words for " << input.logits.size() << " logits";
    mask_logits(input.logits, input.allowed);  // keeps NaN and +inf, which check_logits reports
    bool any_left = false;
    LLMC_CHECK(!no_nan_or_pos_inf(input.logits, &any_left) || any_left)
        << "sampler: the constraint's token mask leaves no token with a finite logit";
  }
  check_logits(input.logits);

  SampleOutput out;
  double lse = 0.0;
  if (params.logprobs >= 0) {
    lse = log_sum_exp(input.logits);  // before penalties change anything: vLLM reports raw logprobs
    for (int32_t id : top_select(input.logits, static_cast<size_t>(params.logprobs))) {
      out.top_logprobs.emplace_back(id, clamp_logprob(input.logits[id] - lse));
    }
  }
  const auto originals = apply_penalties(input.logits, input.prompt_ids, input.output_ids, params);
  if (params.greedy() || params.top_k == 1) {
    out.token_id = argmax(input.logits);
  } else {
    // Penalties can only lower logits to -inf or keep them finite, so a finite one remains.
    const double u = counter_uniform(params.seed, static_cast<uint64_t>(input.output_ids.size()));
    out.token_id = draw_token(input.logits, params, u);
  }
  if (params.logprobs >= 0)
    out.logprob = clamp_logprob(raw_logit(input.logits, originals, out.token_id) - lse);
  return out;
}

std::vector<SampleOutput> sample_batch(std::span<const SamplerInput> rows, int max_threads) {
  std::vector<SampleOutput> outputs(rows.size());
  std::vector<std::exception_ptr> errors(rows.size());
  size_t total_logits = 0;
  for (const SamplerInput& row : rows) total_logits += row.logits.size();
  const int hardware = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int limit = max_threads > 0 ? max_threads : std::min(hardware, kMaxDefaultThreads);
  const size_t threads = std::clamp<size_t>(total_logits / kMinLogitsPerThread, 1,
                                            std::min<size_t>(static_cast<size_t>(limit), rows.size()));
  auto work = [&](size_t first) {
    // Strided rows keep the threads' shares even when rows arrive sorted by length.
    for (size_t i = first; i < rows.size(); i += threads) {
      try {
        outputs[i] = sample(rows[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  if (threads <= 1) {
    work(0);
  } else {
    std::vector<std::jthread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
  }  // jthreads join here
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!errors[i]) continue;
    try {
      std::rethrow_exception(errors[i]);
    } catch (const Error& e) {
      throw Error("row " + std::to_string(i) + ": " + e.what(), e.source_location());
    }
  }
  return outputs;
}

}  // namespace llmc
