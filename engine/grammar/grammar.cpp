#include "engine/grammar/grammar.h"

#include <cstdio>

#include "common/check.h"

namespace llmc::grammar {

ExprId Grammar::add(Expr e) {
  exprs_.push_back(std::move(e));
  return static_cast<ExprId>(exprs_.size() - 1);
}

ExprId Grammar::empty() { return add(Expr{}); }

ExprId Grammar::bytes(const ByteSet& set) {
  Expr e;
  e.kind = ExprKind::kBytes;
  e.bytes = set;
  return add(std::move(e));
}

ExprId Grammar::byte_range(uint8_t lo, uint8_t hi) {
  ByteSet set;
  for (int b = lo; b <= hi; ++b) set.set(static_cast<size_t>(b));
  return bytes(set);
}

ExprId Grammar::literal(std::string_view text) {
  if (text.empty()) return empty();
  std::vector<ExprId> parts;
  parts.reserve(text.size());
  for (char c : text) {
    const auto b = static_cast<uint8_t>(c);
    parts.push_back(byte_range(b, b));
  }
  return seq(std::move(parts));
}

ExprId Grammar::seq(std::vector<ExprId> parts) {
  if (parts.empty()) return empty();
  if (parts.size() == 1) return parts[0];
  Expr e;
  e.kind = ExprKind::kSeq;
  e.children = std::move(parts);
  return add(std::move(e));
}

ExprId Grammar::alt(std::vector<ExprId> options) {
  if (options.empty()) return bytes(ByteSet{});  // no option: matches nothing
  if (options.size() == 1) return options[0];
  Expr e;
  e.kind = ExprKind::kAlt;
  e.children = std::move(options);
  return add(std::move(e));
}

ExprId Grammar::repeat(ExprId inner, int32_t min, int32_t max) {
  LLMC_CHECK(min >= 0 && (max < 0 || max >= min)) << "grammar: bad repetition {" << min << "," << max << "}";
  if (min == 1 && max == 1) return inner;
  if (max == 0) return empty();
  Expr e;
  e.kind = ExprKind::kRepeat;
  e.children = {inner};
  e.min = min;
  e.max = max;
  return add(std::move(e));
}

ExprId Grammar::call(RuleId rule) {
  LLMC_CHECK(rule >= 0 && rule < num_rules()) << "grammar: call of unknown rule " << rule;
  Expr e;
  e.kind = ExprKind::kCall;
  e.rule = rule;
  return add(std::move(e));
}

RuleId Grammar::add_rule(std::string name) {
  LLMC_CHECK(find_rule(name) < 0) << "grammar: rule '" << name << "' is defined twice";
  rules_.push_back(Rule{std::move(name), -1});
  return static_cast<RuleId>(rules_.size() - 1);
}

void Grammar::set_body(RuleId rule, ExprId body) {
  LLMC_CHECK(rule >= 0 && rule < num_rules() && body >= 0 && body < num_exprs())
      << "grammar: set_body(" << rule << ", " << body << ") out of range";
  rules_[static_cast<size_t>(rule)].body = body;
}

RuleId Grammar::find_rule(std::string_view name) const {
  for (size_t i = 0; i < rules_.size(); ++i) {
    if (rules_[i].name == name) return static_cast<RuleId>(i);
  }
  return -1;
}

std::string Grammar::unique_name(std::string_view base) const {
  std::string name(base);
  for (int k = 1; find_rule(name) >= 0; ++k) name = std::string(base) + "-" + std::to_string(k);
  return name;
}

namespace {

std::string byte_text(int b) {
  if (b == '\\' || b == ']' || b == '-' || b == '^' || b == '"') return std::string("\\") + static_cast<char>(b);
  if (b >= 0x20 && b < 0x7F) return std::string(1, static_cast<char>(b));
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", b);
  return buf;
}

// Appends only (g++ 12 warns falsely, -Wrestrict, on `"[" + std::string`).
std::string set_text(const ByteSet& set) {
  std::string out = "[";
  for (int b = 0; b < 256;) {
    if (!set.test(static_cast<size_t>(b))) {
      ++b;
      continue;
    }
    int e = b;
    while (e + 1 < 256 && set.test(static_cast<size_t>(e + 1))) ++e;
    out.append(byte_text(b));
    if (e > b) {
      out.push_back('-');
      out.append(byte_text(e));
    }
    b = e + 1;
  }
  out.push_back(']');
  return out;
}

}  // namespace

std::string Grammar::expr_to_string(ExprId id) const {
  const Expr& e = expr(id);
  switch (e.kind) {
    case ExprKind::kEmpty:
      return "\"\"";
    case ExprKind::kBytes:
      return set_text(e.bytes);
    case ExprKind::kCall:
      return rule(e.rule).name;
    case ExprKind::kSeq:
    case ExprKind::kAlt: {
      std::string out = "(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        if (i > 0) out += e.kind == ExprKind::kSeq ? " " : " | ";
        out += expr_to_string(e.children[i]);
      }
      return out + ")";
    }
    case ExprKind::kRepeat:
      return expr_to_string(e.children[0]) + "{" + std::to_string(e.min) + "," +
             (e.max < 0 ? std::string() : std::to_string(e.max)) + "}";
  }
  return "?";
}

std::string Grammar::to_string() const {
  std::string out;
  for (const Rule& r : rules_) {
    out += r.name + " ::= " + (r.body >= 0 ? expr_to_string(r.body) : std::string("<undefined>")) + "\n";
  }
  return out;
}

}  // namespace llmc::grammar
