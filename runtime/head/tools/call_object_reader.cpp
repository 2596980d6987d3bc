#include "runtime/head/tools/call_object_reader.h"

#include <nlohmann/json.hpp>

namespace llmc::tools {
namespace {

// A complete JSON string token -> its text; nullopt-like empty flag through `ok`.
std::string decode_string(const std::string& token, bool& ok) {
  try {
    const nlohmann::json v = nlohmann::json::parse(token);
    ok = v.is_string();
    return ok ? v.get<std::string>() : std::string();
  } catch (const nlohmann::json::exception&) {
    ok = false;
    return {};
  }
}

}  // namespace

CallObjectReader::CallObjectReader(int32_t index, bool arguments_required)
    : index_(index), arguments_required_(arguments_required) {}

void CallObjectReader::maybe_start(OutputDelta& out) {
  if (started_ || !have_name_ || !have_arguments_) return;
  started_ = true;
  out.start_call(index_, name_);
  out.add_arguments(index_, held_arguments_);
  held_arguments_.clear();
}

CallObjectReader::Status CallObjectReader::end_of_value(OutputDelta& out) {
  state_ = State::kAfterValue;
  if (field_ == Field::kName) {
    bool ok = false;
    name_ = decode_string(token_, ok);
    if (!ok || name_.empty()) return fail();
    have_name_ = true;
  } else if (field_ == Field::kArguments && arguments_are_string_) {
    bool ok = false;
    const std::string text = decode_string(token_, ok);
    if (!ok) return fail();
    if (started_) {
      out.add_arguments(index_, text);
    } else {
      held_arguments_ = text;
    }
  }
  maybe_start(out);
  return status_;
}

CallObjectReader::Status CallObjectReader::close_object(OutputDelta& out) {
  if (!have_name_) return fail();
  if (!have_arguments_) {
    if (arguments_required_) return fail();
    have_arguments_ = true;
    held_arguments_ = "{}";
  }
  maybe_start(out);
  return status_ = Status::kDone;
}

CallObjectReader::Status CallObjectReader::feed(char c, OutputDelta& out) {
  if (status_ != Status::kReading) return status_;
  raw_ += c;
  switch (state_) {
    case State::kBeforeObject:
      if (is_json_space(c)) return status_;
      if (c != '{') return fail();
      state_ = State::kKeyOrClose;
      return status_;
    case State::kKeyOrClose:
    case State::kKey:
      if (is_json_space(c)) return status_;
      if (c == '}' && state_ == State::kKeyOrClose) return close_object(out);
      if (c != '"') return fail();
      scanner_ = JsonScanner();
      scanner_.feed(c);
      token_ = c;
      state_ = State::kInKey;
      return status_;
    case State::kInKey: {
      if (scanner_.feed(c) != JsonScanner::Step::kConsumed) return fail();
      token_ += c;
      if (!scanner_.done()) return status_;
      bool ok = false;
      const std::string key = decode_string(token_, ok);
      if (!ok) return fail();
      field_ = key == "name"                               ? Field::kName
               : key == "arguments" || key == "parameters" ? Field::kArguments
                                                           : Field::kOther;
      // A second name or second arguments would make the streamed call ambiguous.
      if ((field_ == Field::kName && have_name_) || (field_ == Field::kArguments && have_arguments_))
        return fail();
      state_ = State::kColon;
      return status_;
    }
    case State::kColon:
      if (is_json_space(c)) return status_;
      if (c != ':') return fail();
      state_ = State::kValueStart;
      return status_;
    case State::kValueStart:
      if (is_json_space(c)) return status_;
      if (field_ == Field::kName && c != '"') return fail();
      if (field_ == Field::kArguments) {
        if (c != '{' && c != '"') return fail();  // arguments are an object (or a string holding one)
        arguments_are_string_ = c == '"';
        have_arguments_ = true;
      }
      scanner_ = JsonScanner();
      token_.clear();
      state_ = State::kInValue;
      [[fallthrough]];
    case State::kInValue: {
      const JsonScanner::Step step = scanner_.feed(c);
      if (step == JsonScanner::Step::kError) return fail();
      if (step == JsonScanner::Step::kEndedBefore) {  // a bare number ended; `c` comes after it
        raw_.pop_back();
        if (end_of_value(out) != Status::kReading) return status_;
        return feed(c, out);
      }
      if (field_ == Field::kArguments && !arguments_are_string_) {
        if (started_) {
          out.add_arguments(index_, std::string_view(&c, 1));
        } else {
          held_arguments_ += c;
          maybe_start(out);
        }
      } else if (field_ != Field::kOther) {
        token_ += c;
      }
      if (scanner_.done()) return end_of_value(out);
      return status_;
    }
    case State::kAfterValue:
      if (is_json_space(c)) return status_;
      if (c == ',') {
        state_ = State::kKey;
        return status_;
      }
      if (c == '}') return close_object(out);
      return fail();
  }
  return fail();
}

}  // namespace llmc::tools
