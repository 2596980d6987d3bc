// Reads one tool-call JSON object as the model writes it, a byte at a time:
//   {"name": "get_weather", "arguments": {"city": "Paris"}}
// ("parameters" is accepted for "arguments"; other keys are skipped; keys may come in any order). The call
// starts (OutputDelta::start_call) as soon as its name is known and its arguments have begun, so argument
// text streams while the model writes it; arguments written before the name are held until the name comes.
// Arguments that are a JSON string holding the object (some models write that) are decoded and given when the
// string ends.
//
// Used by the format parsers (hermes, mistral, llama3_json), which own what surrounds the object.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/head/tools/json_scanner.h"
#include "runtime/head/tools/output_delta.h"

namespace llmc::tools {

class CallObjectReader {
 public:
  enum class Status { kReading, kDone, kError };

  // `arguments_required`: an object without arguments is not a call (else its arguments are "{}").
  CallObjectReader(int32_t index, bool arguments_required);

  // One byte of the output; call events go to `out`. After kDone or kError the reader takes no more bytes.
  Status feed(char c, OutputDelta& out);
  // The output ended: kDone if the object was complete, else kError.
  Status finish() const { return status_; }

  Status status() const { return status_; }
  // Whether the call has been started in some OutputDelta (its text can no longer be taken back as content).
  bool started() const { return started_; }
  // Every byte fed so far (to hand back as content when this turned out not to be a call).
  const std::string& raw() const { return raw_; }

 private:
  enum class State : uint8_t {
    kBeforeObject,
    kKeyOrClose,
    kKey,
    kInKey,
    kColon,
    kValueStart,
    kInValue,
    kAfterValue
  };
  enum class Field : uint8_t { kName, kArguments, kOther };

  Status fail() { return status_ = Status::kError; }
  Status end_of_value(OutputDelta& out);
  Status close_object(OutputDelta& out);
  void maybe_start(OutputDelta& out);

  int32_t index_;
  bool arguments_required_;
  Status status_ = Status::kReading;
  State state_ = State::kBeforeObject;
  Field field_ = Field::kOther;
  JsonScanner scanner_;
  std::string raw_;
  std::string token_;  // the key or string value being read (raw JSON)
  std::string name_;
  bool have_name_ = false;
  bool have_arguments_ = false;  // the arguments value has begun
  bool arguments_are_string_ = false;
  bool started_ = false;
  std::string held_arguments_;  // argument text read before the call could start
};

}  // namespace llmc::tools
