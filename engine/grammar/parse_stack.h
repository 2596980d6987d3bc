// Runs an Automaton with stacks: the parse state after some bytes is a set of stacks ("configurations"), each
// a linked list of frames in an append-only arena (a frame is a state plus the frame below it). Several
// stacks are live at once where the grammar is ambiguous so far; they share their lower frames.
//
// close() expands configurations until each can read a byte: a state's call edges push the callee (its return
// state as the frame below), a final state pops to the frame below. Popping the bottom sentinel either
// completes the grammar (kStackRoot) or, for mask precomputation, returns to an unknown caller (kStackProbe).
// Frames are never modified, so a saved configuration set stays valid until the arena is truncated below it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/grammar/automaton.h"

namespace llmc::grammar {

inline constexpr int32_t kStackRoot = -1;
inline constexpr int32_t kStackProbe = -2;

struct StackFrame {
  int32_t state = 0;
  int32_t below = kStackRoot;  // frame index, or a sentinel
};

struct CloseResult {
  bool ended = false;        // some stack popped kStackRoot: the grammar may end here
  bool probe_ended = false;  // some stack popped kStackProbe: the probed rule may end here
};

class ParseStacks {
 public:
  explicit ParseStacks(const Automaton& a) : a_(&a) {}

  int32_t push(int32_t state, int32_t below);
  const StackFrame& frame(int32_t i) const { return frames_[static_cast<size_t>(i)]; }
  size_t size() const { return frames_.size(); }
  void truncate(size_t n) { frames_.resize(n); }
  const Automaton& automaton() const { return *a_; }

  // Replaces `frontier` (frames to expand) by the distinct configurations that can read a byte.
  // Throws llmc::Error when the grammar is so ambiguous that the set explodes.
  CloseResult close(std::vector<int32_t>& frontier);
  // `out` = close(every configuration of `from` after reading `byte`); `from` and `out` must differ.
  CloseResult advance(std::span<const int32_t> from, uint8_t byte, std::vector<int32_t>& out);

 private:
  const Automaton* a_;
  std::vector<StackFrame> frames_;
  std::vector<int32_t> work_;
  std::vector<std::pair<int32_t, int32_t>> seen_;
};

}  // namespace llmc::grammar
