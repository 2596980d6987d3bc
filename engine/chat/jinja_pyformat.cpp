#include "engine/chat/jinja_pyformat.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/chat/jinja_args.h"
#include "engine/chat/jinja_unicode.h"

namespace llmc::jinja {
namespace {

std::string c_format(const char* spec_fmt, int precision, double v) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof(buf), spec_fmt, precision, v);
  if (n >= 0 && n < static_cast<int>(sizeof(buf))) return std::string(buf, static_cast<size_t>(n));
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(big.data(), big.size(), spec_fmt, precision, v);
  big.resize(static_cast<size_t>(n));
  return big;
}

// Parsed printf / format-spec options shared by both formatting styles.
struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 for the type's default
  char sign = '-';
  bool alternate = false;
  bool zero = false;
  int width = 0;
  int precision = -1;
  char grouping = 0;
  char type = 0;
};

std::string pad(std::string body, const Spec& spec, char default_align) {
  const size_t len = utf8_length(body);
  if (spec.width <= 0 || len >= static_cast<size_t>(spec.width)) return body;
  const size_t n = static_cast<size_t>(spec.width) - len;
  char align = spec.align ? spec.align : default_align;
  if (align == '=') {  // padding after the sign, as zero-padding does
    size_t sign_len = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
    return body.substr(0, sign_len) + std::string(n, spec.fill) + body.substr(sign_len);
  }
  if (align == '<') return body + std::string(n, spec.fill);
  if (align == '^') return std::string(n / 2, spec.fill) + body + std::string(n - n / 2, spec.fill);
  return std::string(n, spec.fill) + body;
}

std::string group_digits(const std::string& digits, char sep) {
  std::string out;
  const size_t n = digits.size();
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string with_sign(std::string magnitude, bool negative, char sign) {
  if (negative) return "-" + magnitude;
  if (sign == '+') return "+" + magnitude;
  if (sign == ' ') return " " + magnitude;
  return magnitude;
}

std::string format_integer(int64_t v, const Spec& spec) {
  const bool negative = v < 0;
  const uint64_t mag = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char buf[80];
  int base = 10;
  std::string prefix;
  switch (spec.type) {
    case 'x':
    case 'X':
      base = 16, prefix = spec.alternate ? (spec.type == 'x' ? "0x" : "0X") : "";
      break;
    case 'o':
      base = 8, prefix = spec.alternate ? "0o" : "";
      break;
    case 'b':
      base = 2, prefix = spec.alternate ? "0b" : "";
      break;
    default:
      break;
  }
  auto res = std::to_chars(buf, buf + sizeof(buf), mag, base);
  std::string digits(buf, res.ptr);
  if (spec.type == 'X') {
    for (char& c : digits) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (spec.grouping) digits = group_digits(digits, spec.grouping);
  return with_sign(prefix + digits, negative, spec.sign);
}

std::string format_floating(double v, const Spec& spec) {
  char type = spec.type;
  int precision = spec.precision;
  std::string body;
  const bool negative = std::signbit(v) && !std::isnan(v);
  const double mag = std::fabs(v);
  if (type == 0 && precision < 0) {
    body = format_float(mag);
  } else {
    std::string fmt = "%";
    if (spec.alternate) fmt += "#";
    bool percent = false;
    if (type == '%') percent = true, type = 'f';
    if (type == 0 || type == 'n') type = 'g';
    if (precision < 0) precision = 6;
    fmt += ".*";
    fmt.push_back(type);
    body = c_format(fmt.c_str(), precision, percent ? mag * 100 : mag);
    if (percent) body += "%";
    if (spec.type == 0 && body.find_first_of(".eEn") == std::string::npos) body += ".0";
  }
  if (spec.grouping) {
    const size_t int_end = body.find_first_not_of("0123456789");
    body = group_digits(body.substr(0, int_end), spec.grouping) +
           (int_end == std::string::npos ? "" : body.substr(int_end));
  }
  return with_sign(body, negative, spec.sign);
}

// The number-or-string body of one conversion, before padding.
std::string format_value(const Value& v, Spec& spec, bool printf_style) {
  const char t = spec.type;
  if (t == 's' || (t == 0 && !v.is_number())) {
    if (!printf_style && !v.is_string() && !v.is_number() &&
        (spec.width || spec.precision >= 0 || spec.align)) {
      fail("unsupported format string passed to " + type_name(v) + ".__format__");
    }
    std::string s = to_str(v);
    if (spec.precision >= 0) s = encode_utf8(decode_utf8(s).substr(0, static_cast<size_t>(spec.precision)));
    return s;
  }
  if (t == 'r' || t == 'a') return to_repr(v);
  if (t == 'c') {
    if (v.is_string() && utf8_length(v.as_string()) == 1) return v.as_string();
    if (!v.is_int()) fail("%c requires int or char");
    std::string s;
    append_utf8(s, static_cast<char32_t>(v.as_int()));
    return s;
  }
  if (!v.is_number()) fail(std::string("%") + t + " format: a real number is required, not " + type_name(v));
  const bool int_type = t == 'd' || t == 'i' || t == 'u' || t == 'x' || t == 'X' || t == 'o' || t == 'b';
  if (int_type || (t == 0 && v.is_int())) {
    if (!v.is_int() && !printf_style)
      fail(std::string("Unknown format code '") + t + "' for object of type 'float'");
    if (!v.is_int() && (t == 'x' || t == 'X' || t == 'o'))
      fail(std::string("%") + t + " format: an integer is required, not float");
    const double d = v.as_double();
    if (!v.is_int() && !(std::isfinite(d) && std::fabs(d) < 9.2e18)) fail("cannot convert float to integer");
    const int64_t i = v.is_int() ? v.as_int() : static_cast<int64_t>(std::trunc(d));
    if (printf_style && spec.precision >= 0) {  // printf precision means minimum digits for integers
      Spec digits_spec = spec;
      digits_spec.sign = '-';
      std::string mag = format_integer(i < 0 ? -i : i, digits_spec);
      if (mag.size() < static_cast<size_t>(spec.precision)) mag.insert(0, spec.precision - mag.size(), '0');
      return with_sign(mag, i < 0, spec.sign);
    }
    return format_integer(i, spec);
  }
  return format_floating(v.as_double(), spec);
}

// printf right-aligns everything by default; str.format left-aligns all but numbers.
std::string finish(std::string body, Spec& spec, const Value& v, bool printf_style) {
  const bool numeric = v.is_number() && spec.type != 's' && spec.type != 'r';
  if (spec.zero && numeric && !spec.align) spec.fill = '0', spec.align = '=';
  return pad(std::move(body), spec, numeric || printf_style ? '>' : '<');
}

int parse_number(std::string_view s, size_t& i) {
  int n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    n = n * 10 + (s[i] - '0');
    if (n > 100000) fail("format width or precision too large");
    ++i;
  }
  return n;
}

}  // namespace

