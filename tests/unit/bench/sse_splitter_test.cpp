// SseSplitter: messages come out whole however the bytes were cut.
#include "bench/llm_bench/sse_splitter.h"

#include <gtest/gtest.h>

namespace llmc::bench {
namespace {

const std::string kStream =
    ": ping\n\n"
    "data: {\"a\":1}\n\n"
    "data: {\"b\":2}\r\n\r\n"
    "event: message\ndata: first\ndata: second\n\n"
    "data: [DONE]\n\n";
const std::vector<std::string> kMessages{"{\"a\":1}", "{\"b\":2}", "first\nsecond", "[DONE]"};

TEST(LlmBenchSseSplitter, WholeStream) {
  SseSplitter s;
  EXPECT_EQ(s.feed(kStream), kMessages);
  EXPECT_FALSE(s.has_partial());
}

TEST(LlmBenchSseSplitter, EveryCutPointGivesTheSameMessages) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    SseSplitter s;
    std::vector<std::string> got = s.feed(kStream.substr(0, cut));
    for (std::string& m : s.feed(kStream.substr(cut))) got.push_back(std::move(m));
    EXPECT_EQ(got, kMessages) << "cut at " << cut;
  }
}

TEST(LlmBenchSseSplitter, ByteByByte) {
  SseSplitter s;
  std::vector<std::string> got;
  for (char c : kStream) {
    for (std::string& m : s.feed(std::string(1, c))) got.push_back(std::move(m));
  }
  EXPECT_EQ(got, kMessages);
}

TEST(LlmBenchSseSplitter, UnfinishedMessageWaits) {
  SseSplitter s;
  EXPECT_TRUE(s.feed("data: {\"a\":").empty());
  EXPECT_TRUE(s.has_partial());
  EXPECT_EQ(s.feed("1}\n\n"), std::vector<std::string>{"{\"a\":1}"});
}

}  // namespace
}  // namespace llmc::bench
