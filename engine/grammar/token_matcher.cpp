#include "engine/grammar/token_matcher.h"

#include <algorithm>
#include <cstring>

#include "common/check.h"

namespace llmc::grammar {

TokenMatcher::TokenMatcher(std::shared_ptr<const CompiledGrammar> grammar)
    : grammar_(std::move(grammar)), stacks_(grammar_->automaton()) {
  const Automaton& a = grammar_->automaton();
  std::vector<int32_t> start{stacks_.push(a.rule_start[static_cast<size_t>(a.root)], kStackRoot)};
  const CloseResult r = stacks_.close(start);
  push_state(start, r.ended, false);
}

void TokenMatcher::push_state(const std::vector<int32_t>& configs, bool can_end, bool terminated) {
  Checkpoint c;
  c.frames = stacks_.size();
  c.configs_at = saved_.size();
  c.count = static_cast<uint32_t>(configs.size());
  c.can_end = can_end;
  c.terminated = terminated;
  saved_.insert(saved_.end(), configs.begin(), configs.end());
  history_.push_back(c);
}

std::vector<int32_t> TokenMatcher::current() const {
  const Checkpoint& c = history_.back();
  return {saved_.begin() + static_cast<std::ptrdiff_t>(c.configs_at),
          saved_.begin() + static_cast<std::ptrdiff_t>(c.configs_at + c.count)};
}

bool TokenMatcher::run_bytes(const std::vector<int32_t>& from, std::string_view bytes, std::vector<int32_t>& out,
                             bool& ended) {
  ended = false;
  if (bytes.empty()) return false;
  scratch_a_ = from;
  for (char ch : bytes) {
    if (scratch_a_.empty()) return false;
    const CloseResult r = stacks_.advance(scratch_a_, static_cast<uint8_t>(ch), scratch_b_);
    ended = r.ended;
    std::swap(scratch_a_, scratch_b_);
  }
  out = scratch_a_;
  return !out.empty() || ended;
}

bool TokenMatcher::accept_bytes(std::string_view bytes) {
  if (is_terminated()) return false;
  const size_t mark = stacks_.size();
  std::vector<int32_t> next;
  bool ended = false;
  if (!run_bytes(current(), bytes, next, ended)) {
    stacks_.truncate(mark);
    return false;
  }
  push_state(next, ended, false);
  return true;
}

bool TokenMatcher::accept(int32_t token) {
  if (is_terminated() || token < 0 || token >= vocab().size()) return false;
  if (vocab().is_eos(token)) {
    if (!can_end()) return false;
    push_state({}, true, true);
    return true;
  }
  return accept_bytes(vocab().bytes(token));
}

void TokenMatcher::rollback(int32_t tokens) {
  LLMC_CHECK(tokens >= 0 && tokens <= num_accepted())
      << "token matcher: cannot roll back " << tokens << " tokens after " << num_accepted();
  history_.resize(history_.size() - static_cast<size_t>(tokens));
  const Checkpoint& c = history_.back();
  saved_.resize(c.configs_at + c.count);
  stacks_.truncate(c.frames);
}

void TokenMatcher::fill_mask(uint32_t* words) {
  const TokenVocabulary& v = vocab();
  const size_t n = static_cast<size_t>(v.mask_words());
  std::memset(words, 0, n * sizeof(uint32_t));
  auto set = [&](int32_t id) { words[static_cast<size_t>(id) >> 5] |= 1u << (id & 31); };
  auto test = [&](int32_t id) { return (words[static_cast<size_t>(id) >> 5] >> (id & 31)) & 1u; };
  if (!is_terminated()) {
    const std::vector<int32_t> configs = current();
    const MaskCache& cache = grammar_->masks();
    std::vector<int32_t> one(1);
    std::vector<int32_t> out;
    for (const int32_t f : configs) {
      const StateMask& m = cache.get(stacks_.frame(f).state);
      if (!m.accepted_words.empty()) {
        const uint32_t* src = m.accepted_words.data();
        for (size_t i = 0; i < n; ++i) words[i] |= src[i];
      } else {
        for (const int32_t id : m.accepted_ids) set(id);
      }
      // Context-dependent tokens: read them on the real stack.
      one[0] = f;
      for (const int32_t id : m.uncertain_ids) {
        if (test(id)) continue;
        const size_t mark = stacks_.size();
        bool ended = false;
        if (run_bytes(one, v.bytes(id), out, ended)) set(id);
        stacks_.truncate(mark);
      }
    }
  }
  if (can_end()) {
    for (const int32_t id : v.eos_ids()) set(id);
  }
}

}  // namespace llmc::grammar
