// Per-state token masks, computed once per (compiled grammar, state) and shared by every sequence: the
// adaptive mask cache of XGrammar (Dong et al., 2024), over this module's automata.
//
// For a state s that reads bytes, walk the token trie from s alone, with the stack below s unknown
// (kStackProbe). A token is
//   - accepted when some path reads all of its bytes without popping below s (true whatever the stack);
//   - uncertain when some path pops below s with bytes left and the next byte can follow s's rule somewhere
//     (Automaton::follow); only the real stack can decide, so the matcher re-checks these at run time;
//   - rejected otherwise.
// In s of the root rule that nothing calls, popping below s ends the grammar: tokens with bytes left are
// rejected outright. Dense accepted sets are kept as bitmasks, sparse ones as id lists.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <vector>

#include "engine/grammar/automaton.h"
#include "engine/grammar/token_trie.h"
#include "engine/grammar/token_vocabulary.h"

namespace llmc::grammar {

struct StateMask {
  std::vector<uint32_t> accepted_words;  // [mask words] when dense, else empty
  std::vector<int32_t> accepted_ids;     // when sparse
  std::vector<int32_t> uncertain_ids;
  size_t num_accepted = 0;
};

class MaskCache {
 public:
  MaskCache(const Automaton& a, const TokenVocabulary& vocab, const TokenTrie& trie);
  ~MaskCache();
  MaskCache(const MaskCache&) = delete;
  MaskCache& operator=(const MaskCache&) = delete;

  // The mask of a state that reads bytes; computed on first use. Safe to call from several threads (two
  // threads may compute the same state once each; one result is kept).
  const StateMask& get(int32_t state) const;
  // Computes every reading state's mask now, in state order (breadth-first from each rule's start, so the
  // states generation meets first come first), until `stop` is requested.
  void compute_all(std::stop_token stop = {}) const;
  int32_t num_computed() const { return computed_.load(std::memory_order_relaxed); }

 private:
  StateMask compute(int32_t state) const;

  const Automaton& a_;
  const TokenVocabulary& vocab_;
  const TokenTrie& trie_;
  mutable std::unique_ptr<std::atomic<StateMask*>[]> slots_;
  mutable std::atomic<int32_t> computed_{0};
};

}  // namespace llmc::grammar
