// Fixture for EngineLoop tests: a FakeExecutor, the toy detokenizer, and per-request accumulation of outputs.
// TearDown drains the engine and checks that every block is free (or only cached).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "runtime/head/engine_loop.h"
#include "tests/unit/head/fake_executor.h"
#include "tests/unit/head/toy_text_stream.h"

namespace llmc::test {

inline int32_t letter(char c) { return kToyLetterA + (c - 'a'); }

inline std::vector<int32_t> letters(const std::string& s) {
  std::vector<int32_t> ids;
  for (char c : s) ids.push_back(c == ' ' ? kToySpace : letter(c));
  return ids;
}

// Output tokens by request id (index = output position); past the script, "z".
inline Sampler scripted(int32_t prompt_len, std::map<RequestId, std::vector<int32_t>> script) {
  return [prompt_len, script](RequestId id, int32_t position) {
    const auto it = script.find(id);
    const auto i = static_cast<size_t>(position - prompt_len);
    if (it != script.end() && i < it->second.size()) return it->second[i];
    return letter('z');
  };
}

struct Seen {
  std::vector<RequestOutput> outputs;
  std::map<int32_t, std::vector<int32_t>> tokens;
  std::map<int32_t, std::string> text;
  std::map<int32_t, FinishReason> finish;
  std::map<int32_t, std::variant<std::monostate, int32_t, std::string>> stop_reason;
  std::map<int32_t, size_t> num_logprobs;
  bool finished = false;
};

class EngineTest : public ::testing::Test {
 protected:
  EngineLoop& make(EngineConfig c, int32_t num_blocks, Sampler sampler = default_token) {
    auto executor = std::make_unique<FakeExecutor>(num_blocks, c.scheduler.block_size, std::move(sampler));
    executor_ = executor.get();
    num_blocks_ = num_blocks;
    engine_ = std::make_unique<EngineLoop>(std::move(c), num_blocks, std::move(executor));
    return *engine_;
  }

  static EngineConfig config() {
    EngineConfig c;
    c.scheduler.block_size = 4;
    c.scheduler.max_num_batched_tokens = 64;
    c.scheduler.max_num_seqs = 16;
    c.scheduler.max_model_len = 128;
    c.scheduler.eos_token_ids = {kToyEos};
    c.text_streams = toy_text_streams();
    c.seed = 99;
    return c;
  }

  static GenerationRequest request(std::vector<int32_t> prompt_ids, int32_t max_tokens) {
    GenerationRequest r;
    r.prompt_token_ids = std::move(prompt_ids);
    r.sampling.max_tokens = max_tokens;
    r.sampling.seed = 7;
    r.sampling.user_seeded = true;
    return r;
  }

  RequestId submit(GenerationRequest r) {
    auto seen = std::make_shared<Seen>();
    const RequestId id = engine_->submit(std::move(r), [seen](RequestOutput o) {
      EXPECT_FALSE(seen->finished) << "output after the final one";
      for (const SequenceDelta& d : o.sequences) {
        auto& toks = seen->tokens[d.index];
        toks.insert(toks.end(), d.token_ids.begin(), d.token_ids.end());
        seen->text[d.index] += d.text;
        seen->num_logprobs[d.index] += d.logprobs.size();
        if (d.finish_reason != FinishReason::kNone) {
          EXPECT_EQ(seen->finish.count(d.index), 0u) << "sequence " << d.index << " finished twice";
          seen->finish[d.index] = d.finish_reason;
          seen->stop_reason[d.index] = d.stop_reason;
        }
      }
      seen->finished = o.finished;
      seen->outputs.push_back(std::move(o));
    });
    seen_[id] = seen;
    return id;
  }

  Seen& seen(RequestId id) { return *seen_.at(id); }

  void run_until_idle(int max_steps = 2000) {
    for (int i = 0; i < max_steps && !engine_->idle(); ++i) engine_->step(std::chrono::milliseconds(0));
    EXPECT_TRUE(engine_->idle()) << "engine still busy after " << max_steps << " steps";
  }

  void TearDown() override {
    if (!engine_) return;
    if (!engine_->dead()) run_until_idle();
    EXPECT_EQ(engine_->scheduler().kv().pool().num_free_blocks(), num_blocks_) << "leaked KV blocks";
    EXPECT_NO_THROW(engine_->scheduler().kv().pool().check_invariants());
    for (const auto& [id, s] : seen_) EXPECT_TRUE(s->finished) << "request " << id << " never got a final output";
  }

  std::unique_ptr<EngineLoop> engine_;
  FakeExecutor* executor_ = nullptr;
  int32_t num_blocks_ = 0;
  std::map<RequestId, std::shared_ptr<Seen>> seen_;
};

}  // namespace llmc::test
