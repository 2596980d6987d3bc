// Expression grammar, lowest precedence first, as in jinja2/parser.py:
//   condexpr (a if c else b) < or < and < not < compare (== != < <= > >= in, not in)
//   < + - < ~ < * / // % < ** < unary - + < postfix (.x [i] (args)) and filters (| f, is t).
#include <algorithm>

#include "engine/chat/jinja_builtins.h"
#include "engine/chat/jinja_parser.h"

namespace llmc::jinja {

ExprPtr Parser::make(ExprKind kind, SourcePos pos, std::vector<ExprPtr> children) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  e->children = std::move(children);
  return finish(std::move(e));
}

ExprPtr Parser::finish(ExprPtr node) {
  int depth = 0;
  for (const auto& c : node->children) {
    if (c) depth = std::max(depth, c->depth);
  }
  for (const auto& kw : node->kwargs) depth = std::max(depth, kw.second->depth);
  node->depth = depth + 1;
  if (node->depth > kMaxExprDepth) {
    error_at("expression nested too deeply (more than " + std::to_string(kMaxExprDepth) + " levels)",
             node->pos);
  }
  return node;
}

ExprPtr Parser::parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

ExprPtr Parser::parse_condexpr() {
  ExprPtr expr = parse_or();
  while (at_name("if")) {
    const SourcePos pos = next().pos;
    std::vector<ExprPtr> parts(3);
    parts[0] = parse_or();
    parts[1] = std::move(expr);
    if (skip_name("else")) parts[2] = parse_condexpr();
    expr = make(ExprKind::kCondExpr, pos, std::move(parts));
  }
  return expr;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (at_name("or")) {
    const SourcePos pos = next().pos;
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(left));
    parts.push_back(parse_and());
    left = make(ExprKind::kOr, pos, std::move(parts));
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (at_name("and")) {
    const SourcePos pos = next().pos;
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(left));
    parts.push_back(parse_not());
    left = make(ExprKind::kAnd, pos, std::move(parts));
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (at_name("not")) {
    NestingGuard guard(*this);
    const SourcePos pos = next().pos;
    std::vector<ExprPtr> parts;
    parts.push_back(parse_not());
    return make(ExprKind::kNot, pos, std::move(parts));
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const SourcePos pos = cur().pos;
  ExprPtr first = parse_math1();
  auto node = std::make_unique<Expr>();
  while (true) {
    static constexpr std::string_view kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    if (cur().type == TokenType::kOp &&
        std::find(std::begin(kOps), std::end(kOps), cur().text) != std::end(kOps)) {
      node->ops.push_back(next().text);
    } else if (at_name("in")) {
      next();
      node->ops.push_back("in");
    } else if (at_name("not") && look().type == TokenType::kName && look().text == "in") {
      next(), next();
      node->ops.push_back("notin");
    } else {
      break;
    }
    if (node->children.empty()) node->children.push_back(std::move(first));
    node->children.push_back(parse_math1());
  }
  if (node->ops.empty()) return first;
  node->kind = ExprKind::kCompare;
  node->pos = pos;
  return finish(std::move(node));
}

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (at_op("+") || at_op("-")) {
    const Token& op = next();
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(left));
    parts.push_back(parse_concat());
    left = make(ExprKind::kBinary, op.pos, std::move(parts));
    left->name = op.text;
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  const SourcePos pos = cur().pos;
  std::vector<ExprPtr> parts;
  parts.push_back(parse_math2());
  while (skip_op("~")) parts.push_back(parse_math2());
  if (parts.size() == 1) return std::move(parts[0]);
  return make(ExprKind::kConcat, pos, std::move(parts));
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (at_op("*") || at_op("/") || at_op("//") || at_op("%")) {
    const Token& op = next();
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(left));
    parts.push_back(parse_pow());
    left = make(ExprKind::kBinary, op.pos, std::move(parts));
    left->name = op.text;
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (at_op("**")) {
    const Token& op = next();
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(left));
    parts.push_back(parse_unary(true));
    left = make(ExprKind::kBinary, op.pos, std::move(parts));
    left->name = "**";
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  NestingGuard guard(*this);
  ExprPtr node;
  if (at_op("-") || at_op("+")) {
    const Token& op = next();
    std::vector<ExprPtr> parts;
    parts.push_back(parse_unary(false));
    node = make(op.text == "-" ? ExprKind::kNeg : ExprKind::kPos, op.pos, std::move(parts));
  } else {
    node = parse_primary();
  }
  node = parse_postfix(std::move(node));
  if (with_filter) node = parse_filter_expr(std::move(node));
  return node;
}

