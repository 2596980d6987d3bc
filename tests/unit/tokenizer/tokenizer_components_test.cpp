// Components against the examples in the Hugging Face tokenizers documentation and against small
// hand-worked BPE cases (unk fusing, byte fallback, ignore_merges, added-token stripping).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include <utf8proc.h>

#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/regex.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/utf8.h"

namespace llmc {
namespace {

using nlohmann::json;
using Words = std::vector<std::string>;

Words pre_tokenize(const json& spec, const std::string& text) {
  const auto pre = make_pre_tokenizer(spec, "test");
  PieceList list{text, {Piece{0, static_cast<uint32_t>(text.size()), true}}};
  PieceList scratch;
  pre->pre_tokenize(list, scratch);
  Words words;
  for (const Piece& p : list.pieces) words.emplace_back(list.view(p));
  return words;
}

json split_on_dash(const char* behavior) {
  return {{"type", "Split"}, {"pattern", {{"String", "-"}}}, {"behavior", behavior}, {"invert", false}};
}

// The example of tokenizers' SplitDelimiterBehavior documentation.
TEST(PreTokenizers, SplitBehaviors) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(pre_tokenize(split_on_dash("Removed"), text), (Words{"the", "final", "countdown"}));
  EXPECT_EQ(pre_tokenize(split_on_dash("Isolated"), text), (Words{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(pre_tokenize(split_on_dash("MergedWithPrevious"), text), (Words{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(pre_tokenize(split_on_dash("MergedWithNext"), text), (Words{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(pre_tokenize(split_on_dash("Contiguous"), text), (Words{"the", "-", "final", "--", "countdown"}));
  json inverted = split_on_dash("Removed");
  inverted["invert"] = true;
  EXPECT_EQ(pre_tokenize(inverted, text), (Words{"-", "-", "-"}));
}

TEST(PreTokenizers, DocumentationExamples) {
  const std::string text = "Hey friend!     How are you?!?";
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, text), (Words{"Hey", "friend", "!", "How", "are", "you", "?!?"}));
  EXPECT_EQ(pre_tokenize({{"type", "BertPreTokenizer"}}, text),
            (Words{"Hey", "friend", "!", "How", "are", "you", "?", "!", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "WhitespaceSplit"}}, text), (Words{"Hey", "friend!", "How", "are", "you?!?"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "Call 123 please"),
            (Words{"Call ", "1", "2", "3", " please"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "Call 123 please"),
            (Words{"Call ", "123", " please"}));
  EXPECT_EQ(pre_tokenize({{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}},
                         "Hey friend!"),
            (Words{"\xE2\x96\x81Hey", "\xE2\x96\x81" "friend!"}));
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}},
                         "Hello my friend, how is your day going?"),
            (Words{"\xC4\xA0Hello", "\xC4\xA0my", "\xC4\xA0" "friend", ",", "\xC4\xA0how", "\xC4\xA0is",
                   "\xC4\xA0your", "\xC4\xA0" "day", "\xC4\xA0going", "?"}));
}

TEST(PreTokenizers, MetaspaceFirstSchemeOnlyPrependsAtTheStart) {
  const auto run = [](const char* scheme) {
    const auto pre = make_pre_tokenizer(
        {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", scheme}}, "test");
    // Two pieces, as after an added token: only the first starts the input.
    PieceList list{"ab", {Piece{0, 1, true}, Piece{1, 2, false}}};
    PieceList scratch;
    pre->pre_tokenize(list, scratch);
    Words words;
    for (const Piece& p : list.pieces) words.emplace_back(list.view(p));
    return words;
  };
  EXPECT_EQ(run("first"), (Words{"\xE2\x96\x81" "a", "b"}));
  EXPECT_EQ(run("always"), (Words{"\xE2\x96\x81" "a", "\xE2\x96\x81" "b"}));
  EXPECT_EQ(run("never"), (Words{"a", "b"}));
}

// The normalizers run utf8proc only on the stretches that can change; the whole-string utf8proc_NFx calls
// are the reference.
TEST(Normalizers, UnicodeFormsMatchWholeStringNormalization) {
  const std::vector<std::string> texts = {
      "plain ASCII only",
      "Cafe\xCC\x81 na\xC3\xAFve e\xCC\x81\xCC\x81 \xE2\x84\xAB \xE2\x84\xA6 \xEF\xAC\x81 \xE2\x91\xA0 x",
      "\xCC\x81starts with a mark, ends with one e\xCC\xA3\xCC\x87",
      "\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8 hangul jamo, \xEA\xB0\x80\xE1\x86\xA8 syllable + T",
      "\xC2\xA0nbsp \xC2\xB2 \xC3\xA9\xCC\x81 \xE3\x81\x8B\xE3\x82\x99 \xEF\xBC\xA1\xEF\xBD\x82"};
  const std::vector<std::pair<const char*, utf8proc_uint8_t* (*)(const utf8proc_uint8_t*)>> forms = {
      {"NFC", utf8proc_NFC}, {"NFD", utf8proc_NFD}, {"NFKC", utf8proc_NFKC}, {"NFKD", utf8proc_NFKD}};
  for (const auto& [name, reference] : forms) {
    const auto normalizer = make_normalizer({{"type", name}}, "test");
    for (const std::string& text : texts) {
      utf8proc_uint8_t* ref = reference(reinterpret_cast<const utf8proc_uint8_t*>(text.c_str()));
      const std::string expected(reinterpret_cast<const char*>(ref));
      std::free(ref);
      std::string got = text;
      normalizer->normalize(got);
      EXPECT_EQ(got, expected) << name << " of " << text;
    }
  }
}

std::vector<std::string> matches(std::string_view oniguruma, const std::string& text) {
  const auto re = Regex::from_oniguruma(oniguruma, "test");
  std::vector<Span> spans;
  re->find_all(text, spans);
  std::vector<std::string> out;
  for (const Span& s : spans) out.push_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

// Oniguruma meanings that PCRE2 spells differently (Oniguruma's doc/RE).
TEST(OnigurumaSyntax, EscapesKeepOnigurumaMeaning) {
  EXPECT_EQ(matches(R"(\s+)", "a\xC2\x85 b"), (Words{"\xC2\x85 "}));      // U+0085 is \s
  EXPECT_EQ(matches(R"(\h+)", "xyz0fA9 "), (Words{"0fA9"}));              // \h is a hex digit
  EXPECT_EQ(matches(R"(\v)", "a\nb\x0B"), (Words{"\x0B"}));               // \v is only VT
  EXPECT_EQ(matches(R"(\w+)", "x\xC2\xB2y z"), (Words{"x\xC2\xB2y", "z"}));  // ² (No) is a word char
  EXPECT_EQ(matches(R"(\u00e9+)", "caf\xC3\xA9\xC3\xA9!"), (Words{"\xC3\xA9\xC3\xA9"}));
  EXPECT_EQ(matches(R"((?i:'s|'ll))", "I'LL it's"), (Words{"'LL", "'s"}));
  EXPECT_EQ(matches(R"([^\s\p{L}]+)", "ab, 12cd"), (Words{",", "12"}));
  EXPECT_EQ(matches(R"(\s+(?!\S)|\s+)", "a   b "), (Words{"  ", " ", " "}));
}

TEST(Utf8, LossyDecodingFollowsUnicodeMaximalSubparts) {
  // Unicode 15, section 3.9, table 3-8.
  const std::string bytes = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  std::string out;
  utf8::append_lossy(out, bytes);
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(out, "a" + r + r + r + "b" + r + "c" + r + r + "d");
}

json tiny_bpe(json model_extra, json added = json::array()) {
  json model = {{"type", "BPE"},
                {"vocab", {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"c", 3}, {"ab", 4}, {" ", 5}, {"abc", 6}, {"bc", 7}}},
                {"merges", {"b c", "a b"}}};
  if (model_extra.is_object()) model.update(model_extra);
  return {{"added_tokens", added}, {"model", model}};
}

std::vector<int32_t> encode(const json& doc, const std::string& text) {
  return Tokenizer::from_json(doc, nullptr, "tokenizer.json")->encode(text, false);
}

TEST(Bpe, MergesByRankThenPosition) {
  // "abc": "b c" (rank 0) beats "a b" (rank 1): a|bc, and "a bc" is no merge.
  EXPECT_EQ(encode(tiny_bpe({}), "abc"), (std::vector<int32_t>{1, 7}));
  // ignore_merges: a word in the vocabulary is one token.
  EXPECT_EQ(encode(tiny_bpe({{"ignore_merges", true}}), "abc"), (std::vector<int32_t>{6}));
}

TEST(Bpe, UnknownCharacters) {
  // x and y are unknown: dropped without unk_token, one <unk> each, or one fused <unk>.
  EXPECT_EQ(encode(tiny_bpe({}), "abxyb"), (std::vector<int32_t>{4, 2}));
  EXPECT_EQ(encode(tiny_bpe({{"unk_token", "<unk>"}}), "abxyb"), (std::vector<int32_t>{4, 0, 0, 2}));
  EXPECT_EQ(encode(tiny_bpe({{"unk_token", "<unk>"}, {"fuse_unk", true}}), "abxyb"), (std::vector<int32_t>{4, 0, 2}));
  // byte_fallback: é (C3 A9) becomes its two byte tokens; x has none of its own here, so it is <unk>.
  json doc = tiny_bpe({{"unk_token", "<unk>"}, {"byte_fallback", true}});
  doc["model"]["vocab"]["<0xC3>"] = 8;
  doc["model"]["vocab"]["<0xA9>"] = 9;
  EXPECT_EQ(encode(doc, "a\xC3\xA9x"), (std::vector<int32_t>{1, 8, 9, 0}));
  doc["decoder"] = {{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}};
  const auto tok = Tokenizer::from_json(doc, nullptr, "tokenizer.json");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 8, 9}, false), "a\xC3\xA9");
  EXPECT_EQ(tok->decode(std::vector<int32_t>{1, 8, 1}, false), "a\xEF\xBF\xBD" "a");
  EXPECT_TRUE(tok->is_byte_fallback_token(8));
  EXPECT_FALSE(tok->is_byte_fallback_token(1));
}

TEST(AddedTokens, StripAndSingleWord) {
  const auto token = [](int id, const char* content, json flags) {
    json t = {{"id", id}, {"content", content}, {"special", false}, {"normalized", false}};
    if (flags.is_object()) t.update(flags);
    return t;
  };
  EXPECT_EQ(encode(tiny_bpe({}, {token(10, "<m>", {})}), "ab <m> c"), (std::vector<int32_t>{4, 5, 10, 5, 3}));
  EXPECT_EQ(encode(tiny_bpe({}, {token(10, "<m>", {{"lstrip", true}})}), "ab <m> c"),
            (std::vector<int32_t>{4, 10, 5, 3}));
  EXPECT_EQ(encode(tiny_bpe({}, {token(10, "<m>", {{"lstrip", true}, {"rstrip", true}})}), "ab <m> c"),
            (std::vector<int32_t>{4, 10, 3}));
  const json single = tiny_bpe({}, {token(11, "ab", {{"single_word", true}})});
  EXPECT_EQ(encode(single, "ab c"), (std::vector<int32_t>{11, 5, 3}));
  EXPECT_EQ(encode(single, "abc"), (std::vector<int32_t>{1, 7}));
  // Leftmost-longest: "abc" as an added token wins over "ab" starting at the same place.
  EXPECT_EQ(encode(tiny_bpe({}, {token(11, "ab", {}), token(12, "abc", {})}), "cabcab"),
            (std::vector<int32_t>{3, 12, 11}));
}

}  // namespace
}  // namespace llmc
