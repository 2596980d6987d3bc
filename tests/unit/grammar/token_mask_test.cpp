// Token masks on real vocabularies: Llama 3 (byte-level BPE, 128k) and Mistral (SentencePiece with byte
// fallback, 32k). Masks are checked against brute force (every token tried on the parser and rolled back,
// which shares nothing with the mask cache, the trie walk or the context-dependent re-check), against
// hand-checked facts (tokens spanning several grammar symbols, partial UTF-8, byte-fallback tokens, EOS),
// and against the real tokenization of valid texts.
#include <random>

#include "engine/tokenizer/utf8.h"
#include "tests/unit/grammar/grammar_test_util.h"

namespace llmc::test {
namespace {

using grammar::TokenMatcher;

std::vector<uint32_t> mask_of(TokenMatcher& m) {
  std::vector<uint32_t> words(static_cast<size_t>(m.vocab().mask_words()));
  m.fill_mask(words.data());
  return words;
}

bool allowed(const std::vector<uint32_t>& words, int32_t id) { return (words[static_cast<size_t>(id) >> 5] >> (id & 31)) & 1u; }

// Every token tried on the matcher itself.
std::vector<uint32_t> brute_force_mask(TokenMatcher& m) {
  std::vector<uint32_t> words(static_cast<size_t>(m.vocab().mask_words()), 0);
  for (int32_t id = 0; id < m.vocab().size(); ++id) {
    if (m.accept(id)) {
      words[static_cast<size_t>(id) >> 5] |= 1u << (id & 31);
      m.rollback(1);
    }
  }
  return words;
}

int32_t id_of(const grammar::TokenVocabulary& v, std::string_view bytes) {
  for (int32_t id = 0; id < v.num_ids_with_bytes(); ++id) {
    if (v.bytes(id) == bytes) return id;
  }
  ADD_FAILURE() << "no token with bytes '" << bytes << "'";
  return -1;
}

const char* kPerson = R"({"type":"object","properties":{
  "name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":150},
  "tags":{"type":"array","items":{"type":"string"},"maxItems":3},
  "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","pattern":"^[0-9]{5}$"}},"required":["city"]}},
  "required":["name","age"]})";

struct MaskCase {
  ConstraintSpec spec;
  std::vector<std::string> prefixes;
};

std::vector<MaskCase> mask_cases() {
  return {
      {spec(ConstraintKind::kJsonSchema, kPerson),
       {"", "{", "{\"", "{\"name\":", "{\"name\": \"Bo", "{\"name\": \"Bob\"", "{\"name\":\"é", "{\"name\":\"\xE4\xB8",
        "{\"name\":\"x\",\"age\":1", "{\"name\":\"x\",\"age\":150", "{\"name\":\"x\",\"age\":1,\"tags\":[\"a\"",
        "{\"name\":\"x\",\"age\":1,\"address\":{\"city\":\"P\",\"zip\":\"123", "{\"name\":\"x\",\"age\":1}"}},
      {spec(ConstraintKind::kJsonObject, ""),
       {"", "{\"a\":", "{\"a\":[", "{\"a\":[{\"b\":\"x", "{\"a\":[{\"b\":1", "{\"a\":[{\"b\":true}", "{\"a\":[[]]",
        "{\"a\":{\"b\":{\"c\":\"\\u00", "{\"a\":-0."}},
      {spec(ConstraintKind::kRegex, "(\\d{3}-)?[a-z]+( [a-z]+)*"), {"", "123", "123-ab", "ab cd"}},
      {spec(ConstraintKind::kChoice, R"(["positive", "negative", "neutral", "neg"])"), {"", "neg", "po"}},
      {spec(ConstraintKind::kGrammar, "root ::= list\nlist ::= \"(\" (item (\" \" item)*)? \")\"\nitem ::= [a-z]+ | list\n"),
       {"", "(", "(a", "(ab (c", "(ab (c)", "((()) x"}},
  };
}

