// The one place a request's JSON text and numbers become C++ values (HTTP bodies and offline input lines).
// Every conversion checks the value against the field's real range in the widest type first, so nothing is
// ever narrowed, wrapped or rounded into a different request: 4294967297 is refused, not read as 1.
// Callers name the field; errors carry it so the HTTP layer can answer 400 with `param` set.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/head/generation_request.h"

namespace llmc {

// A request field that cannot be accepted (kInvalidRequest). field() is the top-level field it sits in
// (empty when the body as a whole is wrong).
class FieldError : public SubmitError {
 public:
  FieldError(std::string field, const std::string& message)
      : SubmitError(Kind::kInvalidRequest, message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// Parses a request's JSON text. Syntax errors and invalid UTF-8 throw FieldError with an empty field; a
// number too large for a double (1e999) throws FieldError naming the field that holds it (nlohmann/json
// reports it as an out_of_range exception with no position, which would otherwise surface as a server error).
nlohmann::json parse_request_json(const std::string& text);

// An integer in [lo, hi]. Accepts JSON integers and integral floats (5.0, 1e3, as pydantic does); anything
// else, or a value outside the range (compared exactly, before any narrowing), throws FieldError.
int64_t json_integer(const nlohmann::json& v, std::string_view field, int64_t lo, int64_t hi);

// A finite number in [lo, hi] ((lo, hi] with lo_open). Integers are accepted; NaN and infinities are not.
double json_number(const nlohmann::json& v, std::string_view field, double lo, double hi,
                   bool lo_open = false);

// A list of token ids: integers in [0, 2^31 - 1] (the vocabulary bound is the engine's check).
// `what` names the list in messages ("'prompt'[2]"), `field` is the top-level field.
std::vector<int32_t> json_token_ids(const nlohmann::json& v, std::string_view field, std::string_view what);

// "[lo, hi]" / "(lo, hi]" as messages print ranges; integers without a decimal point.
std::string range_text(double lo, double hi, bool lo_open = false);

}  // namespace llmc
