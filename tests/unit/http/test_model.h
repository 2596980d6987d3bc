// The served model of the HTTP tests: the llama3-vocab fixture with the real Llama 3 tokenizer and its chat
// template (unpacked into the build's test-data folder by tests/unit/http/CMakeLists.txt).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "runtime/head/http/served_model.h"

namespace llmc::http_test {

inline std::filesystem::path test_data() {
  const char* dir = std::getenv("LLMC_TEST_DATA");
  return dir != nullptr ? dir : "tests/data";
}
// The build passes the folder in (ctest's environment for these tests carries only LLMC_TEST_DATA).
inline std::filesystem::path tokenizer_dir() {
#ifdef LLMC_HTTP_TEST_TOKENIZER_DIR
  return LLMC_HTTP_TEST_TOKENIZER_DIR;
#else
  const char* dir = std::getenv("LLMC_TEST_DATA_BUILD");
  return std::filesystem::path(dir != nullptr ? dir : "build/test-data") / "http" / "llama3";
#endif
}
inline std::filesystem::path model_dir() { return test_data() / "models" / "llama3-vocab"; }

inline ServedModel test_model(int32_t max_model_len = 512) {
  ServedModelPaths paths;
  paths.model_dir = model_dir();
  paths.tokenizer_dir = tokenizer_dir();
  paths.served_model_names = {"tiny", "tiny-alias"};
  return load_served_model(paths, max_model_len);
}

}  // namespace llmc::http_test
