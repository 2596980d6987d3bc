// Constrained decoding through the whole single-process serving path (engine loop, scheduler, in-process
// worker, model, CPU sampler) on the llama3-vocab fixture (random weights, Llama 3's 128k vocabulary and
// tokenizer): every constrained output that ends with EOS parses and validates against its schema (or matches
// its regex / choice), greedy and sampled, batched with unconstrained requests whose tokens must equal those of
// the same requests run without constrained neighbours; a tiny KV cache forces preemption, so resumed
// requests replay their tokens into fresh matchers.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "../engine/fixture_models.h"
#include "engine/tokenizer/tokenizer.h"
#include "runtime/head/engine_loop.h"
#include "runtime/worker/in_process_executor.h"
#include "runtime/worker/worker_setup.h"
#include "tests/unit/grammar/schema_validator.h"

namespace llmc::testing {
namespace {

std::filesystem::path tokenizer_dir() {
  if (const char* v = std::getenv("LLMC_TEST_DATA_BUILD")) return std::filesystem::path(v) / "tokenizers" / "llama3";
  return std::filesystem::path(LLMC_RUNTIME_TEST_DATA_BUILD) / "tokenizers" / "llama3";
}

struct Result {
  std::vector<int32_t> tokens;
  FinishReason finish = FinishReason::kNone;
};

class Engine {
 public:
  explicit Engine(int64_t num_kv_blocks = 0) {
    WorkerOptions w;
    w.model_dir = model_dir("llama3-vocab");
    w.tokenizer_dir = tokenizer_dir();
    w.max_model_len = 1024;
    w.num_kv_blocks = num_kv_blocks;
    w.kv_cache_bytes = int64_t{64} << 20;
    config_ = ModelConfig::from_file(w.model_dir / "config.json");
    worker_ = std::make_unique<Worker>(w, config_, single_process_shard(config_), tp_, nullptr, true);
    EngineConfig c;
    c.scheduler.max_num_batched_tokens = 2048;
    c.scheduler.max_model_len = 1024;
    c.scheduler.eos_token_ids = {128001, 128008, 128009};
    c.vocab_size = static_cast<int32_t>(config_.vocab_size);
    c.seed = 7;
    loop_ = std::make_unique<EngineLoop>(c, static_cast<int32_t>(worker_->num_kv_blocks()),
                                         std::make_unique<InProcessExecutor>(worker_->take_runner()));
    loop_->start();
  }
  ~Engine() { loop_->stop(); }
  uint64_t preemptions() const { return loop_->metrics().num_preemptions; }

  std::vector<Result> run(const std::vector<std::vector<int32_t>>& prompts, const std::vector<SamplingParams>& params) {
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<Result> out(prompts.size());
    size_t remaining = prompts.size();
    for (size_t i = 0; i < prompts.size(); ++i) {
      GenerationRequest r;
      r.prompt_token_ids = prompts[i];
      r.sampling = params[i];
      r.detokenize = false;
      loop_->submit(r, [&, i](RequestOutput o) {
        std::lock_guard lock(mutex);
        for (const auto& s : o.sequences) {
          out[i].tokens.insert(out[i].tokens.end(), s.token_ids.begin(), s.token_ids.end());
          if (s.finish_reason != FinishReason::kNone) out[i].finish = s.finish_reason;
        }
        if (o.finished && --remaining == 0) cv.notify_all();
      });
    }
    std::unique_lock lock(mutex);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::minutes(5), [&] { return remaining == 0; })) << "requests hung";
    return out;
  }

 private:
  ModelConfig config_;
  SingleRankCommunicator tp_;
  std::unique_ptr<Worker> worker_;
  std::unique_ptr<EngineLoop> loop_;
};

const Tokenizer& tokenizer() {
  static const auto t = Tokenizer::from_dir(tokenizer_dir());
  return *t;
}

const std::vector<std::string> kSchemas = {
    R"({"type":"array","items":{"type":"integer","minimum":0,"maximum":99},"minItems":1,"maxItems":3})",
    R"({"type":"object","properties":{"ok":{"type":"boolean"},"level":{"enum":["low","mid","high"]},
       "n":{"type":"integer","minimum":-5,"maximum":5}},"required":["ok","level"],"additionalProperties":false})",
    R"({"type":"object","properties":{"tag":{"type":"string","maxLength":4},"pair":{"type":"array","prefixItems":[{"type":"null"},{"const":"x"}],"items":false}},
       "required":["tag","pair"]})",
};

