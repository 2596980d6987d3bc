#include "runtime/head/request_json.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace llmc {
namespace {

using nlohmann::json;

std::string shown(const json& v) { return v.dump(-1, ' ', false, json::error_handler_t::replace); }

[[noreturn]] void refuse(std::string_view field, const std::string& message) {
  throw FieldError(std::string(field), message);
}

std::string number_text(double x) {
  if (std::abs(x) < 1e15 && x == std::floor(x)) return std::to_string(static_cast<int64_t>(x));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// The field path of the first number that overflows a double, found by parsing again with a callback that
// tracks the keys (only on that error, so the common path stays the plain parser). Depth d's key is the
// key inside the container opened at depth d - 1; list levels keep an empty entry.
std::string overflowing_field(const std::string& text, std::string& path) {
  std::vector<std::string> keys;
  const json::parser_callback_t track = [&keys](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key) {
      keys.resize(static_cast<size_t>(depth));
      keys[static_cast<size_t>(depth) - 1] = parsed.get<std::string>();
    } else if (event == json::parse_event_t::object_end || event == json::parse_event_t::array_end) {
      keys.resize(static_cast<size_t>(depth));
    } else if (event == json::parse_event_t::array_start) {
      keys.resize(static_cast<size_t>(depth) + 1);
    }
    return true;
  };
  try {
    const json discarded = json::parse(text, track);
  } catch (const json::out_of_range&) {
  }
  for (const std::string& k : keys) {
    if (k.empty()) continue;
    path += path.empty() ? k : "." + k;
  }
  for (const std::string& k : keys) {
    if (!k.empty()) return k;
  }
  return "";
}

// An integral double as an integer in [lo, hi]. Only below 2^53 is a double an exact integer: larger ones
// are rounded literals (the parser gives integers beyond 64 bits as doubles: -9223372036854775809 becomes
// -2^63, inside int64), so they are refused rather than compared after rounding.
bool integral_in(double d, int64_t lo, int64_t hi, int64_t& out) {
  if (!(d > -0x1p53 && d < 0x1p53)) return false;
  out = static_cast<int64_t>(d);
  return out >= lo && out <= hi;
}

}  // namespace

json parse_request_json(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw FieldError("", std::string("invalid JSON: ") + e.what());
  } catch (const json::out_of_range& e) {
    // 406 is the only out_of_range the parser raises: a number literal beyond a double (1e999).
    std::string path;
    const std::string field = overflowing_field(text, path);
    throw FieldError(
        field, (path.empty() ? std::string("the request") : "'" + path + "'") +
                   " holds a number too large to represent (a JSON number must fit a double): " + e.what());
  }
}

int64_t json_integer(const json& v, std::string_view field, int64_t lo, int64_t hi) {
  int64_t out = 0;
  bool in = false;
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    out = static_cast<int64_t>(u);
    in = u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) && out >= lo && out <= hi;
  } else if (v.is_number_integer()) {
    out = v.get<int64_t>();
    in = out >= lo && out <= hi;
  } else if (v.is_number_float() && std::isfinite(v.get<double>()) &&
             v.get<double>() == std::floor(v.get<double>())) {
    in = integral_in(v.get<double>(), lo, hi, out);
  } else {
    refuse(field, "'" + std::string(field) + "' must be an integer, got " + shown(v));
  }
  if (!in) {
    refuse(field, "'" + std::string(field) + "' must be an integer in [" + std::to_string(lo) + ", " +
                      std::to_string(hi) + "], got " + shown(v));
  }
  return out;
}

double json_number(const json& v, std::string_view field, double lo, double hi, bool lo_open) {
  if (!v.is_number()) refuse(field, "'" + std::string(field) + "' must be a number, got " + shown(v));
  const double d = v.get<double>();
  const bool above_lo = lo_open ? d > lo : d >= lo;
  if (!(above_lo && d <= hi)) {  // also refuses NaN
    refuse(field, "'" + std::string(field) + "' must be a number in " + range_text(lo, hi, lo_open) +
                      ", got " + shown(v));
  }
  return d;
}

std::vector<int32_t> json_token_ids(const json& v, std::string_view field, std::string_view what) {
  if (!v.is_array()) refuse(field, std::string(what) + " must be a list of token ids, got " + shown(v));
  std::vector<int32_t> ids;
  ids.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    try {
      ids.push_back(static_cast<int32_t>(json_integer(v[i], "", 0, std::numeric_limits<int32_t>::max())));
    } catch (const FieldError&) {
      refuse(field, std::string(what) + "[" + std::to_string(i) + "] must be a token id (an integer in [0, " +
                        std::to_string(std::numeric_limits<int32_t>::max()) + "]), got " + shown(v[i]));
    }
  }
  return ids;
}

std::string range_text(double lo, double hi, bool lo_open) {
  return (lo_open ? "(" : "[") + number_text(lo) + ", " + number_text(hi) + "]";
}

}  // namespace llmc
