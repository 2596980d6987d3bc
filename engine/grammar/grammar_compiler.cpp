#include "engine/grammar/grammar_compiler.h"

#include "engine/grammar/constraint_grammar.h"

namespace llmc::grammar {

CompiledGrammar::CompiledGrammar(ConstraintSpec spec, Automaton automaton, std::shared_ptr<const VocabIndex> index)
    : spec_(std::move(spec)), automaton_(std::move(automaton)), index_(std::move(index)),
      masks_(automaton_, index_->vocab, index_->trie) {}

GrammarCompiler::GrammarCompiler(TokenVocabulary vocab, size_t cache_capacity, bool background)
    : index_(std::make_shared<const VocabIndex>(std::move(vocab))), capacity_(std::max<size_t>(cache_capacity, 1)) {
  if (!background) return;
  background_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      std::shared_ptr<const CompiledGrammar> next;
      {
        std::unique_lock lock(queue_mu_);
        if (!queue_cv_.wait(lock, stop, [this] { return !queue_.empty(); })) return;
        next = queue_.front().lock();
        queue_.pop_front();
      }
      if (next) next->masks().compute_all(stop);
    }
  });
}

GrammarCompiler::~GrammarCompiler() = default;

std::shared_ptr<const CompiledGrammar> GrammarCompiler::compile(const ConstraintSpec& spec) {
  const Key key{spec.kind, spec.text, spec.strict};
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      ++hits_;
      return it->second.first;
    }
  }
  // Compiled outside the lock: one slow constraint does not hold up the others.
  auto compiled = std::make_shared<const CompiledGrammar>(spec, build_automaton(constraint_grammar(spec)), index_);
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second.first;  // another thread was first
  lru_.push_front(key);
  cache_.emplace(key, std::make_pair(compiled, lru_.begin()));
  while (cache_.size() > capacity_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  if (background_.joinable() && compiled->automaton().num_states <= kMaxBackgroundStates) {
    {
      std::lock_guard q(queue_mu_);
      queue_.push_back(compiled);
    }
    queue_cv_.notify_one();
  }
  return compiled;
}

size_t GrammarCompiler::cache_size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cache_.size();
}

size_t GrammarCompiler::cache_hits() const {
  std::lock_guard<std::mutex> lock(mu_);
  return hits_;
}

}  // namespace llmc::grammar
