// The real chat templates of llama3, qwen3, deepseek_v3 and gemma3 (from their tokenizer_config.json)
// render every conversation of chat_expected.json byte for byte, with the variables the fixture README
// describes: messages, add_generation_prompt, bos/eos at top level unless null (null = not passed), and
// every member of extra_vars. The references come from @huggingface/jinja and were cross-checked with
// jinja2 3.1.6 and transformers' apply_chat_template.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "tests/unit/chat/chat_test_util.h"

namespace llmc::test {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json fixture_variables(const ordered_json& conversation) {
  ordered_json vars = ordered_json::object();
  vars["messages"] = conversation["messages"];
  vars["add_generation_prompt"] = conversation["add_generation_prompt"];
  for (const char* token : {"bos_token", "eos_token"}) {
    if (!conversation[token].is_null()) vars[token] = conversation[token];
  }
  for (auto it = conversation["extra_vars"].begin(); it != conversation["extra_vars"].end(); ++it) {
    vars[it.key()] = it.value();
  }
  return vars;
}

class ChatFixtures : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatFixtures, RendersEveryConversationByteIdentical) {
  const std::string model = GetParam();
  const auto config = read_json_file(test_data("tokenizers/" + model + "/tokenizer_config.json"));
  const auto conversations = read_json_file(test_data("tokenizers/" + model + "/chat_expected.json"));
  ASSERT_GE(conversations.size(), 18u);
  const ChatTemplate tmpl = ChatTemplate::parse(config["chat_template"].get<std::string>(), model);
  for (size_t i = 0; i < conversations.size(); ++i) {
    const auto& c = conversations[i];
    SCOPED_TRACE(model + " conversation " + std::to_string(i) + " " + c["name"].get<std::string>() +
                 (c["add_generation_prompt"].get<bool>() ? " +gen" : ""));
    EXPECT_EQ(tmpl.render(fixture_variables(c)), c["rendered"].get<std::string>());
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ChatFixtures, ::testing::Values("llama3", "qwen3", "deepseek_v3", "gemma3"));

// Without bos_token (qwen3's fixture case) the variable is undefined, not None: templates that print it
// print nothing. With bos_token=None passed explicitly, Jinja prints "None".
TEST(ChatFixtures, MissingBosIsUndefinedNotNone) {
  const ChatTemplate t = ChatTemplate::parse("[{{ bos_token }}]{{ bos_token is defined }}");
  EXPECT_EQ(t.render(ordered_json::object()), "[]False");
  EXPECT_EQ(t.render(ordered_json{{"bos_token", nullptr}}), "[None]True");
}

// A parsed template is immutable; concurrent renders share it.
TEST(ChatFixtures, ConcurrentRendersAgree) {
  const auto config = read_json_file(test_data("tokenizers/qwen3/tokenizer_config.json"));
  const auto conversations = read_json_file(test_data("tokenizers/qwen3/chat_expected.json"));
  const ChatTemplate tmpl = ChatTemplate::parse(config["chat_template"].get<std::string>());
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (const auto& c : conversations) {
          if (tmpl.render(fixture_variables(c)) != c["rendered"].get<std::string>()) ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace llmc::test
