// Property test: random constrained walks (seeded) that always pick a token the mask allows produce text that
// parses as JSON and validates against the schema (tests/unit/grammar/schema_validator.h, an independent
// validator), on the Llama 3 and Mistral vocabularies, for a corpus of schemas. The walk leans towards closing
// tokens as it gets long, so that outputs end; every prefix on the way is checked to be accepted whole.
#include <random>

#include "tests/unit/grammar/grammar_test_util.h"
#include "tests/unit/grammar/schema_validator.h"

namespace llmc::test {
namespace {

using grammar::TokenMatcher;

const std::vector<std::string>& schema_corpus() {
  static const std::vector<std::string> k = {
      // nested objects, optional fields, integer range, enum, array with counts
      R"({"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0,"maximum":120},
         "role":{"enum":["admin","user",null,7]},"tags":{"type":"array","items":{"type":"string","maxLength":5},"minItems":1,"maxItems":3},
         "address":{"type":"object","properties":{"city":{"type":"string"},"geo":{"type":"object","properties":{
           "lat":{"type":"number"},"lon":{"type":"number"}},"required":["lat","lon"]}},"required":["city"]}},
         "required":["name","age"]})",
      // every property optional
      R"({"type":"object","properties":{"a":{"type":"boolean"},"b":{"type":"null"},"c":{"type":"number","minimum":0},"d":{"const":"x\"y"}}})",
      // strings with escapes and patterns (quotes and backslashes inside the pattern), lengths, formats
      R"({"type":"object","properties":{"quote":{"type":"string","pattern":"^a\"b\\\\c"},"code":{"type":"string","pattern":"^[A-Z]{3}-[0-9]{2,4}$"},
         "short":{"type":"string","minLength":2,"maxLength":4},"day":{"type":"string","format":"date"},"id":{"type":"string","format":"uuid"}},
         "required":["quote","code","short","day","id"],"additionalProperties":false})",
      // arrays: tuples, nesting, empty allowed
      R"({"type":"array","prefixItems":[{"type":"integer"},{"type":"string"},{"type":"array","items":{"type":"integer","exclusiveMinimum":-5,"exclusiveMaximum":5}}],"items":false,"minItems":2})",
      // anyOf / oneOf of disjoint shapes, nullable types
      R"({"type":"object","properties":{"v":{"anyOf":[{"type":"integer"},{"type":"array","items":{"type":"boolean"},"maxItems":2},
         {"type":"object","properties":{"k":{"type":"string"}},"required":["k"]}]},"n":{"type":["string","null"]},
         "o":{"oneOf":[{"type":"boolean"},{"type":"string","maxLength":3}]}},"required":["v","n","o"]})",
      // recursion through $defs
      R"({"$ref":"#/$defs/node","$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},
         "children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["value"]}}})",
      // additionalProperties with a schema, allOf
      R"({"allOf":[{"type":"object","properties":{"id":{"type":"integer","minimum":1}},"required":["id"]},
         {"properties":{"meta":{"type":"object","additionalProperties":{"type":"number"}}},"required":["meta"]}]})",
      // enums of mixed values at the top
      R"({"enum":["red",{"rgb":[255,0,0]},[1,2],true,1.5]})",
  };
  return k;
}

bool has_closer(std::string_view b) { return b.find_first_of("\"}]") != std::string_view::npos; }

// One walk; returns the ids chosen (EOS last when the walk ended).
std::vector<int32_t> walk(TokenMatcher& m, std::mt19937_64& rng, int max_steps) {
  const auto& v = m.vocab();
  std::vector<uint32_t> mask(static_cast<size_t>(v.mask_words()));
  std::vector<int32_t> ids;
  std::vector<int32_t> allowed;
  std::vector<int32_t> closers;
  for (int step = 0; step < max_steps && !m.is_terminated(); ++step) {
    m.fill_mask(mask.data());
    allowed.clear();
    closers.clear();
    bool eos = false;
    for (int32_t id = 0; id < v.size(); ++id) {
      if (!((mask[static_cast<size_t>(id) >> 5] >> (id & 31)) & 1u)) continue;
      if (v.is_eos(id)) {
        eos = true;
        continue;
      }
      allowed.push_back(id);
      if (has_closer(v.bytes(id))) closers.push_back(id);
    }
    std::uniform_real_distribution<double> u(0, 1);
    const double lean = std::min(0.95, step / 60.0);
    int32_t pick;
    if (eos && (allowed.empty() || u(rng) < 0.7)) {
      pick = v.eos_ids().at(0);
    } else {
      EXPECT_FALSE(allowed.empty()) << "a mask with no token and no EOS";
      if (allowed.empty()) break;
      const auto& pool = !closers.empty() && u(rng) < lean ? closers : allowed;
      pick = pool[rng() % pool.size()];
    }
    EXPECT_TRUE(m.accept(pick)) << "a token from the mask was refused: " << pick;
    ids.push_back(pick);
  }
  return ids;
}

class SchemaWalks : public ::testing::TestWithParam<std::string> {};

TEST_P(SchemaWalks, OutputsParseAndValidate) {
  const std::string model = GetParam();
  grammar::GrammarCompiler& compiler = fixture_compiler(model);
  const Tokenizer& tok = fixture_tokenizer(model);
  int ended = 0;
  int walks = 0;
  for (size_t k = 0; k < schema_corpus().size(); ++k) {
    const std::string& schema_text = schema_corpus()[k];
    const auto schema = SchemaValidator::Json::parse(schema_text);
    const SchemaValidator validator(schema);
    const auto compiled = compiler.compile(spec(ConstraintKind::kJsonSchema, schema_text));
    for (uint64_t seed = 0; seed < 12; ++seed) {
      std::mt19937_64 rng(seed * 7919 + k);
      TokenMatcher m(compiled);
      const std::vector<int32_t> ids = walk(m, rng, 3000);
      ++walks;
      if (!m.is_terminated()) continue;
      ++ended;
      std::string text;
      for (size_t i = 0; i + 1 < ids.size(); ++i) text += m.vocab().bytes(ids[i]);
      SchemaValidator::Json value;
      try {
        value = SchemaValidator::Json::parse(text);
      } catch (const std::exception& e) {
        ADD_FAILURE() << model << " schema " << k << " seed " << seed << ": not JSON: " << e.what() << "\n" << text;
        continue;
      }
      EXPECT_EQ(validator.check(value), "") << model << " schema " << k << " seed " << seed << "\n" << text;
      // The tokenizer decodes the same text (EOS excluded).
      const std::vector<int32_t> body(ids.begin(), ids.end() - 1);
      EXPECT_EQ(tok.decode(body, false, false), text) << model << " schema " << k << " seed " << seed;
    }
  }
  EXPECT_GE(ended, walks * 9 / 10) << model << ": too few walks ended; the property is barely checked";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SchemaWalks, ::testing::Values("llama3", "mistral_v0_1"));

}  // namespace
}  // namespace llmc::test