ExprPtr Parser::parse_primary() {
  NestingGuard guard(*this);
  const Token& t = cur();
  auto literal = [&](Value v) {
    auto e = make(ExprKind::kLiteral, t.pos);
    e->literal = std::move(v);
    return e;
  };
  switch (t.type) {
    case TokenType::kName: {
      const std::string& n = t.text;
      if (n == "true" || n == "True" || n == "false" || n == "False") {
        next();
        return literal(Value(n == "true" || n == "True"));
      }
      if (n == "none" || n == "None") return next(), literal(Value::none());
      auto e = make(ExprKind::kName, t.pos);
      e->name = next().text;
      return e;
    }
    case TokenType::kString: {  // adjacent literals concatenate, as in Python
      std::string s = next().text;
      while (cur().type == TokenType::kString) s += next().text;
      return literal(Value(std::move(s)));
    }
    case TokenType::kInt:
      return next(), literal(Value(t.int_value));
    case TokenType::kFloat:
      return next(), literal(Value(t.float_value));
    case TokenType::kOp:
      if (t.text == "(") {
        next();
        ExprPtr inner = parse_tuple(true, {}, true);
        expect_op(")");
        return inner;
      }
      if (t.text == "[") return parse_list();
      if (t.text == "{") return parse_dict();
      break;
    default:
      break;
  }
  error("unexpected " + describe(t) + ", expected an expression");
}

ExprPtr Parser::parse_tuple(bool with_condexpr, std::initializer_list<std::string_view> extra_end,
                            bool explicit_parens) {
  const SourcePos pos = cur().pos;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  auto at_end = [&] {
    const Token& t = cur();
    if (t.type == TokenType::kVarEnd || t.type == TokenType::kBlockEnd ||
        (t.type == TokenType::kOp && t.text == ")"))
      return true;
    return t.type == TokenType::kName &&
           std::find(extra_end.begin(), extra_end.end(), t.text) != extra_end.end();
  };
  while (true) {
    if (!items.empty()) expect_op(",");
    if (at_end()) break;
    items.push_back(parse_expression(with_condexpr));
    if (at_op(","))
      is_tuple = true;
    else
      break;
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) error("expected an expression, got " + describe(cur()));
  }
  return make(ExprKind::kTuple, pos, std::move(items));
}

ExprPtr Parser::parse_list() {
  const SourcePos pos = next().pos;
  std::vector<ExprPtr> items;
  while (!at_op("]")) {
    if (!items.empty()) expect_op(",");
    if (at_op("]")) break;
    items.push_back(parse_expression());
  }
  expect_op("]");
  return make(ExprKind::kList, pos, std::move(items));
}

ExprPtr Parser::parse_dict() {
  const SourcePos pos = next().pos;
  std::vector<ExprPtr> items;
  while (!at_op("}")) {
    if (!items.empty()) expect_op(",");
    if (at_op("}")) break;
    items.push_back(parse_expression());
    expect_op(":");
    items.push_back(parse_expression());
  }
  expect_op("}");
  return make(ExprKind::kDict, pos, std::move(items));
}

