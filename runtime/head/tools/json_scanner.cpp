#include "runtime/head/tools/json_scanner.h"

#include <cstring>

namespace llmc::tools {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

JsonScanner::Step JsonScanner::start_value(char c) {
  switch (c) {
    case '{':
      stack_.push_back('{');
      state_ = State::kKeyOrClose;
      return Step::kConsumed;
    case '[':
      stack_.push_back('[');
      state_ = State::kValueOrClose;
      return Step::kConsumed;
    case '"':
      string_is_key_ = false;
      state_ = State::kString;
      return Step::kConsumed;
    case '-':
      state_ = State::kNumMinus;
      return Step::kConsumed;
    case 't':
      literal_ = "rue";
      state_ = State::kLiteral;
      return Step::kConsumed;
    case 'f':
      literal_ = "alse";
      state_ = State::kLiteral;
      return Step::kConsumed;
    case 'n':
      literal_ = "ull";
      state_ = State::kLiteral;
      return Step::kConsumed;
    default:
      break;
  }
  if (c == '0') {
    state_ = State::kNumZero;
    return Step::kConsumed;
  }
  if (is_digit(c)) {
    state_ = State::kNumInt;
    return Step::kConsumed;
  }
  return fail();
}

JsonScanner::Step JsonScanner::after_value() {
  state_ = stack_.empty() ? State::kDone : State::kAfterValue;
  return Step::kConsumed;
}

// A byte while inside a number: either it continues the number, or the number ends before it.
JsonScanner::Step JsonScanner::number(char c) {
  const bool digit = is_digit(c);
  State next = State::kError;
  switch (state_) {
    case State::kNumMinus:
      next = c == '0' ? State::kNumZero : digit ? State::kNumInt : State::kError;
      if (next == State::kError) return fail();
      state_ = next;
      return Step::kConsumed;
    case State::kNumZero:
    case State::kNumInt:
      if (digit && state_ == State::kNumInt) return Step::kConsumed;
      if (c == '.') next = State::kNumDot;
      if (c == 'e' || c == 'E') next = State::kNumE;
      break;
    case State::kNumDot:
      if (!digit) return fail();
      state_ = State::kNumFrac;
      return Step::kConsumed;
    case State::kNumFrac:
      if (digit) return Step::kConsumed;
      if (c == 'e' || c == 'E') next = State::kNumE;
      break;
    case State::kNumE:
      if (c == '+' || c == '-') {
        state_ = State::kNumESign;
        return Step::kConsumed;
      }
      [[fallthrough]];
    case State::kNumESign:
      if (!digit) return fail();
      state_ = State::kNumExp;
      return Step::kConsumed;
    case State::kNumExp:
      if (digit) return Step::kConsumed;
      break;
    default:
      return fail();
  }
  if (next != State::kError) {
    state_ = next;
    return Step::kConsumed;
  }
  // The number ended before `c` (a leading zero followed by a digit is caught by the container below).
  if (stack_.empty()) {
    state_ = State::kDone;
    return Step::kEndedBefore;
  }
  state_ = State::kAfterValue;
  return feed(c);
}

JsonScanner::Step JsonScanner::feed(char c) {
  switch (state_) {
    case State::kStart:
    case State::kValue:
      if (is_json_space(c)) return Step::kConsumed;
      return start_value(c);
    case State::kValueOrClose:
      if (is_json_space(c)) return Step::kConsumed;
      if (c == ']') {
        stack_.pop_back();
        return after_value();
      }
      return start_value(c);
    case State::kKeyOrClose:
    case State::kKey:
      if (is_json_space(c)) return Step::kConsumed;
      if (c == '}' && state_ == State::kKeyOrClose) {
        stack_.pop_back();
        return after_value();
      }
      if (c != '"') return fail();
      string_is_key_ = true;
      state_ = State::kString;
      return Step::kConsumed;
    case State::kColon:
      if (is_json_space(c)) return Step::kConsumed;
      if (c != ':') return fail();
      state_ = State::kValue;
      return Step::kConsumed;
    case State::kAfterValue:
      if (is_json_space(c)) return Step::kConsumed;
      if (c == ',') {
        state_ = stack_.back() == '{' ? State::kKey : State::kValue;
        return Step::kConsumed;
      }
      if ((c == '}' && stack_.back() == '{') || (c == ']' && stack_.back() == '[')) {
        stack_.pop_back();
        return after_value();
      }
      return fail();
    case State::kString:
      if (c == '"') {
        if (string_is_key_) {
          state_ = State::kColon;
          return Step::kConsumed;
        }
        return after_value();
      }
      if (c == '\\') state_ = State::kEscape;
      if (static_cast<unsigned char>(c) < 0x20) return fail();  // control characters must be escaped
      return Step::kConsumed;
    case State::kEscape:
      if (c == 'u') {
        hex_left_ = 4;
        state_ = State::kUnicode;
        return Step::kConsumed;
      }
      if (std::strchr("\"\\/bfnrt", c) == nullptr || c == '\0') return fail();
      state_ = State::kString;
      return Step::kConsumed;
    case State::kUnicode:
      if (!is_hex(c)) return fail();
      if (--hex_left_ == 0) state_ = State::kString;
      return Step::kConsumed;
    case State::kLiteral:
      if (c != *literal_) return fail();
      if (*++literal_ == '\0') return after_value();
      return Step::kConsumed;
    case State::kNumMinus:
    case State::kNumZero:
    case State::kNumInt:
    case State::kNumDot:
    case State::kNumFrac:
    case State::kNumE:
    case State::kNumESign:
    case State::kNumExp:
      return number(c);
    case State::kDone:
      return Step::kEndedBefore;
    case State::kError:
      return Step::kError;
  }
  return fail();
}

bool JsonScanner::finish() {
  if (stack_.empty() && (state_ == State::kNumZero || state_ == State::kNumInt || state_ == State::kNumFrac ||
                         state_ == State::kNumExp)) {
    state_ = State::kDone;
  }
  return done();
}

}  // namespace llmc::tools
