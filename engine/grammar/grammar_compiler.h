// Compiles constraints against one model vocabulary, once each: a GrammarCompiler holds the vocabulary's
// token bytes and trie, and a cache of compiled constraints keyed by the ConstraintSpec (least recently used
// entries are dropped beyond its capacity). A CompiledGrammar is immutable but for its lazily filled per-state
// mask cache (thread-safe), so every sequence under the same constraint shares one.
//
// Who calls it: the sampling worker (one compiler per loaded model), through TokenMatcher; the head may
// compile once at admission to turn a bad constraint into a 400 before the request is scheduled.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>

#include "engine/grammar/automaton.h"
#include "engine/grammar/constraint.h"
#include "engine/grammar/mask_cache.h"
#include "engine/grammar/token_trie.h"
#include "engine/grammar/token_vocabulary.h"

namespace llmc::grammar {

// The vocabulary and its trie, shared by every grammar compiled against them.
struct VocabIndex {
  explicit VocabIndex(TokenVocabulary v) : vocab(std::move(v)), trie(vocab) {}
  TokenVocabulary vocab;
  TokenTrie trie;
};

class CompiledGrammar {
 public:
  CompiledGrammar(ConstraintSpec spec, Automaton automaton, std::shared_ptr<const VocabIndex> index);
  const ConstraintSpec& spec() const { return spec_; }
  const Automaton& automaton() const { return automaton_; }
  const TokenVocabulary& vocab() const { return index_->vocab; }
  const MaskCache& masks() const { return masks_; }

 private:
  ConstraintSpec spec_;
  Automaton automaton_;
  std::shared_ptr<const VocabIndex> index_;
  MaskCache masks_;
};

class GrammarCompiler {
 public:
  // `background`: a thread computes each newly compiled grammar's per-state masks ahead of use, so that the
  // sampling path rarely meets a state whose mask it must compute first (milliseconds for a state inside a
  // string on a 128k vocabulary). Grammars of more than kMaxBackgroundStates states are left to first use.
  explicit GrammarCompiler(TokenVocabulary vocab, size_t cache_capacity = 256, bool background = true);
  ~GrammarCompiler();
  GrammarCompiler(const GrammarCompiler&) = delete;
  GrammarCompiler& operator=(const GrammarCompiler&) = delete;
  static constexpr int32_t kMaxBackgroundStates = 50000;

  // Thread-safe. Throws llmc::Error for a constraint that does not compile (the message names what is wrong).
  std::shared_ptr<const CompiledGrammar> compile(const ConstraintSpec& spec);
  const TokenVocabulary& vocab() const { return index_->vocab; }
  size_t cache_size() const;
  size_t cache_hits() const;

 private:
  using Key = std::tuple<ConstraintKind, std::string, bool>;
  std::shared_ptr<const VocabIndex> index_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<Key> lru_;  // most recent first
  std::map<Key, std::pair<std::shared_ptr<const CompiledGrammar>, std::list<Key>::iterator>> cache_;
  size_t hits_ = 0;
  // Grammars waiting for their masks; weak, so an evicted grammar that no sequence uses is skipped.
  std::mutex queue_mu_;
  std::condition_variable_any queue_cv_;
  std::deque<std::weak_ptr<const CompiledGrammar>> queue_;
  std::jthread background_;  // last: stopped and joined before the members it reads go
};

}  // namespace llmc::grammar
