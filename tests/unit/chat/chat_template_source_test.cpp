// Finding the template and the special-token variables of a model folder, and the chat-template report.
// The fixture folders' special tokens are checked against chat_expected.json, whose variables came from
// transformers' special_tokens_map, so the loader is compared with HF rather than with itself.
#include "engine/chat/chat_template_source.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "tests/unit/chat/chat_test_util.h"

namespace llmc::test {
namespace {

namespace fs = std::filesystem;
using ordered_json = nlohmann::ordered_json;
using ::testing::HasSubstr;

// A scratch model folder, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("llmc_chat_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

class FixtureSource : public ::testing::TestWithParam<std::string> {};

TEST_P(FixtureSource, TemplateAndSpecialTokensMatchTransformers) {
  const fs::path dir = test_data("tokenizers/" + GetParam());
  const ChatTemplateSource source = load_chat_template_source(dir);
  const auto config = read_json_file(dir / "tokenizer_config.json");
  EXPECT_EQ(source.template_text, config["chat_template"].get<std::string>());
  EXPECT_EQ(source.origin, (dir / "tokenizer_config.json").string());

  // What HF passed: bos/eos at top level (null = absent) plus extra_vars without the non-token entries.
  const auto first = read_json_file(dir / "chat_expected.json").at(0);
  ordered_json expected = ordered_json::object();
  for (const char* key : {"bos_token", "eos_token"}) {
    if (!first[key].is_null()) expected[key] = first[key];
  }
  for (auto it = first["extra_vars"].begin(); it != first["extra_vars"].end(); ++it) {
    if (it.key() != "tools" && it.key() != "documents" && it.key() != "enable_thinking")
      expected[it.key()] = it.value();
  }
  EXPECT_EQ(nlohmann::json(source.special_tokens), nlohmann::json(expected));  // unordered comparison
}

TEST_P(FixtureSource, ReportRendersTheFixtureConversations) {
  const fs::path dir = test_data("tokenizers/" + GetParam());
  const auto conversations = read_json_file(dir / "chat_expected.json");
  const ordered_json report = chat_template_report(dir, std::nullopt, conversations);
  ASSERT_EQ(report.size(), conversations.size());
  for (size_t i = 0; i < report.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(report[i].size(), 1u);
    EXPECT_EQ(report[i]["rendered"], conversations[i]["rendered"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, FixtureSource,
                         ::testing::Values("llama3", "qwen3", "deepseek_v3", "gemma3"));

TEST(ChatTemplateSource, ModelWithoutTemplateSaysWhereItLooked) {
  const fs::path dir = test_data("tokenizers/mistral_v0_1");
  try {
    load_chat_template_source(dir);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.string() + ": no chat template found"));
    EXPECT_THAT(e.what(), HasSubstr("--chat-template"));
  }
  TempDir tmp;
  tmp.write("my.jinja", "{{ bos_token }}{{ messages[0].content }}");
  const ChatTemplateSource s = load_chat_template_source(dir, tmp.path() / "my.jinja");
  EXPECT_EQ(s.origin, (tmp.path() / "my.jinja").string());
  EXPECT_EQ(
      ChatTemplate::parse(s.template_text).render(chat_template_variables(s, {{{"content", "hi"}}}, false)),
      "<s>hi");
}

TEST(ChatTemplateSource, PrecedenceFileThenJinjaThenConfig) {
  TempDir tmp;
  tmp.write("tokenizer_config.json",
            R"({"chat_template": "config", "eos_token": {"content": "</s>", "lstrip": false}})");
  EXPECT_EQ(load_chat_template_source(tmp.path()).template_text, "config");
  tmp.write("chat_template.jinja", "jinja file\n");
  const ChatTemplateSource s = load_chat_template_source(tmp.path());
  EXPECT_EQ(s.template_text, "jinja file\n");
  EXPECT_EQ(s.origin, (tmp.path() / "chat_template.jinja").string());
  EXPECT_EQ(s.special_tokens, (ordered_json{{"eos_token", "</s>"}}));
  tmp.write("explicit.jinja", "explicit");
  EXPECT_EQ(load_chat_template_source(tmp.path(), tmp.path() / "explicit.jinja").template_text, "explicit");
}

TEST(ChatTemplateSource, ProcessorChatTemplateJson) {
  TempDir tmp;
  tmp.write("chat_template.json", R"({"chat_template": "from processor"})");
  EXPECT_EQ(load_chat_template_source(tmp.path()).template_text, "from processor");
}

TEST(ChatTemplateSource, NamedTemplatesAndToolUse) {
  TempDir tmp;
  tmp.write("tokenizer_config.json", R"({"chat_template": [{"name": "default", "template": "D"},
                                                          {"name": "tool_use", "template": "T{{ tools|length }}"}],
                                        "additional_special_tokens": ["<a>", {"content": "<b>"}],
                                        "unk_token": null, "pad_token": "<pad>"})");
  tmp.write("additional_chat_templates/rag.jinja", "R");
  const ChatTemplateSource s = load_chat_template_source(tmp.path());
  EXPECT_EQ(s.template_text, "D");
  EXPECT_EQ(s.select(false), "D");
  EXPECT_EQ(s.select(true), "T{{ tools|length }}");
  EXPECT_EQ(s.named_templates.at("rag"), "R");
  EXPECT_EQ(s.special_tokens,
            (ordered_json{{"pad_token", "<pad>"}, {"additional_special_tokens", {"<a>", "<b>"}}}));
  const ordered_json conversations = {
      {{"messages", ordered_json::array()}},
      {{"messages", ordered_json::array()}, {"extra_vars", {{"tools", {{{"name", "f"}}, {{"name", "g"}}}}}}}};
  EXPECT_EQ(chat_template_report(tmp.path(), std::nullopt, conversations),
            (ordered_json{{{"rendered", "D"}}, {{"rendered", "T2"}}}));
}

TEST(ChatTemplateSource, MalformedFilesNameTheFile) {
  TempDir tmp;
  tmp.write("tokenizer_config.json", "{not json");
  try {
    load_chat_template_source(tmp.path());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr((tmp.path() / "tokenizer_config.json").string() + ": invalid JSON"));
  }
  tmp.write("tokenizer_config.json", R"({"chat_template": [{"name": "tool_use", "template": "T"}]})");
  EXPECT_THROW(
      {
        try {
          load_chat_template_source(tmp.path());
        } catch (const Error& e) {
          EXPECT_THAT(e.what(), HasSubstr("none is named 'default'"));
          throw;
        }
      },
      Error);
  tmp.write("tokenizer_config.json", R"({"chat_template": "x", "bos_token": 5})");
  EXPECT_THROW(load_chat_template_source(tmp.path()), Error);
  EXPECT_THROW(load_chat_template_source(tmp.path(), tmp.path() / "missing.jinja"), Error);
}

