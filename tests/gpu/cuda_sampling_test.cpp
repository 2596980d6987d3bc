// The device sampler (kernels/cuda/sampling) against the CPU sampler (engine/sampler sample()) on the same
// random logits, and its draws against the analytic distribution. Rows of one launch mix every mode (greedy,
// temperature, min_p, top_k, top_p, penalties, logprobs), vocabularies are 512, 32000 and 128256 (and awkward
// tiny ones), row strides are padded with NaN so a read past a row shows, and outputs and workspace are
// poisoned before each run. Every test skips where there is no GPU.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/check.h"
#include "engine/sampler/counter_rng.h"
#include "engine/sampler/row_math.h"
#include "engine/sampler/sampler.h"
#include "kernels/cuda/sampling.cuh"
#include "tests/gpu/cuda_test_util.h"
#include "tests/unit/sampler/reference_distribution.h"

namespace llmc::cuda_test {
namespace {

namespace kc = kernels::cuda;

constexpr int kMaxTop = 20;
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Case {
  std::vector<float> logits;  // [vocab]
  SamplingParams params;
  std::vector<int32_t> prompt;
  std::vector<int32_t> output;  // its size is the step
  int config = 0;               // which configuration made it (for per-configuration statistics)
};

struct GpuOut {
  std::vector<int32_t> token, error, top_ids;  // top_ids [rows, kMaxTop]
  std::vector<float> logprob, top_lp;
};

enum class Kind { kNormal, kPeaked, kTies, kMasked };

std::vector<float> random_logits(int64_t vocab, Kind kind, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(vocab));
  for (float& v : x) v = normal(rng);
  std::uniform_int_distribution<int64_t> any(0, vocab - 1);
  switch (kind) {
    case Kind::kNormal:
      break;
    case Kind::kPeaked:  // an LLM-like row: a handful of strong candidates over a long tail
      for (int k = 0; k < 8; ++k) x[static_cast<size_t>(any(rng))] += 8.0f + 1.5f * static_cast<float>(k);
      break;
    case Kind::kTies:  // coarse values: many equal logits, so every lower-id tie rule is exercised
      for (float& v : x) v = std::round(v * 2.0f) / 2.0f;
      break;
    case Kind::kMasked:  // a third of the vocabulary masked, as grammar-constrained decoding does
      for (float& v : x) v = (rng() % 3 == 0) ? kNegInf : v;
      x[static_cast<size_t>(any(rng))] = 3.0f;  // at least one finite value
      break;
  }
  return x;
}

Kind random_kind(std::mt19937_64& rng) { return static_cast<Kind>(rng() % 4); }

std::vector<int32_t> random_ids(int64_t vocab, size_t max_len, std::mt19937_64& rng) {
  std::vector<int32_t> ids(rng() % (max_len + 1));
  // Draw from a small range so tokens repeat (frequency counts > 1, prompt/output overlap).
  const int64_t range = std::min<int64_t>(vocab, 64);
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint64_t>(range));
  return ids;
}

kc::DeviceSamplingRow device_row(const Case& c, int32_t begin) {
  const SamplingParams& p = c.params;
  kc::DeviceSamplingRow r;
  r.temperature = p.temperature;
  r.top_p = p.top_p;
  r.min_p = p.min_p;
  r.repetition_penalty = p.repetition_penalty;
  r.presence_penalty = p.presence_penalty;
  r.frequency_penalty = p.frequency_penalty;
  r.top_k = p.top_k;
  r.num_logprobs = p.logprobs;
  r.seed = p.seed;
  r.step = c.output.size();
  r.prompt_begin = begin;
  r.prompt_count = static_cast<int32_t>(c.prompt.size());
  r.output_begin = begin + r.prompt_count;
  r.output_count = static_cast<int32_t>(c.output.size());
  return r;
}

