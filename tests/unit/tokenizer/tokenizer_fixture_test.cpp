// Every corpus string of every model against the Hugging Face references in tests/data/tokenizers
// (see README.md there): ids, ids with special tokens, and the three decodes. Plus the chat fixtures'
// rendered_ids, which exercise special tokens inside text.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/tokenizer/tokenizer_test_data.h"

namespace llmc::test {
namespace {

class TokenizerFixtureTest : public ::testing::TestWithParam<std::string> {};

std::string show(const std::string& s) { return nlohmann::json(s).dump(); }

TEST_P(TokenizerFixtureTest, EncodeMatchesReference) {
  const Tokenizer& tok = load_tokenizer(GetParam());
  const auto expected = read_json_file(tokenizer_data(GetParam()) / "expected.json");
  ASSERT_EQ(expected.size(), 217u);
  int failures = 0;
  for (const auto& e : expected) {
    const std::string text = e.at("text");
    const auto ids = tok.encode(text, false);
    const auto with_special = tok.encode(text, true);
    EXPECT_EQ(ids, ids_of(e.at("ids"))) << "text " << show(text);
    EXPECT_EQ(with_special, ids_of(e.at("ids_with_special"))) << "text " << show(text);
    failures += ids != ids_of(e.at("ids")) || with_special != ids_of(e.at("ids_with_special"));
    if (failures > 10) FAIL() << "stopping after 10 failing strings";
  }
}

TEST_P(TokenizerFixtureTest, DecodeMatchesReference) {
  const Tokenizer& tok = load_tokenizer(GetParam());
  const auto expected = read_json_file(tokenizer_data(GetParam()) / "expected.json");
  for (const auto& e : expected) {
    const auto ids = ids_of(e.at("ids"));
    const auto with_special = ids_of(e.at("ids_with_special"));
    const std::string where = "text " + show(e.at("text"));
    EXPECT_EQ(tok.decode(ids, false), e.at("decoded").get<std::string>()) << where;
    EXPECT_EQ(tok.decode(with_special, false), e.at("decoded_with_special").get<std::string>()) << where;
    EXPECT_EQ(tok.decode(ids, false, false), e.at("decoded_raw").get<std::string>()) << where;
  }
}

TEST_P(TokenizerFixtureTest, ChatRenderedIdsMatchReference) {
  const auto path = tokenizer_data(GetParam()) / "chat_expected.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << GetParam() << " has no chat template fixture";
  const Tokenizer& tok = load_tokenizer(GetParam());
  int checked = 0;
  for (const auto& c : read_json_file(path)) {
    if (!c.contains("rendered_ids")) continue;
    EXPECT_EQ(tok.encode(c.at("rendered").get<std::string>(), false), ids_of(c.at("rendered_ids")))
        << "case " << c.at("name") << " add_generation_prompt=" << c.at("add_generation_prompt");
    ++checked;
  }
  EXPECT_GT(checked, 10);
}

TEST_P(TokenizerFixtureTest, SpecialTokensFromConfig) {
  const Tokenizer& tok = load_tokenizer(GetParam());
  const auto config = read_json_file(tokenizer_data(GetParam()) / "tokenizer_config.json");
  const auto content = [](const nlohmann::json& v) -> std::optional<std::string> {
    if (v.is_null()) return std::nullopt;
    return v.is_string() ? v.get<std::string>() : v.at("content").get<std::string>();
  };
  EXPECT_EQ(tok.bos_token(), content(config.value("bos_token", nlohmann::json())));
  EXPECT_EQ(tok.eos_token(), content(config.value("eos_token", nlohmann::json())));
  ASSERT_TRUE(tok.eos_token_id().has_value());
  EXPECT_TRUE(tok.is_special(*tok.eos_token_id()));
  EXPECT_EQ(tok.id_to_token(*tok.eos_token_id()), *tok.eos_token());
  // added_tokens_decoder in the config lists id -> token for the added tokens.
  if (config.contains("added_tokens_decoder")) {
    for (const auto& [id, entry] : config.at("added_tokens_decoder").items()) {
      EXPECT_EQ(tok.id_to_token(std::stoi(id)), entry.at("content").get<std::string>());
      EXPECT_EQ(tok.is_special(std::stoi(id)), entry.at("special").get<bool>()) << "id " << id;
    }
  }
}

// The HTTP server encodes from several threads at once: the shared word cache and the per-thread scratch
// buffers must not mix requests up.
TEST_P(TokenizerFixtureTest, ConcurrentEncodesMatchReference) {
  const Tokenizer& tok = load_tokenizer(GetParam());
  const auto expected = read_json_file(tokenizer_data(GetParam()) / "expected.json");
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        // Each thread walks the corpus from a different place, so different words race for the cache.
        for (size_t k = 0; k < expected.size(); ++k) {
          const auto& e = expected[(k + static_cast<size_t>(t) * 50) % expected.size()];
          if (tok.encode(e.at("text").get<std::string>(), true) != ids_of(e.at("ids_with_special"))) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Models, TokenizerFixtureTest,
                         ::testing::Values("llama3", "qwen3", "deepseek_v3", "mistral_v0_1"));

// Vocabulary sizes as published with the models (config.json vocab_size: 128256, 151669 tokenizer ids for
// Qwen3, 128815 for DeepSeek-V3's tokenizer, 32000 for Mistral 7B v0.1).
TEST(TokenizerVocab, SizesMatchModels) {
  EXPECT_EQ(load_tokenizer("llama3").vocab_size(), 128256);
  EXPECT_EQ(load_tokenizer("qwen3").vocab_size(), 151669);
  EXPECT_EQ(load_tokenizer("mistral_v0_1").vocab_size(), 32000);
}

TEST(TokenizerVocab, KnownTokenIds) {
  // From SOURCES.md: Mistral ids for "▁" and "▁Hello"; Qwen3 <think> / </think>; Llama 3 BOS.
  const Tokenizer& mistral = load_tokenizer("mistral_v0_1");
  EXPECT_EQ(mistral.token_to_id("\xE2\x96\x81"), 28705);
  EXPECT_EQ(mistral.token_to_id("\xE2\x96\x81Hello"), 22557);
  const Tokenizer& qwen = load_tokenizer("qwen3");
  EXPECT_EQ(qwen.token_to_id("<think>"), 151667);
  EXPECT_EQ(qwen.token_to_id("</think>"), 151668);
  EXPECT_FALSE(qwen.is_special(151667));
  EXPECT_EQ(load_tokenizer("llama3").bos_token_id(), 128000);
  EXPECT_EQ(load_tokenizer("deepseek_v3").bos_token_id(), 0);
}

}  // namespace
}  // namespace llmc::test
