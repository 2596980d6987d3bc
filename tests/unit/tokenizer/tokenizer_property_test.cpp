// Properties over random inputs: decode(encode(s)) == s for the lossless tokenizers, and the incremental
// detokenizer over random id sequences (dense in partial UTF-8 bytes) emits only well-formed UTF-8 that adds
// up to the full decode.
#include <random>

#include <gtest/gtest.h>
#include <utf8proc.h>

#include "engine/tokenizer/incremental_detokenizer.h"
#include "tests/unit/tokenizer/tokenizer_test_data.h"

namespace llmc::test {
namespace {

void append_utf8(std::string& out, char32_t cp) {
  utf8proc_uint8_t buf[4];
  const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
}

// Independent of the tokenizer's own UTF-8 code: utf8proc's decoder rejects every ill-formed sequence.
bool well_formed(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    utf8proc_int32_t cp;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()) + i,
                                    static_cast<utf8proc_ssize_t>(s.size() - i), &cp);
    if (n <= 0) return false;
    i += static_cast<size_t>(n);
  }
  return true;
}

// Random text mixing ASCII, whitespace, digits, accents, combining marks, several scripts, emoji and random
// code points. Leaves out '<' (so no special-token string appears) and U+2581 (SentencePiece's space mark).
std::string random_text(std::mt19937& rng) {
  static const std::vector<std::pair<char32_t, char32_t>> ranges = {
      {0x20, 0x3B},     {0x3D, 0x7E},   {0x20, 0x20},     {0x0A, 0x0A},     {0x09, 0x0D},    {0xA0, 0xFF},
      {0x100, 0x24F},   {0x300, 0x36F}, {0x400, 0x4FF},   {0x600, 0x6FF},   {0x900, 0x97F},  {0xE00, 0xE7F},
      {0x3000, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0x1F300, 0x1FAFF}, {0x1, 0xD7FF}, {0xE000, 0x10FFFF}};
  std::uniform_int_distribution<int> length(0, 40);
  std::uniform_int_distribution<size_t> pick(0, ranges.size() - 1);
  std::string s;
  const int n = length(rng);
  for (int i = 0; i < n; ++i) {
    // ASCII words half the time, so merges and the word cache get exercised too.
    const auto [lo, hi] = (rng() % 2) ? ranges[0] : ranges[pick(rng)];
    char32_t cp = std::uniform_int_distribution<char32_t>(lo, hi)(rng);
    if (cp == '<' || cp == 0x2581 || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 'x';
    append_utf8(s, cp);
  }
  return s;
}

std::string nfc(const std::string& s) {
  utf8proc_uint8_t* out = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()));
  std::string r(reinterpret_cast<const char*>(out));
  std::free(out);
  return r;
}

class RoundTripTest : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTripTest, DecodeOfEncodeGivesTextBack) {
  const Tokenizer& tok = load_tokenizer(GetParam());
  std::mt19937 rng(1234);
  for (int i = 0; i < 1500; ++i) {
    std::string s = random_text(rng);
    // Qwen3 normalizes to NFC; NUL cannot go through utf8proc_NFC's C string.
    if (GetParam() == "qwen3") {
      s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
    }
    const std::string expected = GetParam() == "qwen3" ? nfc(s) : s;
    const auto ids = tok.encode(s, false);
    ASSERT_EQ(tok.decode(ids, false, false), expected) << "text " << nlohmann::json(s).dump();
    ASSERT_EQ(tok.decode(tok.encode(s, true), true, false), expected) << "text " << nlohmann::json(s).dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, RoundTripTest, ::testing::Values("llama3", "qwen3", "deepseek_v3", "mistral_v0_1"));

// Ids that decode to pieces of characters: single-byte tokens (byte-level models) or <0xXX> tokens.
std::vector<int32_t> byte_token_ids(const Tokenizer& tok) {
  std::vector<int32_t> ids;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    if (auto id = tok.token_to_id(name)) ids.push_back(*id);
  }
  if (!ids.empty()) return ids;
  // GPT-2's byte-to-character map, written out here: printable Latin-1 stands for itself, the rest from U+0100.
  int next = 0x100;
  for (int b = 0; b < 256; ++b) {
    const bool self = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    std::string s;
    append_utf8(s, static_cast<char32_t>(self ? b : next++));
    if (auto id = tok.token_to_id(s)) ids.push_back(*id);
  }
  return ids;
}