// Runs one launch over `cases`; rows are ld = vocab + pad apart, the padding NaN.
GpuOut run_gpu(const std::vector<Case>& cases, int64_t vocab, int64_t pad, cudaStream_t stream) {
  const int64_t rows = static_cast<int64_t>(cases.size());
  const int64_t ld = vocab + pad;
  std::vector<float> logits(static_cast<size_t>(rows * ld), std::numeric_limits<float>::quiet_NaN());
  std::vector<kc::DeviceSamplingRow> params;
  std::vector<int32_t> ids;
  for (int64_t r = 0; r < rows; ++r) {
    const Case& c = cases[static_cast<size_t>(r)];
    std::copy(c.logits.begin(), c.logits.end(), logits.begin() + r * ld);
    params.push_back(device_row(c, static_cast<int32_t>(ids.size())));
    ids.insert(ids.end(), c.prompt.begin(), c.prompt.end());
    ids.insert(ids.end(), c.output.begin(), c.output.end());
  }
  ids.push_back(0);  // never empty
  DeviceBuffer d_logits(logits), d_params(params), d_ids(ids);
  DeviceBuffer token(rows * 4), logprob(rows * 4), top_ids(rows * kMaxTop * 4), top_lp(rows * kMaxTop * 4),
      error(rows * 4), workspace(kc::sampling_workspace_bytes(rows, vocab));
  for (DeviceBuffer* b : {&token, &logprob, &top_ids, &top_lp, &error, &workspace}) b->poison();
  kc::sample_rows(d_logits.as<float>(), ld, rows, vocab, d_params.as<kc::DeviceSamplingRow>(), d_ids.as<int32_t>(),
                  token.as<int32_t>(), logprob.as<float>(), top_ids.as<int32_t>(), top_lp.as<float>(), kMaxTop,
                  error.as<int32_t>(), workspace.get(), stream);
  check_cuda(cudaStreamSynchronize(stream), "sample_rows");
  const auto n = static_cast<size_t>(rows);
  return {token.download_vector<int32_t>(n), error.download_vector<int32_t>(n),
          top_ids.download_vector<int32_t>(n * kMaxTop), logprob.download_vector<float>(n),
          top_lp.download_vector<float>(n * kMaxTop)};
}

SampleOutput run_cpu(const Case& c) {
  std::vector<float> row = c.logits;
  return sample(SamplerInput{row, c.prompt, c.output, &c.params});
}

std::string describe(const Case& c, int64_t vocab, size_t row) {
  const SamplingParams& p = c.params;
  std::ostringstream s;
  s << "vocab " << vocab << " row " << row << ": T=" << p.temperature << " top_k=" << p.top_k << " top_p=" << p.top_p
    << " min_p=" << p.min_p << " rep=" << p.repetition_penalty << " freq=" << p.frequency_penalty
    << " pres=" << p.presence_penalty << " logprobs=" << p.logprobs << " seed=" << p.seed
    << " step=" << c.output.size();
  return s.str();
}

// Whether the same u must pick the same token on both: draw.cpp's dispatch walks the kept set in rank order
// (top_k path) or id order (no top_k / top_p), except for top_p < 1 without an active top_k (top_k <= 0 or
// >= vocab, which disables it), where the CPU walks in the order its quickselect leaves and only the
// distribution can agree (sampling.cuh).
bool token_exact(const SamplingParams& p, int64_t vocab) {
  const bool top_k_active = p.top_k > 0 && p.top_k < vocab;
  return p.greedy() || p.top_k == 1 || p.top_p >= 1.0f || top_k_active;
}