ExprPtr Parser::parse_postfix(ExprPtr node) {
  while (true) {
    if (at_op(".") || at_op("["))
      node = parse_subscript(std::move(node));
    else if (at_op("("))
      node = parse_call(std::move(node));
    else
      return node;
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr node) {
  while (true) {
    if (at_op("|"))
      node = parse_filter(std::move(node), false);
    else if (at_name("is"))
      node = parse_test(std::move(node));
    else if (at_op("("))
      node = parse_call(std::move(node));
    else
      return node;
  }
}

ExprPtr Parser::parse_subscript(ExprPtr node) {
  const Token& t = next();
  std::vector<ExprPtr> parts;
  parts.push_back(std::move(node));
  if (t.text == ".") {
    const Token& attr = cur();
    if (attr.type == TokenType::kName) {
      auto e = make(ExprKind::kGetAttr, attr.pos, std::move(parts));
      e->name = next().text;
      return e;
    }
    if (attr.type != TokenType::kInt) error("expected an attribute name after '.', got " + describe(attr));
    auto key = make(ExprKind::kLiteral, attr.pos);
    key->literal = Value(next().int_value);
    parts.push_back(std::move(key));
    return make(ExprKind::kGetItem, t.pos, std::move(parts));
  }
  std::vector<ExprPtr> keys;
  while (!at_op("]")) {
    if (!keys.empty()) expect_op(",");
    keys.push_back(parse_subscribed());
  }
  next();
  if (keys.empty()) error_at("expected a subscript inside '[]'", t.pos);
  parts.push_back(keys.size() == 1 ? std::move(keys[0]) : make(ExprKind::kTuple, t.pos, std::move(keys)));
  return make(ExprKind::kGetItem, t.pos, std::move(parts));
}

ExprPtr Parser::parse_subscribed() {
  const SourcePos pos = cur().pos;
  std::vector<ExprPtr> parts(3);
  if (!skip_op(":")) {
    ExprPtr start = parse_expression();
    if (!skip_op(":")) return start;
    parts[0] = std::move(start);
  }
  if (!at_op(":") && !at_op("]") && !at_op(",")) parts[1] = parse_expression();
  if (skip_op(":") && !at_op("]") && !at_op(",")) parts[2] = parse_expression();
  return make(ExprKind::kSlice, pos, std::move(parts));
}

void Parser::parse_call_args(Expr& node) {
  expect_op("(");
  bool first = true;
  while (!at_op(")")) {
    if (!first) expect_op(",");
    first = false;
    if (at_op(")")) break;
    if (at_op("*") || at_op("**")) error("'*args' and '**kwargs' in calls are not supported");
    if (cur().type == TokenType::kName && look().type == TokenType::kOp && look().text == "=") {
      std::string key = next().text;
      next();
      for (const auto& kw : node.kwargs) {
        if (kw.first == key) error("keyword argument '" + key + "' repeated");
      }
      node.kwargs.emplace_back(std::move(key), parse_expression());
    } else {
      if (!node.kwargs.empty()) error("positional argument follows keyword argument");
      node.children.push_back(parse_expression());
    }
  }
  next();
}

ExprPtr Parser::parse_call(ExprPtr callee) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kCall;
  e->pos = cur().pos;
  e->children.push_back(std::move(callee));
  parse_call_args(*e);
  return finish(std::move(e));
}

ExprPtr Parser::parse_filter(ExprPtr node, bool start_inline) {
  while (at_op("|") || start_inline) {
    if (!start_inline) next();
    start_inline = false;
    const SourcePos pos = cur().pos;
    const std::string name = expect_name("a filter name");
    auto e = std::make_unique<Expr>();
    e->kind = ExprKind::kFilter;
    e->pos = pos;
    e->name = name;
    e->filter = find_filter(name);
    if (e->filter == nullptr) {
      error_at(is_unsupported_filter(name) ? "filter '" + name + "' is not supported"
                                           : "no filter named '" + name + "'",
               pos);
    }
    e->children.push_back(std::move(node));
    if (at_op("(")) parse_call_args(*e);
    node = finish(std::move(e));
  }
  return node;
}

ExprPtr Parser::parse_test(ExprPtr node) {
  next();  // 'is'
  const bool negated = skip_name("not");
  const SourcePos pos = cur().pos;
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kTest;
  e->pos = pos;
  e->name = expect_name("a test name after 'is'");
  e->test = find_test(e->name);
  if (e->test == nullptr) error_at("no test named '" + e->name + "'", pos);
  e->children.push_back(std::move(node));
  const Token& t = cur();
  const bool arg_start = t.type == TokenType::kName || t.type == TokenType::kString ||
                         t.type == TokenType::kInt || t.type == TokenType::kFloat ||
                         (t.type == TokenType::kOp && (t.text == "[" || t.text == "{"));
  if (at_op("(")) {
    parse_call_args(*e);
  } else if (arg_start && !at_name("else") && !at_name("or") && !at_name("and")) {
    if (at_name("is")) error("cannot chain tests with 'is'");
    e->children.push_back(parse_postfix(parse_primary()));  // `x is divisibleby 3`
  }
  node = finish(std::move(e));
  if (!negated) return node;
  std::vector<ExprPtr> parts;
  parts.push_back(std::move(node));
  return make(ExprKind::kNot, pos, std::move(parts));
}

}  // namespace llmc::jinja
