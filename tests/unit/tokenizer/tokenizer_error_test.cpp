// Failure paths: malformed or unsupported tokenizer files, bad input, bad ids. Each must throw llmc::Error
// whose message names what is wrong and where.
#include <gtest/gtest.h>

#include "common/check.h"
#include "engine/tokenizer/tokenize_report.h"
#include "tests/unit/tokenizer/tokenizer_test_data.h"

namespace llmc::test {
namespace {

using nlohmann::json;

// A small valid byte-level-free BPE: vocab a b c ab, one merge.
json minimal_tokenizer() {
  return json::parse(R"({
    "version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null, "post_processor": null,
    "decoder": null,
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "c": 2, "ab": 3}, "merges": ["a b"]}})");
}

// Runs `f`, expecting llmc::Error with every one of `parts` in its message.
template <typename F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected llmc::Error";
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
  }
}

void expect_load_error(const json& doc, std::initializer_list<std::string> parts) {
  expect_error([&] { Tokenizer::from_json(doc, nullptr, "tokenizer.json"); }, parts);
}

TEST(TokenizerErrors, MinimalTokenizerLoads) {
  const auto tok = Tokenizer::from_json(minimal_tokenizer(), nullptr, "tokenizer.json");
  EXPECT_EQ(tok->encode("abc", false), (std::vector<int32_t>{3, 2}));
  EXPECT_EQ(tok->decode(std::vector<int32_t>{3, 2}, false), "ab c");  // no decoder: tokens joined by spaces
}

TEST(TokenizerErrors, UnsupportedComponentsAreNamed) {
  auto doc = minimal_tokenizer();
  doc["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", {{{"type", "UnicodeScripts"}}}}};
  expect_load_error(doc, {"tokenizer.json", "pre_tokenizer[0]", "unsupported pre_tokenizer type 'UnicodeScripts'"});

  doc = minimal_tokenizer();
  doc["normalizer"] = {{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}};
  expect_load_error(doc, {"normalizer", "unsupported normalizer type 'Precompiled'"});

  doc = minimal_tokenizer();
  doc["decoder"] = {{"type", "CTC"}};
  expect_load_error(doc, {"decoder", "unsupported decoder type 'CTC'"});

  doc = minimal_tokenizer();
  doc["post_processor"] = {{"type", "Whatever"}};
  expect_load_error(doc, {"post_processor", "unsupported post_processor type 'Whatever'"});

  doc = minimal_tokenizer();
  doc["model"] = {{"type", "WordPiece"}, {"vocab", {{"a", 0}}}, {"unk_token", "a"}};
  expect_load_error(doc, {"model", "unsupported model type 'WordPiece'"});

  doc = minimal_tokenizer();
  doc["model"]["type"] = "Unigram";
  expect_load_error(doc, {"unsupported model type 'Unigram'"});
}

TEST(TokenizerErrors, MalformedDocuments) {
  expect_load_error(json::array(), {"tokenizer.json", "JSON object"});
  auto doc = minimal_tokenizer();
  doc.erase("model");
  expect_load_error(doc, {"missing field 'model'"});

  doc = minimal_tokenizer();
  doc["model"]["merges"] = {"a x"};
  expect_load_error(doc, {"merges[0]", "'x'", "not in the vocabulary"});

  doc = minimal_tokenizer();
  doc["model"]["merges"] = {"b c"};  // "bc" is no token
  expect_load_error(doc, {"merges[0]", "'bc'"});

  doc = minimal_tokenizer();
  doc["model"]["vocab"]["d"] = -4;
  expect_load_error(doc, {"vocab entry 'd'"});

  doc = minimal_tokenizer();
  doc["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_load_error(doc, {"pre_tokenizer (Split)", "cannot compile regex"});

  doc = minimal_tokenizer();
  doc["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "[a-z&&[^aeiou]]"}}}, {"behavior", "Isolated"}};
  expect_load_error(doc, {"Oniguruma-only"});

  doc = minimal_tokenizer();
  doc["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  expect_load_error(doc, {"unknown split behavior 'Sideways'"});

  doc = minimal_tokenizer();
  doc["added_tokens"] = {{{"content", "<x>"}, {"special", true}}};
  expect_load_error(doc, {"added_tokens[0]", "missing field 'id'"});

  doc = minimal_tokenizer();
  doc["model"]["unk_token"] = "<unk>";
  expect_load_error(doc, {"unk_token '<unk>'"});
}

TEST(TokenizerErrors, FilesAndDirectories) {
  const auto dir = std::filesystem::temp_directory_path() / ("llmc_tok_err_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  expect_error([&] { Tokenizer::from_dir(dir); }, {dir.string(), "no tokenizer.json"});
  std::ofstream(dir / "tokenizer.json") << "{\"model\": ";
  expect_error([&] { Tokenizer::from_dir(dir); }, {"tokenizer.json", "not valid JSON"});
  std::ofstream(dir / "tokenizer.json") << minimal_tokenizer().dump();
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "LlamaTokenizerFast", "bos_token": "<s>"})";
  expect_error([&] { Tokenizer::from_dir(dir); }, {"tokenizer_config.json", "add_bos_token", "'<s>'"});
  std::ofstream(dir / "tokenizer_config.json") << R"({"bos_token": 7})";
  expect_error([&] { Tokenizer::from_dir(dir); }, {"tokenizer_config.json", "bos_token"});
  std::filesystem::remove_all(dir);
}

TEST(TokenizerErrors, BadInputAndIds) {
  const auto tok = Tokenizer::from_json(minimal_tokenizer(), nullptr, "tokenizer.json");
  expect_error([&] { tok->encode("ab\xC3(", false); }, {"not valid UTF-8", "offset 2"});
  expect_error([&] { tok->encode("\xED\xA0\x80", false); }, {"not valid UTF-8"});  // a surrogate
  expect_error([&] { tok->id_to_token(99); }, {"id 99", "not in the vocabulary"});
  EXPECT_FALSE(tok->token_to_id("zz").has_value());
  EXPECT_EQ(tok->decode(std::vector<int32_t>{0, 99, -1, 1}, false), "a b");  // unknown ids skipped
  expect_error([&] { tokenize_report(*tok, json::object()); }, {"array of strings"});
  expect_error([&] { tokenize_report(*tok, json::array({"ok", 3})); }, {"input[1]", "must be a string"});
}

TEST(TokenizeReport, MatchesReferenceForLlama3) {
  const Tokenizer& tok = load_tokenizer("llama3");
  const auto expected = read_json_file(tokenizer_data("llama3") / "expected.json");
  json strings = json::array();
  for (const auto& e : expected) strings.push_back(e.at("text"));
  const json report = tokenize_report(tok, strings);
  ASSERT_EQ(report.size(), expected.size());
  for (size_t i = 0; i < report.size(); ++i) {
    EXPECT_EQ(report[i].at("text"), expected[i].at("text"));
    EXPECT_EQ(report[i].at("ids"), expected[i].at("ids"));
    EXPECT_EQ(report[i].at("ids_with_special"), expected[i].at("ids_with_special"));
    EXPECT_EQ(report[i].at("decoded"), expected[i].at("decoded_raw"));
  }
}

}  // namespace
}  // namespace llmc::test
