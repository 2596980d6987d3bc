// Shared helpers of the chat-template tests: test-data paths and rendering shortcuts.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "engine/chat/chat_template.h"

namespace llmc::test {

inline std::filesystem::path test_data(const std::string& relative) {
  const char* root = std::getenv("LLMC_TEST_DATA");
  if (root == nullptr) throw std::runtime_error("LLMC_TEST_DATA is not set (run the tests through ctest)");
  return std::filesystem::path(root) / relative;
}

inline nlohmann::ordered_json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::stringstream buf;
  buf << in.rdbuf();
  return nlohmann::ordered_json::parse(buf.str());
}

inline std::string render(const std::string& source,
                          const nlohmann::ordered_json& vars = nlohmann::ordered_json::object()) {
  return ChatTemplate::parse(source).render(vars);
}

// Runs `fn`, expecting ChatTemplateError; returns it for further checks.
template <typename Fn>
ChatTemplateError expect_template_error(Fn fn) {
  try {
    fn();
  } catch (const ChatTemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ChatTemplateError";
  return ChatTemplateError("no error", 0, 0, false);
}

}  // namespace llmc::test
