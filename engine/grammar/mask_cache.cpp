#include "engine/grammar/mask_cache.h"

#include <algorithm>

#include "common/check.h"
#include "engine/grammar/parse_stack.h"

namespace llmc::grammar {
namespace {

// One walk of the trie from a single state.
class StateWalk {
 public:
  StateWalk(const Automaton& a, const TokenTrie& trie, int32_t state)
      : a_(a), trie_(trie), stacks_(a), follow_(a.follow[static_cast<size_t>(a.state_rule[static_cast<size_t>(state)])]) {
    const RuleId rule = a.state_rule[static_cast<size_t>(state)];
    const bool caller_known = rule == a.root && !a.rule_called[static_cast<size_t>(rule)];
    start_ = stacks_.push(state, caller_known ? kStackRoot : kStackProbe);
  }

  void run(std::vector<int32_t>& accepted, std::vector<int32_t>& uncertain) {
    accepted_ = &accepted;
    uncertain_ = &uncertain;
    levels_.resize(static_cast<size_t>(trie_.max_depth()) + 2);  // never resized during the walk
    levels_[0].assign(1, start_);
    visit(0, 0, CloseResult{}, false);
  }

 private:
  // `node` has been read; levels_[depth] holds the configurations after it.
  void visit(int32_t node, size_t depth, CloseResult flags, bool uncertain) {
    const std::vector<int32_t>& here = levels_[depth];
    const bool live = !here.empty() || flags.ended || flags.probe_ended;
    if (node != 0) {
      for (int32_t id : trie_.tokens_at(node)) {
        if (live) {
          accepted_->push_back(id);
        } else if (uncertain) {
          uncertain_->push_back(id);
        }
      }
    }
    const int32_t stop = trie_.end(node);
    for (int32_t child = node + 1; child < stop; child = trie_.end(child)) {
      const uint8_t b = trie_.byte(child);
      const bool child_uncertain = uncertain || (flags.probe_ended && follow_.test(b));
      if (here.empty()) {
        if (!child_uncertain) continue;
        const auto below = trie_.tokens_below(child);
        uncertain_->insert(uncertain_->end(), below.begin(), below.end());
        continue;
      }
      const size_t mark = stacks_.size();
      const CloseResult next = stacks_.advance(levels_[depth], b, levels_[depth + 1]);
      if (levels_[depth + 1].empty() && !next.ended && !next.probe_ended && !child_uncertain) {
        stacks_.truncate(mark);
        continue;
      }
      visit(child, depth + 1, next, child_uncertain);
      stacks_.truncate(mark);
    }
  }

  const Automaton& a_;
  const TokenTrie& trie_;
  ParseStacks stacks_;
  ByteSet follow_;
  int32_t start_ = 0;
  std::vector<std::vector<int32_t>> levels_;
  std::vector<int32_t>* accepted_ = nullptr;
  std::vector<int32_t>* uncertain_ = nullptr;
};

}  // namespace

MaskCache::MaskCache(const Automaton& a, const TokenVocabulary& vocab, const TokenTrie& trie)
    : a_(a), vocab_(vocab), trie_(trie), slots_(new std::atomic<StateMask*>[static_cast<size_t>(a.num_states)]) {
  for (int32_t s = 0; s < a.num_states; ++s) slots_[static_cast<size_t>(s)].store(nullptr, std::memory_order_relaxed);
}

MaskCache::~MaskCache() {
  for (int32_t s = 0; s < a_.num_states; ++s) delete slots_[static_cast<size_t>(s)].load(std::memory_order_relaxed);
}

StateMask MaskCache::compute(int32_t state) const {
  StateMask m;
  std::vector<int32_t> accepted;
  StateWalk(a_, trie_, state).run(accepted, m.uncertain_ids);
  m.num_accepted = accepted.size();
  const size_t words = static_cast<size_t>(vocab_.mask_words());
  if (accepted.size() > words) {
    m.accepted_words.assign(words, 0);
    for (int32_t id : accepted) m.accepted_words[static_cast<size_t>(id) >> 5] |= 1u << (id & 31);
  } else {
    std::sort(accepted.begin(), accepted.end());
    m.accepted_ids = std::move(accepted);
  }
  return m;
}

const StateMask& MaskCache::get(int32_t state) const {
  LLMC_CHECK(state >= 0 && state < a_.num_states && a_.scans[static_cast<size_t>(state)])
      << "mask cache: state " << state << " reads no byte";
  std::atomic<StateMask*>& slot = slots_[static_cast<size_t>(state)];
  if (StateMask* m = slot.load(std::memory_order_acquire)) return *m;
  auto fresh = std::make_unique<StateMask>(compute(state));
  StateMask* expected = nullptr;
  if (slot.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel)) {
    computed_.fetch_add(1, std::memory_order_relaxed);
    return *fresh.release();
  }
  return *expected;
}

void MaskCache::compute_all(std::stop_token stop) const {
  for (int32_t s = 0; s < a_.num_states && !stop.stop_requested(); ++s) {
    if (a_.scans[static_cast<size_t>(s)]) get(s);
  }
}

}  // namespace llmc::grammar
