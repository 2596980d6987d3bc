// Error reporting for the whole project.
//
// Configuration, load and protocol failures throw llmc::Error with a message that says what failed, where,
// and what was expected: `LLMC_CHECK(n > 0) << "config.json: num_hidden_layers must be positive, got " << n;`.
// Errors are caught at a boundary (main, the HTTP handler, the worker loop), never swallowed deep inside.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace llmc {

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, std::string source_location)
      : std::runtime_error(message), source_location_(std::move(source_location)) {}
  explicit Error(const std::string& message) : std::runtime_error(message) {}
  // file:line of the check that failed; for developers' logs, not for the user's one-line message.
  const std::string& source_location() const { return source_location_; }

 private:
  std::string source_location_;
};

namespace detail {

// Collects the streamed message and throws when the full expression ends (its destructor runs).
class CheckFailure {
 public:
  CheckFailure(const char* file, int line) : file_(file), line_(line) {}
  CheckFailure(const CheckFailure&) = delete;
  CheckFailure& operator=(const CheckFailure&) = delete;
  template <typename T>
  CheckFailure& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] ~CheckFailure() noexcept(false) {
    std::string message = stream_.str();
    if (message.empty()) message = "internal check failed";
    throw Error(message, std::string(file_) + ":" + std::to_string(line_));
  }

 private:
  const char* file_;
  int line_;
  std::ostringstream stream_;
};

}  // namespace detail
}  // namespace llmc

// LLMC_CHECK(cond) << "message";  throws llmc::Error(message) when cond is false.
#define LLMC_CHECK(cond) \
  if (cond) {            \
  } else                 \
    ::llmc::detail::CheckFailure(__FILE__, __LINE__)

// LLMC_FAIL() << "message";  always throws.
#define LLMC_FAIL() ::llmc::detail::CheckFailure(__FILE__, __LINE__)