// Logprobs (the chosen token's and the top-N) agree with the CPU's; the token is compared by the caller. Where
// the GPU drew another token (only allowed when !token_exact), its logprob must be that token's raw
// log_softmax, computed here from the unpenalised logits.
void expect_logprobs_match(const Case& c, const SampleOutput& cpu, const GpuOut& g, size_t row, int64_t vocab) {
  const std::string what = describe(c, vocab, row);
  if (g.token[row] == cpu.token_id || c.params.logprobs < 0) {
    EXPECT_NEAR(g.logprob[row], cpu.logprob, 1e-4) << what;
  } else if (g.token[row] < 0 || g.token[row] >= vocab) {
    ADD_FAILURE() << what << " gpu token " << g.token[row] << " outside the vocabulary";
  } else {
    const double lse = log_sum_exp(c.logits);
    const double raw = std::max(static_cast<double>(c.logits[static_cast<size_t>(g.token[row])]) - lse,
                                static_cast<double>(kMinLogprob));
    EXPECT_NEAR(g.logprob[row], raw, 1e-4) << what << " gpu token " << g.token[row];
  }
  const size_t n = cpu.top_logprobs.size();
  for (size_t k = 0; k < kMaxTop; ++k) {
    const int32_t id = g.top_ids[row * kMaxTop + k];
    const float lp = g.top_lp[row * kMaxTop + k];
    if (k >= n) {
      EXPECT_EQ(id, -1) << what << " unused top slot " << k;
      EXPECT_EQ(lp, 0.0f) << what << " unused top slot " << k;
      continue;
    }
    EXPECT_EQ(id, cpu.top_logprobs[k].first) << what << " top " << k;
    EXPECT_NEAR(lp, cpu.top_logprobs[k].second, 1e-4) << what << " top " << k;
  }
}

const std::vector<int64_t> kVocabs{512, 32000, 128256};
const std::vector<int64_t> kRowCounts{1, 7, 64};

using CudaSamplingTest = CudaTest;

TEST_F(CudaSamplingTest, GreedyAndLogprobsMatchCpu) {
  std::mt19937_64 rng(11);
  for (int64_t vocab : kVocabs) {
    for (int64_t rows : kRowCounts) {
      std::vector<Case> cases(static_cast<size_t>(rows));
      for (Case& c : cases) {
        c.logits = random_logits(vocab, random_kind(rng), rng);
        c.params.temperature = rng() % 4 == 0 ? 0.7f : 0.0f;  // with top_k 1 below, greedy too
        c.params.top_k = c.params.temperature > 0.0f ? 1 : static_cast<int32_t>(rng() % 3) - 1;
        const int32_t logprobs[] = {-1, 0, 1, 5, 20};
        c.params.logprobs = logprobs[rng() % 5];
        c.params.seed = rng();
        c.prompt = random_ids(vocab, 40, rng);
        c.output = random_ids(vocab, 40, rng);
        if (rng() % 2) {
          c.params.repetition_penalty = 1.0f + 0.5f * static_cast<float>(rng() % 3);
          c.params.frequency_penalty = 0.3f;
          c.params.presence_penalty = -0.2f;
        }
      }
      const GpuOut g = run_gpu(cases, vocab, 0, stream_);
      for (size_t r = 0; r < cases.size(); ++r) {
        const SampleOutput cpu = run_cpu(cases[r]);
        ASSERT_EQ(g.error[r], kc::kSamplingOk) << describe(cases[r], vocab, r);
        EXPECT_EQ(g.token[r], cpu.token_id) << describe(cases[r], vocab, r);
        expect_logprobs_match(cases[r], cpu, g, r, vocab);
      }
    }
  }
}

// One row configuration of the seeded comparison. Whether a row's token must equal the CPU's is token_exact()
// of its parameters and vocabulary: "top_p only" never is, and "top_k+top_p+min_p" (top_k 1000) is not at
// vocabulary 512, where top_k >= vocab disables top_k.
struct Config {
  const char* name;
  float temperature, top_p, min_p, repetition, frequency, presence;
  int32_t top_k;  // INT32_MAX: the vocabulary size minus one
};