std::string format_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // [-]d[.ddd]e[+-]xx, shortest round-trip digits
  std::string sign;
  if (sci[0] == '-') sign = "-", sci.erase(0, 1);
  const size_t e_pos = sci.find('e');
  const int exp = std::atoi(sci.c_str() + e_pos + 1);
  std::string digits = sci.substr(0, e_pos);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  if (exp < -4 || exp >= 16) {                // CPython's repr switches to exponent form outside [1e-4, 1e16)
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) mantissa += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return sign + mantissa + ebuf;
  }
  if (exp < 0) return sign + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  const size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits) return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

std::string repr_string(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : decode_utf8(s)) {
    if (c == '\\' || c == static_cast<char32_t>(quote)) {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_py_printable(c)) {
      append_utf8(out, c);
    } else {
      char buf[16];
      if (c < 0x100)
        std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned>(c));
      else if (c < 0x10000)
        std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
      else
        std::snprintf(buf, sizeof(buf), "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  out.push_back(quote);
  return out;
}

std::string percent_format(std::string_view fmt, const Value& args) {
  std::vector<Value> values;
  const bool mapping = args.is_dict();
  if (args.is_list() && args.as_list().is_tuple)
    values = args.as_list().items;
  else
    values.push_back(args);
  size_t next = 0;
  bool used_mapping = false;
  auto take = [&]() -> const Value& {
    if (next >= values.size()) fail("not enough arguments for format string");
    return values[next++];
  };
  std::string out;
  size_t i = 0;
  while (i < fmt.size()) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i++]);
      continue;
    }
    if (++i >= fmt.size()) fail("incomplete format");
    Spec spec;
    const Value* keyed = nullptr;
    if (fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string_view::npos) fail("incomplete format key");
      if (!mapping) fail("format requires a mapping");
      keyed = args.as_dict().find(fmt.substr(i + 1, close - i - 1));
      if (keyed == nullptr)
        fail("format key '" + std::string(fmt.substr(i + 1, close - i - 1)) + "' not found");
      used_mapping = true;
      i = close + 1;
    }
    for (; i < fmt.size() && std::string_view("-+ #0").find(fmt[i]) != std::string_view::npos; ++i) {
      if (fmt[i] == '-')
        spec.align = '<';
      else if (fmt[i] == '+' || (fmt[i] == ' ' && spec.sign != '+'))
        spec.sign = fmt[i];
      else if (fmt[i] == '#')
        spec.alternate = true;
      else
        spec.zero = true;
    }
    if (i < fmt.size() && fmt[i] == '*')
      spec.width = static_cast<int>(take().as_int()), ++i;
    else
      spec.width = parse_number(fmt, i);
    if (i < fmt.size() && fmt[i] == '.') {
      ++i;
      if (i < fmt.size() && fmt[i] == '*')
        spec.precision = static_cast<int>(take().as_int()), ++i;
      else
        spec.precision = parse_number(fmt, i);
    }
    if (i >= fmt.size()) fail("incomplete format");
    const char type = fmt[i++];
    if (type == '%') {
      out.push_back('%');
      continue;
    }
    if (std::string_view("sradiufFeEgGxXoc").find(type) == std::string_view::npos) {
      fail(std::string("unsupported format character '") + type + "'");
    }
    spec.type = (type == 'i' || type == 'u') ? 'd' : type;
    const Value& v = keyed ? *keyed : take();
    if (spec.align == '<') spec.zero = false;
    std::string body = format_value(v, spec, true);
    out += finish(std::move(body), spec, v, true);
  }
  if (!used_mapping && next < values.size() && !(mapping && next == 0)) {
    fail("not all arguments converted during string formatting");
  }
  return out;
}

