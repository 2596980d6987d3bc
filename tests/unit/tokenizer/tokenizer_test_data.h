// Test helpers: where the tokenizer fixtures are (tests/data/tokenizers, tokenizer.json unpacked at build
// time into the build tree) and a per-process cache of loaded tokenizers (loading one takes ~1 s).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/tokenizer/tokenizer.h"

namespace llmc::test {

// The environment set by llmc_add_test, else the folders CMake compiled in (ctest drops all but the first
// variable of a multi-variable ENVIRONMENT given through gtest_discover_tests).
inline std::filesystem::path env_dir(const char* name) {
  if (const char* v = std::getenv(name)) return v;
  if (std::string_view(name) == "LLMC_TEST_DATA") return LLMC_TOKENIZER_TEST_DATA;
  return LLMC_TOKENIZER_TEST_DATA_BUILD;
}

inline std::filesystem::path tokenizer_data(const std::string& model) {
  return env_dir("LLMC_TEST_DATA") / "tokenizers" / model;
}

inline nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  return nlohmann::json::parse(in);
}

inline const Tokenizer& load_tokenizer(const std::string& model) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[model];
  if (!slot) {
    slot = Tokenizer::from_files(env_dir("LLMC_TEST_DATA_BUILD") / "tokenizers" / model / "tokenizer.json",
                                 tokenizer_data(model) / "tokenizer_config.json");
  }
  return *slot;
}

inline std::vector<int32_t> ids_of(const nlohmann::json& j) { return j.get<std::vector<int32_t>>(); }

}  // namespace llmc::test