const std::vector<Config> kConfigs{
    {"temperature", 0.8f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0},
    {"hot", 2.5f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, -1},
    {"min_p", 1.3f, 1.0f, 0.05f, 1.0f, 0.0f, 0.0f, 0},
    {"top_k", 0.9f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 40},
    {"top_k+top_p", 1.0f, 0.9f, 0.0f, 1.0f, 0.0f, 0.0f, 50},
    {"top_k+top_p+min_p", 1.1f, 0.95f, 0.01f, 1.0f, 0.0f, 0.0f, 1000},
    // All three active at every vocabulary: min_p keeps fewer than top_k in most rows of 512, top_k cuts
    // first in most rows of 32000 and 128256; top_p then acts on what both left.
    {"min_p+top_k20+top_p", 0.8f, 0.95f, 0.05f, 1.0f, 0.0f, 0.0f, 20},
    {"top_k=vocab-1", 0.7f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, INT32_MAX},
    {"top_k=vocab-1+top_p", 1.0f, 0.5f, 0.0f, 1.0f, 0.0f, 0.0f, INT32_MAX},
    {"top_k>vocab", 1.0f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 1 << 20},
    {"penalties", 1.0f, 1.0f, 0.0f, 1.3f, 0.5f, 0.4f, 0},
    {"penalties+top_k+top_p", 0.9f, 0.8f, 0.0f, 0.8f, -0.5f, 1.0f, 20},
    {"cold", 0.05f, 1.0f, 0.0f, 1.0f, 0.0f, 0.0f, 0},
    {"top_p only", 1.0f, 0.9f, 0.0f, 1.0f, 0.0f, 0.0f, 0},
};

Case make_case(const Config& cfg, int config, int64_t vocab, std::mt19937_64& rng) {
  Case c;
  c.config = config;
  c.logits = random_logits(vocab, random_kind(rng), rng);
  SamplingParams& p = c.params;
  p.temperature = cfg.temperature;
  p.top_p = cfg.top_p;
  p.min_p = cfg.min_p;
  p.repetition_penalty = cfg.repetition;
  p.frequency_penalty = cfg.frequency;
  p.presence_penalty = cfg.presence;
  p.top_k = cfg.top_k == INT32_MAX ? static_cast<int32_t>(vocab - 1) : cfg.top_k;
  p.logprobs = rng() % 4 == 0 ? 3 : -1;
  p.seed = rng();
  c.prompt = random_ids(vocab, 30, rng);
  c.output = random_ids(vocab, 30, rng);
  return c;
}

TEST_F(CudaSamplingTest, SeededSamplingMatchesCpu) {
  std::mt19937_64 rng(12);
  const int num_configs = static_cast<int>(kConfigs.size());
  // Per configuration: all draws, and the token-exact ones.
  std::vector<int> draws(kConfigs.size(), 0), same(kConfigs.size(), 0);
  std::vector<int> exact(kConfigs.size(), 0), exact_same(kConfigs.size(), 0);
  const std::map<int64_t, int> repeats{{512, 150}, {32000, 18}, {128256, 5}};
  int offset = 0;
  for (int64_t vocab : kVocabs) {
    for (int rep = 0; rep < repeats.at(vocab); ++rep) {
      for (int64_t rows : kRowCounts) {
        std::vector<Case> cases;
        for (int64_t r = 0; r < rows; ++r, ++offset) {
          const int config = offset % num_configs;
          cases.push_back(make_case(kConfigs[static_cast<size_t>(config)], config, vocab, rng));
        }
        const GpuOut g = run_gpu(cases, vocab, 0, stream_);
        for (size_t r = 0; r < cases.size(); ++r) {
          const Case& c = cases[r];
          const SampleOutput cpu = run_cpu(c);
          ASSERT_EQ(g.error[r], kc::kSamplingOk) << describe(c, vocab, r);
          ASSERT_GE(g.token[r], 0) << describe(c, vocab, r);
          ASSERT_LT(g.token[r], vocab) << describe(c, vocab, r);
          const auto k = static_cast<size_t>(c.config);
          const bool must_match = token_exact(c.params, vocab);
          ++draws[k];
          exact[k] += must_match;
          if (g.token[r] == cpu.token_id) {
            ++same[k];
            exact_same[k] += must_match;
          } else if (must_match) {
            std::printf("mismatch (%s) %s: cpu %d gpu %d u=%.17g\n", kConfigs[k].name, describe(c, vocab, r).c_str(),
                        cpu.token_id, g.token[r], counter_uniform(c.params.seed, c.output.size()));
          }
          // The logprob of the token the GPU drew must be that token's raw logprob (the CPU's where equal).
          if (g.token[r] == cpu.token_id || !must_match) expect_logprobs_match(c, cpu, g, r, vocab);
        }
      }
    }
  }
  int all_exact = 0, all_exact_same = 0;
  for (size_t k = 0; k < kConfigs.size(); ++k) {
    std::printf("%-24s %5d draws, %5d identical to the CPU; token-exact %5d of which %5d identical%s\n",
                kConfigs[k].name, draws[k], same[k], exact[k], exact_same[k],
                exact[k] < draws[k] ? " (the rest: top_p without an active top_k, walk order differs by design; "
                                      "see sampling.cuh)"
                                    : "");
    all_exact += exact[k];
    all_exact_same += exact_same[k];
    EXPECT_LE(exact[k] - exact_same[k], 1 + exact[k] / 1000) << kConfigs[k].name;
  }
  EXPECT_GE(all_exact_same, all_exact - all_exact / 1000) << "over every configuration";
}

