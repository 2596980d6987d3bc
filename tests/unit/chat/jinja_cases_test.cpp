// Every case of tests/data/chat/jinja_cases.json: a template, its variables, and what Python jinja2 (set up
// as HF transformers sets it up) prints. The expectations were worked out by hand and checked with
// tests/data/chat/verify_jinja_cases.py against jinja2 3.1.6.
#include <gtest/gtest.h>

#include "tests/unit/chat/chat_test_util.h"

namespace llmc::test {
namespace {

TEST(JinjaCases, EveryCaseRendersAsJinja2Does) {
  const auto cases = read_json_file(test_data("chat/jinja_cases.json"));
  ASSERT_GE(cases.size(), 100u);
  for (const auto& c : cases) {
    const std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    const nlohmann::ordered_json vars = c.value("vars", nlohmann::ordered_json::object());
    try {
      EXPECT_EQ(render(c["template"].get<std::string>(), vars), c["expected"].get<std::string>()) << name;
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " threw: " << e.what();
    }
  }
}

}  // namespace
}  // namespace llmc::test
