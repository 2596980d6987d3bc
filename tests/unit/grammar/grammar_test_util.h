// Test helpers: a byte vocabulary (token i < 256 is byte i, 256 is EOS) for checking what a constraint
// accepts as text, the tokenizer fixtures, and a cache of compilers per real vocabulary.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "engine/grammar/constraint.h"
#include "engine/grammar/grammar_compiler.h"
#include "engine/grammar/token_matcher.h"
#include "engine/tokenizer/tokenizer.h"

namespace llmc::test {

inline constexpr int32_t kByteEos = 256;

inline grammar::GrammarCompiler& byte_compiler() {
  static grammar::GrammarCompiler compiler = [] {
    std::vector<std::string> bytes;
    for (int b = 0; b < 256; ++b) bytes.emplace_back(1, static_cast<char>(b));
    return grammar::GrammarCompiler(grammar::TokenVocabulary(std::move(bytes), {kByteEos}, 257));
  }();
  return compiler;
}

inline ConstraintSpec spec(ConstraintKind kind, std::string text, bool strict = false) {
  return ConstraintSpec{kind, std::move(text), strict};
}

// Whether `text` is a complete match of the constraint.
inline bool full_match(const ConstraintSpec& s, std::string_view text) {
  grammar::TokenMatcher m(byte_compiler().compile(s));
  if (!text.empty() && !m.accept_bytes(text)) return false;
  return m.can_end();
}

// Whether `text` can be continued into a match.
inline bool prefix_ok(const ConstraintSpec& s, std::string_view text) {
  grammar::TokenMatcher m(byte_compiler().compile(s));
  return text.empty() || m.accept_bytes(text);
}

inline std::filesystem::path test_data_build() {
  if (const char* v = std::getenv("LLMC_TEST_DATA_BUILD")) return v;
  return LLMC_GRAMMAR_TEST_DATA_BUILD;
}
inline std::filesystem::path test_data() {
  if (const char* v = std::getenv("LLMC_TEST_DATA")) return v;
  return LLMC_GRAMMAR_TEST_DATA;
}

inline const Tokenizer& fixture_tokenizer(const std::string& model) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[model];
  if (!slot) {
    slot = Tokenizer::from_files(test_data_build() / "tokenizers" / model / "tokenizer.json",
                                 test_data() / "tokenizers" / model / "tokenizer_config.json");
  }
  return *slot;
}

// A compiler over a fixture tokenizer's vocabulary (EOS: the tokenizer's eos_token).
inline grammar::GrammarCompiler& fixture_compiler(const std::string& model) {
  static std::map<std::string, std::unique_ptr<grammar::GrammarCompiler>> cache;
  auto& slot = cache[model];
  if (!slot) {
    slot = std::make_unique<grammar::GrammarCompiler>(
        grammar::TokenVocabulary::from_tokenizer(fixture_tokenizer(model), 0, {}));
  }
  return *slot;
}

}  // namespace llmc::test
