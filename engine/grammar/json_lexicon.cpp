#include "engine/grammar/json_lexicon.h"

#include <cstdio>

namespace llmc::grammar {
namespace {

// The escape JSON serializers write for a character that cannot appear raw.
std::string escape_of(uint32_t c) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      return buf;
    }
  }
}

CharClass must_escape() {
  CharClass c = CharClass::range(0, 0x1F);
  c.add('"', '"');
  c.add('\\', '\\');
  return c;
}

ByteSet byte_set(std::string_view chars) {
  ByteSet s;
  for (char c : chars) s.set(static_cast<uint8_t>(c));
  return s;
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<uint8_t>(ch);
    if (c < 0x20 || c == '"' || c == '\\') {
      out += escape_of(c);
    } else {
      out.push_back(ch);
    }
  }
  return out + "\"";
}

ExprId JsonLexicon::ws() {
  if (ws_ < 0) ws_ = g_.repeat(g_.bytes(byte_set(" \t\n\r")), 0, kMaxJsonWhitespace);
  return ws_;
}

ExprId JsonLexicon::any_char() {
  if (any_char_ >= 0) return any_char_;
  const ExprId raw = utf8_expr(g_, CharClass::any().minus(must_escape()));
  const ExprId hex = g_.bytes(byte_set("0123456789abcdefABCDEF"));
  // \uXXXX outside D800-DFFF.
  const ExprId not_surrogate =
      g_.alt({g_.seq({g_.bytes(byte_set("0123456789abcefABCEF")), hex, hex, hex}),
              g_.seq({g_.bytes(byte_set("dD")), g_.bytes(byte_set("01234567")), hex, hex})});
  const ExprId escape =
      g_.seq({g_.literal("\\"), g_.alt({g_.bytes(byte_set("\"\\/bfnrt")), g_.seq({g_.literal("u"), not_surrogate})})});
  any_char_ = g_.alt({raw, escape});
  return any_char_;
}

ExprId JsonLexicon::char_of(const CharClass& set) {
  std::vector<ExprId> options;
  const CharClass raw = set.minus(must_escape());
  if (!raw.empty()) options.push_back(utf8_expr(g_, raw));
  for (const CodePointRange& r : set.ranges()) {
    for (uint32_t c = r.lo; c <= r.hi && c <= 0x5C; ++c) {
      if (c < 0x20 || c == '"' || c == '\\') options.push_back(g_.literal(escape_of(c)));
    }
  }
  return g_.alt(std::move(options));
}

ExprId JsonLexicon::string(int32_t min_chars, int32_t max_chars) {
  return g_.seq({g_.literal("\""), g_.repeat(any_char(), min_chars, max_chars), g_.literal("\"")});
}

ExprId JsonLexicon::integer() {
  if (integer_ >= 0) return integer_;
  const ExprId digit = g_.byte_range('0', '9');
  integer_ = g_.seq({g_.opt(g_.literal("-")), g_.alt({g_.literal("0"), g_.seq({g_.byte_range('1', '9'), g_.star(digit)})})});
  return integer_;
}

ExprId JsonLexicon::number() {
  if (number_ >= 0) return number_;
  const ExprId digit = g_.byte_range('0', '9');
  const ExprId fraction = g_.opt(g_.seq({g_.literal("."), g_.plus(digit)}));
  const ExprId exponent =
      g_.opt(g_.seq({g_.bytes(byte_set("eE")), g_.opt(g_.bytes(byte_set("+-"))), g_.plus(digit)}));
  number_ = g_.seq({integer(), fraction, exponent});
  return number_;
}

void JsonLexicon::make_value_rules() {
  if (value_ >= 0) return;
  value_ = g_.add_rule(g_.unique_name("json-value"));
  object_ = g_.add_rule(g_.unique_name("json-object"));
  array_ = g_.add_rule(g_.unique_name("json-array"));
  const ExprId value = g_.call(value_);
  g_.set_body(value_, g_.alt({g_.call(object_), g_.call(array_), string(), number(), g_.literal("true"),
                              g_.literal("false"), g_.literal("null")}));
  const ExprId member = g_.seq({string(), ws(), g_.literal(":"), ws(), value, ws()});
  g_.set_body(object_, g_.seq({g_.literal("{"), ws(),
                               g_.opt(g_.seq({member, g_.star(g_.seq({g_.literal(","), ws(), member}))})),
                               g_.literal("}")}));
  const ExprId element = g_.seq({value, ws()});
  g_.set_body(array_, g_.seq({g_.literal("["), ws(),
                              g_.opt(g_.seq({element, g_.star(g_.seq({g_.literal(","), ws(), element}))})),
                              g_.literal("]")}));
}

ExprId JsonLexicon::any_value() {
  make_value_rules();
  return g_.call(value_);
}

ExprId JsonLexicon::any_object() {
  make_value_rules();
  return g_.call(object_);
}

ExprId JsonLexicon::any_array() {
  make_value_rules();
  return g_.call(array_);
}

}  // namespace llmc::grammar
