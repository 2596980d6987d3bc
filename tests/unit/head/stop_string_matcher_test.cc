// StopStringMatcher: stop strings across pieces never leak, false starts are released, trimming and inclusion.
#include "runtime/head/stop_string_matcher.h"

#include <gtest/gtest.h>

#include "common/check.h"

namespace llmc {
namespace {

// Feeds pieces one by one and returns what was emitted after each.
std::vector<std::string> feed(StopStringMatcher& m, const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.push_back(m.push(p));
  return out;
}

TEST(StopStringMatcherTest, StopSpanningPiecesIsHeldBackAndTrimmed) {
  StopStringMatcher m({"STOP"}, false);
  EXPECT_EQ(feed(m, {"hello S", "T", "OP and more"}), (std::vector<std::string>{"hello ", "", ""}));
  ASSERT_TRUE(m.matched().has_value());
  EXPECT_EQ(*m.matched(), "STOP");
  EXPECT_EQ(m.push("after"), "") << "nothing after a match";
}

TEST(StopStringMatcherTest, IncludeStopStringKeepsItAndDropsTheRest) {
  StopStringMatcher m({"STOP"}, true);
  EXPECT_EQ(feed(m, {"ab ST", "OP tail"}), (std::vector<std::string>{"ab ", "STOP"}));
}

TEST(StopStringMatcherTest, FalseStartIsReleasedOnceItCannotMatch) {
  StopStringMatcher m({"STOP"}, false);
  EXPECT_EQ(feed(m, {"ST", "ART", "!"}), (std::vector<std::string>{"", "START", "!"}));
  EXPECT_FALSE(m.matched().has_value());
  // "SST": the first S cannot start the stop, "ST" still can.
  StopStringMatcher m2({"STOP"}, false);
  EXPECT_EQ(feed(m2, {"SST"}), (std::vector<std::string>{"S"}));
  EXPECT_EQ(m2.flush(), "ST");
}

TEST(StopStringMatcherTest, EarliestMatchWinsAndOnlyTheLongestLivePrefixIsHeld) {
  StopStringMatcher m({"cd", "abcdef"}, false);
  EXPECT_EQ(m.push("xxabc"), "xx") << "'abc' may still become 'abcdef' (or hold 'c' of 'cd')";
  EXPECT_EQ(m.push("d"), "ab") << "'cd' completes first and starts earliest";
  EXPECT_EQ(*m.matched(), "cd");
}

TEST(StopStringMatcherTest, UncheckedPiecesNeverMatchButStillHoldPrefixes) {
  StopStringMatcher m({"STOP"}, false);
  EXPECT_EQ(m.push("STOP!", /*check=*/false), "STOP!") << "below min_tokens a stop string is plain text";
  EXPECT_EQ(m.push("x ST", /*check=*/false), "x ");
  EXPECT_EQ(m.push("OP", /*check=*/true), "") << "the stop completes once checks are on";
  EXPECT_EQ(*m.matched(), "STOP");
}

TEST(StopStringMatcherTest, MultiByteStopStringsMatchOnCharacterBoundaries) {
  StopStringMatcher m({"\xE2\x82\xAC"}, false);  // "€"
  EXPECT_EQ(m.push("price: 5\xE2\x82"), "price: 5");
  EXPECT_EQ(m.push("\xAC more"), "");
  EXPECT_TRUE(m.matched().has_value());
}

TEST(StopStringMatcherTest, NoStopsPassesEverythingThrough) {
  StopStringMatcher m;
  EXPECT_EQ(m.push("anything"), "anything");
  EXPECT_EQ(m.flush(), "");
  EXPECT_THROW(StopStringMatcher({""}, false), Error);
}

}  // namespace
}  // namespace llmc