std::string format_with_spec(const Value& v, std::string_view text) {
  if (text.empty()) return to_str(v);  // format(x, "") is str(x), also for bools
  Spec spec;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  if (text.size() >= 2 && is_align(text[1]))
    spec.fill = text[0], spec.align = text[1], i = 2;
  else if (!text.empty() && is_align(text[0]))
    spec.align = text[0], i = 1;
  if (i < text.size() && (text[i] == '+' || text[i] == '-' || text[i] == ' ')) spec.sign = text[i++];
  if (i < text.size() && text[i] == '#') spec.alternate = true, ++i;
  if (i < text.size() && text[i] == '0') spec.zero = true, ++i;
  spec.width = parse_number(text, i);
  if (i < text.size() && (text[i] == ',' || text[i] == '_')) spec.grouping = text[i++];
  if (i < text.size() && text[i] == '.') ++i, spec.precision = parse_number(text, i);
  if (i < text.size()) spec.type = text[i++];
  if (i != text.size()) fail("invalid format specifier '" + std::string(text) + "'");
  if (spec.type == 'n') spec.type = 0;
  std::string body = format_value(v, spec, false);
  return finish(std::move(body), spec, v, false);
}

std::string str_format(std::string_view fmt, const CallArgs& args) {
  std::string out;
  size_t auto_index = 0;
  size_t i = 0;
  while (i < fmt.size()) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') {
        out.push_back('}');
        i += 2;
        continue;
      }
      fail("Single '}' encountered in format string");
    }
    if (c != '{') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      i += 2;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string_view::npos) fail("Single '{' encountered in format string");
    std::string_view field = fmt.substr(i + 1, close - i - 1);
    i = close + 1;
    std::string_view spec;
    char conversion = 0;
    if (const size_t colon = field.find(':'); colon != std::string_view::npos) {
      spec = field.substr(colon + 1), field = field.substr(0, colon);
    }
    if (const size_t bang = field.find('!'); bang != std::string_view::npos) {
      if (bang + 2 != field.size()) fail("invalid conversion in format string");
      conversion = field[bang + 1], field = field.substr(0, bang);
    }
    const Value* value = nullptr;
    if (field.empty() || std::isdigit(static_cast<unsigned char>(field[0]))) {
      size_t index = auto_index++;
      if (!field.empty()) {
        size_t p = 0;
        index = static_cast<size_t>(parse_number(field, p));
      }
      if (index >= args.positional.size())
        fail("Replacement index " + std::to_string(index) + " out of range for positional args tuple");
      value = &args.positional[index];
    } else {
      for (const auto& [name, v] : args.named) {
        if (name == field) value = &v;
      }
      if (value == nullptr) fail("format string field '" + std::string(field) + "' was not given");
    }
    if (conversion == 'r' || conversion == 'a')
      out += format_with_spec(Value(to_repr(*value)), spec);
    else if (conversion == 's')
      out += format_with_spec(Value(to_str(*value)), spec);
    else if (conversion != 0)
      fail(std::string("Unknown conversion specifier ") + conversion);
    else
      out += format_with_spec(*value, spec);
  }
  return out;
}

}  // namespace llmc::jinja