class IncrementalTest : public ::testing::TestWithParam<std::tuple<std::string, bool>> {};

TEST_P(IncrementalTest, PiecesAreValidAndAddUpToTheDecode) {
  const auto& [model, skip_special] = GetParam();
  const Tokenizer& tok = load_tokenizer(model);
  const auto bytes = byte_token_ids(tok);
  ASSERT_EQ(bytes.size(), 256u);
  const std::vector<int32_t> specials = {*tok.eos_token_id(), tok.vocab_size() - 1};
  std::mt19937 rng(99);
  const std::vector<int32_t> prompt = tok.encode("Here is a prompt ending in a word", true);
  for (int round = 0; round < 300; ++round) {
    std::vector<int32_t> out;
    const int n = std::uniform_int_distribution<int>(1, 60)(rng);
    for (int i = 0; i < n; ++i) {
      const int kind = static_cast<int>(rng() % 10);
      if (kind < 5) out.push_back(bytes[rng() % bytes.size()]);
      else if (kind == 5) out.push_back(specials[rng() % specials.size()]);
      else if (kind == 6) out.push_back(tok.vocab_size() + static_cast<int32_t>(rng() % 10));  // unknown id
      else out.push_back(static_cast<int32_t>(rng() % static_cast<uint32_t>(tok.vocab_size())));
    }
    const bool with_prompt = round % 2 == 1;
    IncrementalDetokenizer detok(tok, with_prompt ? std::span<const int32_t>(prompt) : std::span<const int32_t>(),
                                 skip_special);
    std::string streamed;
    for (const int32_t id : out) {
      const std::string piece = detok.push(id);
      ASSERT_TRUE(well_formed(piece)) << "round " << round;
      streamed += piece;
    }
    const std::string rest = detok.flush();
    ASSERT_TRUE(well_formed(rest));
    streamed += rest;
    std::string expected = tok.decode(out, skip_special, false);
    if (with_prompt) {
      std::vector<int32_t> all = prompt;
      all.insert(all.end(), out.begin(), out.end());
      const std::string full = tok.decode(all, skip_special, false);
      const std::string head = tok.decode(prompt, skip_special, false);
      ASSERT_EQ(full.substr(0, head.size()), head);
      expected = full.substr(head.size());
    }
    ASSERT_EQ(streamed, expected) << "round " << round;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, IncrementalTest,
                         ::testing::Combine(::testing::Values("llama3", "qwen3", "deepseek_v3", "mistral_v0_1"),
                                            ::testing::Bool()));

// A streamed reply to a chat prompt: the text arrives piece by piece and equals the batch decode.
TEST(IncrementalDetokenizer, StreamsEncodedTextBack) {
  for (const std::string model : {"llama3", "mistral_v0_1"}) {
    const Tokenizer& tok = load_tokenizer(model);
    const std::string reply = "Paris is the capital of France. 巴黎是法国的首都。 🇫🇷 Ça va ? Ünïcödé…";
    const auto prompt = tok.encode("What is the capital of France?", true);
    const auto ids = tok.encode(reply, false);
    IncrementalDetokenizer detok(tok, prompt, true);
    std::string streamed;
    int pieces = 0;
    for (const int32_t id : ids) {
      const std::string piece = detok.push(id);
      pieces += !piece.empty();
      streamed += piece;
    }
    streamed += detok.flush();
    // Mistral's first reply token "▁Paris" follows the prompt, so it streams with its space.
    EXPECT_EQ(streamed, model == "llama3" ? reply : " " + reply) << model;
    EXPECT_GT(pieces, 10) << model;
  }
}

}  // namespace
}  // namespace llmc::test