SamplingParams params_for(size_t i, bool sampled, bool constrained, int32_t plain_tokens) {
  SamplingParams p;
  p.temperature = sampled ? 1.0f : 0.0f;
  p.seed = 100 + i;
  p.user_seeded = true;  // the same draws whatever else the engine runs
  p.max_tokens = constrained ? 300 : plain_tokens;
  p.ignore_eos = !constrained;
  return p;
}

// Runs the mix: request i < kSchemas.size() is constrained by schema i, then a regex and a choice, then
// unconstrained ones. Checks every constrained output.
void check_mix(bool sampled, int64_t num_kv_blocks) {
  std::vector<std::vector<int32_t>> prompts;
  std::vector<SamplingParams> params;
  for (size_t i = 0; i < kSchemas.size() + 6; ++i) {
    prompts.push_back(tokenizer().encode("Question " + std::to_string(i) + ": reply in JSON.\n", false));
  }
  const size_t regex_at = kSchemas.size();
  const size_t choice_at = regex_at + 1;
  const size_t plain_from = choice_at + 1;
  // With a small cache, long unconstrained outputs crowd the constrained requests out (preemption).
  const int32_t plain_tokens = num_kv_blocks > 0 ? 120 : 48;
  for (size_t i = 0; i < prompts.size(); ++i) params.push_back(params_for(i, sampled, i < plain_from, plain_tokens));
  for (size_t i = 0; i < kSchemas.size(); ++i) params[i].constraint = ConstraintSpec{ConstraintKind::kJsonSchema, kSchemas[i], false};
  params[regex_at].constraint = ConstraintSpec{ConstraintKind::kRegex, "[A-Z][a-z]{1,6}-[0-9]{2}", false};
  params[choice_at].constraint = ConstraintSpec{ConstraintKind::kChoice, R"(["alpha", "beta", "gamma"])", false};

  std::vector<Result> alone;
  {
    Engine e;
    std::vector<std::vector<int32_t>> plain_prompts(prompts.begin() + static_cast<std::ptrdiff_t>(plain_from), prompts.end());
    std::vector<SamplingParams> plain_params(params.begin() + static_cast<std::ptrdiff_t>(plain_from), params.end());
    alone = e.run(plain_prompts, plain_params);
  }
  Engine engine(num_kv_blocks);
  const std::vector<Result> mixed = engine.run(prompts, params);
  int validated = 0;
  for (size_t i = 0; i < plain_from; ++i) {
    const Result& r = mixed[i];
    ASSERT_FALSE(r.tokens.empty()) << "request " << i;
    if (r.finish != FinishReason::kStop) continue;  // ran out of tokens: nothing whole to check
    ++validated;
    std::vector<int32_t> body(r.tokens.begin(), r.tokens.end() - 1);  // the EOS is included
    const std::string text = tokenizer().decode(body, false, false);
    if (i < kSchemas.size()) {
      const auto schema = test::SchemaValidator::Json::parse(kSchemas[i]);
      test::SchemaValidator::Json value;
      ASSERT_NO_THROW(value = test::SchemaValidator::Json::parse(text)) << "request " << i << ": " << text;
      EXPECT_EQ(test::SchemaValidator(schema).check(value), "") << "request " << i << ": " << text;
    } else if (i == regex_at) {
      EXPECT_TRUE(text.size() >= 5 && text[0] >= 'A' && text[0] <= 'Z' && text[text.size() - 3] == '-') << text;
    } else {
      EXPECT_TRUE(text == "alpha" || text == "beta" || text == "gamma") << text;
    }
  }
  EXPECT_GE(validated, static_cast<int>(plain_from) - 1) << "too few constrained requests ended";
  if (num_kv_blocks > 0) {
    EXPECT_GT(engine.preemptions(), 0u) << "the small cache did not force a preemption";
  }
  for (size_t i = plain_from; i < prompts.size(); ++i) {
    EXPECT_EQ(mixed[i].tokens, alone[i - plain_from].tokens) << "unconstrained request " << i << " changed";
  }
}

TEST(ConstrainedE2E, GreedyOutputsValidateAndNeighboursAreUnchanged) { check_mix(false, 0); }
TEST(ConstrainedE2E, SampledOutputsValidateAndNeighboursAreUnchanged) { check_mix(true, 0); }
TEST(ConstrainedE2E, PreemptedRequestsReplayIntoFreshMatchers) { check_mix(true, 24); }

}  // namespace
}  // namespace llmc::testing