class TokenMasks : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenMasks, EqualBruteForce) {
  grammar::GrammarCompiler& compiler = fixture_compiler(GetParam());
  for (const MaskCase& c : mask_cases()) {
    for (const std::string& prefix : c.prefixes) {
      TokenMatcher m(compiler.compile(c.spec));
      ASSERT_TRUE(prefix.empty() || m.accept_bytes(prefix)) << c.spec.text << " prefix " << prefix;
      const auto fast = mask_of(m);
      const auto slow = brute_force_mask(m);
      int allowed_count = 0;
      for (int32_t id = 0; id < m.vocab().size(); ++id) {
        allowed_count += allowed(slow, id);
        ASSERT_EQ(allowed(fast, id), allowed(slow, id))
            << GetParam() << " " << constraint_kind_name(c.spec.kind) << " after '" << prefix << "': token " << id
            << " '" << m.vocab().bytes(id) << "'";
      }
      EXPECT_GT(allowed_count, 0) << "after '" << prefix << "'";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, TokenMasks, ::testing::Values("llama3", "mistral_v0_1"));

TEST(TokenMasks, HandCheckedLlama3) {
  grammar::GrammarCompiler& compiler = fixture_compiler("llama3");
  const auto& v = compiler.vocab();
  const int32_t eos = v.eos_ids().at(0);
  TokenMatcher m(compiler.compile(spec(ConstraintKind::kJsonSchema, kPerson)));
  auto mask = mask_of(m);
  EXPECT_TRUE(allowed(mask, id_of(v, "{\"")));    // `{` then `"`: two grammar symbols in one token
  EXPECT_TRUE(allowed(mask, id_of(v, "{")));
  EXPECT_FALSE(allowed(mask, id_of(v, " {")));    // no whitespace before the value
  EXPECT_FALSE(allowed(mask, id_of(v, "[")));
  EXPECT_FALSE(allowed(mask, eos));
  ASSERT_TRUE(m.accept_bytes("{\"name\":\"Bob"));
  mask = mask_of(m);
  EXPECT_TRUE(allowed(mask, id_of(v, "\",")));    // closes the string, then the comma
  EXPECT_FALSE(allowed(mask, id_of(v, "\"}")));   // age is required
  EXPECT_TRUE(allowed(mask, id_of(v, "\xE4\xB8")));  // the first two bytes of a CJK character
  EXPECT_TRUE(allowed(mask, id_of(v, " world")));
  ASSERT_TRUE(m.accept_bytes("\",\"age\":"));
  mask = mask_of(m);
  EXPECT_TRUE(allowed(mask, id_of(v, "1")));
  EXPECT_TRUE(allowed(mask, id_of(v, "150")));
  EXPECT_FALSE(allowed(mask, id_of(v, "\xE4\xB8")));  // no characters in a number
  EXPECT_FALSE(allowed(mask, id_of(v, "-")));  // minimum 0
  EXPECT_FALSE(allowed(mask, id_of(v, "151")));  // maximum 150 (one token)
  ASSERT_TRUE(m.accept_bytes("15"));
  mask = mask_of(m);
  EXPECT_TRUE(allowed(mask, id_of(v, "0")));
  EXPECT_FALSE(allowed(mask, id_of(v, "1")));
  EXPECT_TRUE(allowed(mask, id_of(v, "}")));
  EXPECT_TRUE(allowed(mask, id_of(v, ",\"")));
  ASSERT_TRUE(m.accept_bytes("}"));
  mask = mask_of(m);
  int count = 0;
  for (int32_t id = 0; id < v.size(); ++id) count += allowed(mask, id);
  EXPECT_EQ(count, 1);  // only EOS
  EXPECT_TRUE(allowed(mask, eos));
  EXPECT_TRUE(m.accept(eos));
  EXPECT_TRUE(m.is_terminated());
  EXPECT_FALSE(m.accept(id_of(v, " ")));
  m.rollback(2);  // EOS and "}"
  EXPECT_FALSE(m.can_end());
  EXPECT_TRUE(m.accept(id_of(v, "}")));
}

TEST(TokenMasks, HandCheckedMistralByteFallback) {
  grammar::GrammarCompiler& compiler = fixture_compiler("mistral_v0_1");
  const auto& v = compiler.vocab();
  const Tokenizer& tok = fixture_tokenizer("mistral_v0_1");
  auto token = [&](const char* t) {
    const auto id = tok.token_to_id(t);
    EXPECT_TRUE(id.has_value()) << t;
    return id.value_or(0);
  };
  const int32_t e4 = token("<0xE4>");
  const int32_t quote_byte = token("<0x22>");
  const int32_t space_brace = token("\xE2\x96\x81{");  // "▁{"
  EXPECT_EQ(v.bytes(e4), "\xE4");
  EXPECT_EQ(v.bytes(space_brace), " {");
  TokenMatcher m(compiler.compile(spec(ConstraintKind::kJsonSchema, R"({"type":"object","properties":{"s":{"type":"string"}},"required":["s"]})")));
  auto mask = mask_of(m);
  EXPECT_FALSE(allowed(mask, space_brace));
  EXPECT_TRUE(allowed(mask, token("{")));
  EXPECT_FALSE(allowed(mask, e4));
  EXPECT_FALSE(allowed(mask, token("<s>")));  // special tokens never
  ASSERT_TRUE(m.accept_bytes("{\"s\":\""));
  mask = mask_of(m);
  EXPECT_TRUE(allowed(mask, e4));
  EXPECT_TRUE(allowed(mask, quote_byte));  // the byte-fallback spelling of `"` closes the string as well
  EXPECT_TRUE(allowed(mask, token("\xE2\x96\x81Hello")));
  ASSERT_TRUE(m.accept(e4));
  mask = mask_of(m);
  EXPECT_FALSE(allowed(mask, quote_byte));  // inside a character now: only continuation bytes
  EXPECT_TRUE(allowed(mask, token("<0xB8>")));
  EXPECT_FALSE(allowed(mask, token("<0xE4>")));
}

TEST(TokenBytes, MatchDecodeOnEveryToken) {
  for (const std::string model : {"llama3", "mistral_v0_1"}) {
    const Tokenizer& tok = fixture_tokenizer(model);
    const auto& v = fixture_compiler(model).vocab();
    const int32_t anchor = tok.encode("a", false).back();
    const std::string anchor_text = tok.decode(std::vector<int32_t>{anchor}, false, false);
    int checked = 0;
    for (int32_t id = 0; id < v.num_ids_with_bytes(); ++id) {
      const std::string& b = v.bytes(id);
      if (b.empty() || !utf8::is_valid(b)) continue;
      ASSERT_EQ(tok.decode(std::vector<int32_t>{anchor, id}, false, false), anchor_text + b) << model << " token " << id;
      ++checked;
    }
    EXPECT_GT(checked, 30000) << model;
  }
  // Byte-fallback tokens of one character add up to it.
  const Tokenizer& mistral = fixture_tokenizer("mistral_v0_1");
  const auto& mv = fixture_compiler("mistral_v0_1").vocab();
  std::string joined;
  for (const char* t : {"<0xE4>", "<0xB8>", "<0xAD>"}) joined += mv.bytes(*mistral.token_to_id(t));
  EXPECT_EQ(joined, "中");
}

// Valid texts, tokenized as the tokenizer would after a prompt, pass the masks token by token.
TEST(TokenMasks, RealTokenizationsOfValidTextsAreAllowed) {
  const std::vector<std::pair<ConstraintSpec, std::string>> cases = {
      {spec(ConstraintKind::kJsonSchema, kPerson),
       R"({"name": "Zoë 中文 \"q\"", "age": 42, "tags": ["a b", "c"], "address": {"city": "Paris", "zip": "75001"}})"},
      {spec(ConstraintKind::kJsonSchema, kPerson), "{\n  \"name\": \"x\",\n  \"age\": 0\n}"},
      {spec(ConstraintKind::kJsonObject, ""), R"({"k": [1, -2.5e3, {"z": null}], "u": "\u00e9😀"})"},
      {spec(ConstraintKind::kRegex, "(\\d{3}-)?[a-z]+( [a-z]+)*"), "123-hello big world"},
  };
  for (const std::string model : {"llama3", "mistral_v0_1"}) {
    const Tokenizer& tok = fixture_tokenizer(model);
    const std::string prompt = "Answer:\n";
    const std::vector<int32_t> prompt_ids = tok.encode(prompt, false);
    for (const auto& [s, text] : cases) {
      std::vector<int32_t> ids = tok.encode(prompt + text, false);
      ASSERT_TRUE(std::equal(prompt_ids.begin(), prompt_ids.end(), ids.begin())) << model << ": the prompt's tokens changed";
      ids.erase(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()));
      TokenMatcher m(fixture_compiler(model).compile(s));
      std::string seen;
      for (int32_t id : ids) {
        const auto mask = mask_of(m);
        ASSERT_TRUE(allowed(mask, id)) << model << " text " << text << ": token '" << m.vocab().bytes(id) << "' after '" << seen << "'";
        ASSERT_TRUE(m.accept(id));
        seen += m.vocab().bytes(id);
      }
      EXPECT_EQ(seen, text) << model;
      EXPECT_TRUE(allowed(mask_of(m), m.vocab().eos_ids().at(0))) << model << " " << text;
    }
  }
}

}  // namespace
}  // namespace llmc::test