// Wilson-Hilferty approximation of the chi-square upper 0.1% point (z = 3.09), good to ~1% for dof >= 3.
double chi_square_999(double dof) {
  const double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1.0 - a + 3.09 * std::sqrt(a), 3.0);
}

TEST_F(CudaSamplingTest, DrawsFollowTheDistribution) {
  constexpr int64_t kVocab = 512;
  constexpr int kSeeds = 20000;
  std::mt19937_64 rng(13);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<float> logits(kVocab);
  for (float& v : logits) v = normal(rng);
  struct Dist {
    const char* name;
    float temperature, top_p, min_p;
    int32_t top_k;
  };
  for (const Dist& d : {Dist{"plain", 1.0f, 1.0f, 0.0f, 0}, Dist{"min_p", 0.7f, 1.0f, 0.1f, 0},
                        Dist{"top_k", 1.2f, 1.0f, 0.0f, 30}, Dist{"top_p", 1.0f, 0.8f, 0.0f, 0},
                        Dist{"all", 1.0f, 0.9f, 0.02f, 100},
                        // min_p keeps 19 tokens, fewer than top_k; top_p then keeps 16 of them.
                        Dist{"min_p under top_k, top_p", 0.8f, 0.95f, 0.05f, 100},
                        // top_k >= vocab disables it: min_p (262 kept) then top_p alone. The walk order of
                        // such rows differs from the CPU's, so this is where their kept set and masses are checked.
                        Dist{"min_p+top_p, top_k>vocab", 1.1f, 0.95f, 0.01f, 1000}}) {
    std::vector<Case> cases(kSeeds);
    for (int i = 0; i < kSeeds; ++i) {
      Case& c = cases[static_cast<size_t>(i)];
      c.logits = logits;
      c.params.temperature = d.temperature;
      c.params.top_p = d.top_p;
      c.params.min_p = d.min_p;
      c.params.top_k = d.top_k;
      c.params.seed = 1000003ull * static_cast<uint64_t>(i) + 7;
    }
    const GpuOut g = run_gpu(cases, kVocab, 0, stream_);
    const std::vector<double> expected = test::reference_distribution(logits, cases[0].params);
    std::vector<int> counts(kVocab, 0);
    for (int i = 0; i < kSeeds; ++i) {
      ASSERT_EQ(g.error[static_cast<size_t>(i)], kc::kSamplingOk) << d.name;
      ++counts[static_cast<size_t>(g.token[static_cast<size_t>(i)])];
    }
    // Tokens expected fewer than 5 times pool into one bin, as the chi-square test needs.
    double chi2 = 0.0, pooled_e = 0.0, pooled_o = 0.0;
    int bins = 0;
    for (int64_t t = 0; t < kVocab; ++t) {
      const double e = expected[static_cast<size_t>(t)] * kSeeds;
      const double o = counts[static_cast<size_t>(t)];
      if (expected[static_cast<size_t>(t)] == 0.0) {
        EXPECT_EQ(o, 0) << d.name << ": token " << t << " is filtered out but was drawn";
      } else if (e < 5.0) {
        pooled_e += e, pooled_o += o;
      } else {
        chi2 += (o - e) * (o - e) / e, ++bins;
      }
    }
    if (pooled_e > 0.0) chi2 += (pooled_o - pooled_e) * (pooled_o - pooled_e) / pooled_e, ++bins;
    ASSERT_GE(bins, 4) << d.name;
    EXPECT_LT(chi2, chi_square_999(bins - 1)) << d.name << ": chi-square over " << bins << " bins";
  }
}

