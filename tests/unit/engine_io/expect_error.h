// EXPECT_LLMC_ERROR(statement, {"part", ...}): the statement throws llmc::Error whose message holds every
// part.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/check.h"

namespace llmc::test {

template <typename F>
void expect_llmc_error(F&& f, const std::vector<std::string>& parts, const char* where) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(message.find(part), std::string::npos)
          << where << ": message lacks '" << part << "': " << message;
    }
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << where << ": threw a non-llmc exception: " << e.what();
    return;
  }
  ADD_FAILURE() << where << ": did not throw";
}

}  // namespace llmc::test

#define EXPECT_LLMC_ERROR(statement, ...) \
  ::llmc::test::expect_llmc_error([&] { statement; }, __VA_ARGS__, #statement)
