// One sequence's position in its constraint: which tokens may come next (a bitmask over the vocabulary) and
// how the constraint advances with each sampled token. Not thread-safe: one per sequence; many matchers may
// share a CompiledGrammar across threads.
//
// The mask of a step is the union, over the live parse stacks, of the cached per-state masks (mask_cache.h)
// plus the state's context-dependent tokens checked against the real stack. EOS ids are allowed exactly when
// the text so far is complete; accepting EOS terminates the matcher. Special tokens are never allowed.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/grammar/grammar_compiler.h"
#include "engine/grammar/parse_stack.h"

namespace llmc::grammar {

class TokenMatcher {
 public:
  explicit TokenMatcher(std::shared_ptr<const CompiledGrammar> grammar);

  // words[vocab().mask_words()]: bit i (word i / 32, bit i % 32) set iff token i may come next. After
  // termination only the EOS ids are set.
  void fill_mask(uint32_t* words);
  // Advances by one token; false, and nothing changes, when the token is not allowed.
  bool accept(int32_t token);
  // Advances by raw bytes (all or nothing), for tests and for forcing text.
  bool accept_bytes(std::string_view bytes);
  // Undoes the last `tokens` accepted tokens (EOS included); at most num_accepted().
  void rollback(int32_t tokens);

  bool is_terminated() const { return history_.back().terminated; }
  // The text so far is a complete match (EOS would be accepted).
  bool can_end() const { return history_.back().can_end; }
  int32_t num_accepted() const { return static_cast<int32_t>(history_.size()) - 1; }
  const CompiledGrammar& grammar() const { return *grammar_; }
  const TokenVocabulary& vocab() const { return grammar_->vocab(); }

 private:
  struct Checkpoint {
    size_t frames = 0;      // arena size once this state was reached
    size_t configs_at = 0;  // its configurations: saved_[configs_at, configs_at + count)
    uint32_t count = 0;
    bool can_end = false;
    bool terminated = false;
  };
  // Reads `bytes` from `from`; true when some parse survives (then `out` holds it).
  bool run_bytes(const std::vector<int32_t>& from, std::string_view bytes, std::vector<int32_t>& out, bool& ended);
  std::vector<int32_t> current() const;
  void push_state(const std::vector<int32_t>& configs, bool can_end, bool terminated);

  std::shared_ptr<const CompiledGrammar> grammar_;
  ParseStacks stacks_;
  std::vector<int32_t> saved_;
  std::vector<Checkpoint> history_;
  std::vector<int32_t> scratch_a_;
  std::vector<int32_t> scratch_b_;
};

}  // namespace llmc::grammar