TEST_F(CudaSamplingTest, AwkwardSizesAndUnalignedRows) {
  std::mt19937_64 rng(14);
  for (int64_t vocab : {1, 3, 63, 65, 100, 2049, 4097}) {
    for (int64_t pad : {0, 1, 3}) {
      std::vector<Case> cases;
      for (size_t r = 0; r < kConfigs.size(); ++r) {
        const Config& cfg = kConfigs[r];
        Case c = make_case(cfg, 0, vocab, rng);
        if (r == 0) c.params.temperature = 0.0f;
        c.params.logprobs = std::min<int32_t>(static_cast<int32_t>(vocab), 5);
        cases.push_back(std::move(c));
      }
      const GpuOut g = run_gpu(cases, vocab, pad, stream_);
      for (size_t r = 0; r < cases.size(); ++r) {
        const SampleOutput cpu = run_cpu(cases[r]);
        ASSERT_EQ(g.error[r], kc::kSamplingOk) << describe(cases[r], vocab, r) << " pad " << pad;
        EXPECT_GE(g.token[r], 0) << describe(cases[r], vocab, r) << " pad " << pad;
        EXPECT_LT(g.token[r], vocab) << describe(cases[r], vocab, r) << " pad " << pad;
        if (g.token[r] < 0 || g.token[r] >= vocab) continue;
        // Where the walk order differs (top_p without an active top_k) only the logprobs are compared.
        if (token_exact(cases[r].params, vocab)) {
          EXPECT_EQ(g.token[r], cpu.token_id) << describe(cases[r], vocab, r) << " pad " << pad;
        }
        expect_logprobs_match(cases[r], cpu, g, r, vocab);
      }
    }
  }
}

TEST_F(CudaSamplingTest, BadRowsReportErrorsAndLeaveOthersIntact) {
  constexpr int64_t kVocab = 1000;
  std::mt19937_64 rng(15);
  std::vector<Case> cases(8);
  for (Case& c : cases) {
    c.logits = random_logits(kVocab, Kind::kNormal, rng);
    c.params.temperature = 0.9f;
    c.params.top_k = 50;
    c.params.logprobs = 2;
    c.params.seed = rng();
  }
  cases[1].logits[17] = std::numeric_limits<float>::quiet_NaN();
  cases[2].logits[999] = std::numeric_limits<float>::infinity();
  std::fill(cases[3].logits.begin(), cases[3].logits.end(), kNegInf);
  cases[4].output = {5, static_cast<int32_t>(kVocab)};  // checked even without penalties, as the CPU does
  cases[5].prompt = {-1};
  cases[5].params.repetition_penalty = 1.2f;
  cases[6].params.logprobs = kMaxTop + 1;
  const GpuOut g = run_gpu(cases, kVocab, 0, stream_);
  const int32_t expected[] = {kc::kSamplingOk,          kc::kSamplingNonFiniteLogit, kc::kSamplingNonFiniteLogit,
                              kc::kSamplingAllMasked,   kc::kSamplingBadTokenId,     kc::kSamplingBadTokenId,
                              kc::kSamplingBadLogprobs, kc::kSamplingOk};
  for (size_t r = 0; r < cases.size(); ++r) {
    EXPECT_EQ(g.error[r], expected[r]) << "row " << r << ": " << kc::sampling_error_message(g.error[r]);
    if (expected[r] != kc::kSamplingOk) {
      EXPECT_EQ(g.token[r], -1) << "row " << r;
      if (r != 6) {
        EXPECT_THROW(run_cpu(cases[r]), llmc::Error) << "row " << r << " is an error on the CPU too";
      }
      continue;
    }
    const SampleOutput cpu = run_cpu(cases[r]);
    EXPECT_EQ(g.token[r], cpu.token_id) << "row " << r;
    expect_logprobs_match(cases[r], cpu, g, r, kVocab);
  }
}

