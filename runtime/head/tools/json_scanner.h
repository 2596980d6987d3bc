// An incremental JSON syntax checker for one value, fed a byte at a time (RFC 8259 grammar; UTF-8 inside
// strings is passed through unchecked). The tool-call parsers use it to find where a value the model is still
// writing ends, without waiting for the rest of the output.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace llmc::tools {

class JsonScanner {
 public:
  enum class Step {
    kConsumed,     // the byte belongs to the value (done() may now be true)
    kEndedBefore,  // the value (a bare number) had already ended: the byte is not part of it
    kError,        // not JSON; the scanner stays in error
  };

  Step feed(char c);
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }
  bool started() const { return state_ != State::kStart; }
  // End of input: a bare number is complete if it ended in a valid place; anything else unfinished is not.
  bool finish();

 private:
  enum class State : uint8_t {
    kStart,         // before the value (whitespace skipped)
    kValue,         // a value must come (after ':' or ',' in an array, or '[')
    kValueOrClose,  // after '[': a value or ']'
    kKeyOrClose,    // after '{': a key or '}'
    kKey,           // after ',' in an object: a key
    kColon,         // after a key
    kAfterValue,    // inside a container, after a value: ',' or the close
    kString,        // inside a string (key or value)
    kEscape,        // after a backslash
    kUnicode,       // inside \uXXXX (hex_left_ digits to come)
    kNumMinus,
    kNumZero,
    kNumInt,
    kNumDot,
    kNumFrac,
    kNumE,
    kNumESign,
    kNumExp,
    kLiteral,  // inside true / false / null
    kDone,
    kError,
  };

  Step start_value(char c);
  Step after_value();  // a value just ended: pop back to the container (or done)
  Step fail() {
    state_ = State::kError;
    return Step::kError;
  }
  Step number(char c);

  State state_ = State::kStart;
  std::vector<char> stack_;  // open containers: '{' or '['
  bool string_is_key_ = false;
  int hex_left_ = 0;
  const char* literal_ = nullptr;  // the rest of "true" / "false" / "null" still to come
};

bool is_json_space(char c);

}  // namespace llmc::tools