TEST(ChatTemplateSource, VariablesFollowTransformers) {
  ChatTemplateSource s;
  s.special_tokens = {{"bos_token", "<s>"}};
  const ordered_json vars = chat_template_variables(s, ordered_json::array(), true,
                                                    {{"enable_thinking", false}, {"bos_token", "B"}});
  EXPECT_EQ(vars["tools"], nullptr);
  EXPECT_EQ(vars["documents"], nullptr);
  EXPECT_EQ(vars["add_generation_prompt"], true);
  EXPECT_EQ(vars["enable_thinking"], false);
  EXPECT_EQ(vars["bos_token"], "B");  // extra variables override
}

TEST(ChatTemplateSource, ReportErrorsNameTheConversation) {
  const fs::path dir = test_data("tokenizers/gemma3");
  auto report_error = [&](const ordered_json& conversations) -> std::string {
    try {
      chat_template_report(dir, std::nullopt, conversations);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(report_error(ordered_json::object()), HasSubstr("must be a JSON array"));
  const ordered_json user = {{"role", "user"}, {"content", "x"}};
  EXPECT_THAT(report_error({{{"messages", {user}}}, {{"name", "bad"}}}),
              HasSubstr("conversation 1 ('bad'): expected an object with a 'messages' array"));
  const std::string raised = report_error({{{"name", "alt"}, {"messages", {user, user}}}});
  EXPECT_THAT(raised, HasSubstr("conversation 0 ('alt')"));
  EXPECT_THAT(raised, HasSubstr("Conversation roles must alternate user/assistant/user/assistant/..."));
  EXPECT_THAT(report_error({{{"messages", {user}}, {"add_generation_prompt", "yes"}}}),
              HasSubstr("'add_generation_prompt' must be true or false"));
}

}  // namespace
}  // namespace llmc::test