// Not a check: prints the time of one launch per mode (64 rows of a 128256 vocabulary, LLM-like rows), so
// a regression in the sampler's cost shows in the GPU test log.
TEST_F(CudaSamplingTest, TimingReport) {
  constexpr int64_t kVocab = 128256, kRows = 64;
  std::mt19937_64 rng(16);
  std::vector<float> logits(static_cast<size_t>(kVocab * kRows));
  for (int64_t r = 0; r < kRows; ++r) {
    const std::vector<float> row = random_logits(kVocab, Kind::kPeaked, rng);
    std::copy(row.begin(), row.end(), logits.begin() + r * kVocab);
  }
  struct Mode {
    const char* name;
    float temperature, top_p, min_p;
    int32_t top_k, logprobs;
  };
  DeviceBuffer d_logits(logits), token(kRows * 4), logprob(kRows * 4), top_ids(kRows * kMaxTop * 4),
      top_lp(kRows * kMaxTop * 4), error(kRows * 4), workspace(kc::sampling_workspace_bytes(kRows, kVocab));
  cudaEvent_t start, stop;
  check_cuda(cudaEventCreate(&start), "cudaEventCreate");
  check_cuda(cudaEventCreate(&stop), "cudaEventCreate");
  for (const Mode& m : {Mode{"greedy", 0.0f, 1.0f, 0.0f, 0, -1}, Mode{"greedy+logprobs 5", 0.0f, 1.0f, 0.0f, 0, 5},
                        Mode{"temperature", 0.8f, 1.0f, 0.0f, 0, -1}, Mode{"top_k 50", 0.8f, 1.0f, 0.0f, 50, -1},
                        Mode{"top_k 50 top_p 0.9", 0.8f, 0.9f, 0.0f, 50, -1},
                        Mode{"top_p 0.9", 0.8f, 0.9f, 0.0f, 0, -1}, Mode{"top_p 0.95 T 1.5", 1.5f, 0.95f, 0.0f, 0, -1},
                        Mode{"min_p 0.05 top_k 1000", 1.0f, 1.0f, 0.05f, 1000, -1}}) {
    std::vector<kc::DeviceSamplingRow> params(kRows);
    for (int64_t r = 0; r < kRows; ++r) {
      kc::DeviceSamplingRow& p = params[static_cast<size_t>(r)];
      p.temperature = m.temperature, p.top_p = m.top_p, p.min_p = m.min_p, p.top_k = m.top_k;
      p.num_logprobs = m.logprobs, p.seed = static_cast<uint64_t>(r);
    }
    DeviceBuffer d_params(params);
    auto launch = [&] {
      kc::sample_rows(d_logits.as<float>(), kVocab, kRows, kVocab, d_params.as<kc::DeviceSamplingRow>(), nullptr,
                      token.as<int32_t>(), logprob.as<float>(), top_ids.as<int32_t>(), top_lp.as<float>(), kMaxTop,
                      error.as<int32_t>(), workspace.get(), stream_);
    };
    launch();  // warm-up
    constexpr int kLaunches = 20;
    check_cuda(cudaEventRecord(start, stream_), "cudaEventRecord");
    for (int i = 0; i < kLaunches; ++i) launch();
    check_cuda(cudaEventRecord(stop, stream_), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0.0f;
    check_cuda(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    const std::vector<int32_t> errors = error.download_vector<int32_t>(kRows);
    EXPECT_EQ(std::count(errors.begin(), errors.end(), 0), kRows) << m.name;
    std::printf("sample_rows %-24s %lld x %lld: %8.1f us\n", m.name, static_cast<long long>(kRows),
                static_cast<long long>(kVocab), 1000.0 * ms / kLaunches);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

}  // namespace
}  // namespace llmc::cuda_test
