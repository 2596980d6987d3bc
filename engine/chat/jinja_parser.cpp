#include "engine/chat/jinja_parser.h"

#include <algorithm>

namespace llmc::jinja {
namespace {

std::string join_tags(std::initializer_list<std::string_view> tags) {
  std::string out;
  for (std::string_view t : tags) {
    if (!out.empty()) out += " or ";
    out += quoted(t);
  }
  return out;
}

bool is_end_tag(std::string_view name) {
  static constexpr std::string_view kEnds[] = {"elif",    "else",          "endif",   "endfor",
                                               "endset",  "endmacro",      "endcall", "endfilter",
                                               "endwith", "endgeneration", "endraw"};
  return std::find(std::begin(kEnds), std::end(kEnds), name) != std::end(kEnds);
}

bool is_unsupported_tag(std::string_view name) {
  static constexpr std::string_view kTags[] = {"include",   "extends",  "block",        "import",
                                               "from",      "do",       "autoescape",   "trans",
                                               "pluralize", "endblock", "endautoescape"};
  return std::find(std::begin(kTags), std::end(kTags), name) != std::end(kTags);
}

bool mentions(const Expr* e, std::string_view name) {
  if (e == nullptr) return false;
  if (e->kind == ExprKind::kName && e->name == name) return true;
  for (const auto& c : e->children) {
    if (mentions(c.get(), name)) return true;
  }
  for (const auto& kw : e->kwargs) {
    if (mentions(kw.second.get(), name)) return true;
  }
  return false;
}

bool mentions(const Body& body, std::string_view name);

bool mentions(const Stmt& s, std::string_view name) {
  if (mentions(s.expr.get(), name) || mentions(s.condition.get(), name) || mentions(s.body, name) ||
      mentions(s.else_body, name)) {
    return true;
  }
  for (const auto& [cond, body] : s.branches) {
    if (mentions(cond.get(), name) || mentions(body, name)) return true;
  }
  for (const auto& d : s.defaults) {
    if (mentions(d.get(), name)) return true;
  }
  for (const auto& a : s.assignments) {
    if (mentions(a.second.get(), name)) return true;
  }
  return false;
}

bool mentions(const Body& body, std::string_view name) {
  for (const auto& s : body) {
    if (mentions(*s, name)) return true;
  }
  return false;
}

StmtPtr make_stmt(StmtKind kind, SourcePos pos) {
  auto s = std::make_unique<Stmt>();
  s->kind = kind;
  s->pos = pos;
  return s;
}

}  // namespace

NestingGuard::NestingGuard(Parser& p) : parser_(p) {
  if (++parser_.nesting_ > kMaxNesting) {
    parser_.error("template nested too deeply (more than " + std::to_string(kMaxNesting) + " levels)");
  }
}

std::shared_ptr<const Template> parse_template(std::string_view source) {
  Parser parser(tokenize(source));
  return std::make_shared<const Template>(parser.parse());
}

Template Parser::parse() {
  Template t;
  t.body = parse_body({}, "", {});
  return t;
}

bool Parser::skip_op(std::string_view op) {
  if (!at_op(op)) return false;
  next();
  return true;
}

bool Parser::skip_name(std::string_view name) {
  if (!at_name(name)) return false;
  next();
  return true;
}

std::string Parser::describe(const Token& t) const {
  switch (t.type) {
    case TokenType::kEof:
      return "end of template";
    case TokenType::kBlockEnd:
      return "end of statement block";
    case TokenType::kVarEnd:
      return "end of print statement";
    case TokenType::kBlockBegin:
      return "begin of statement block";
    case TokenType::kVarBegin:
      return "begin of print statement";
    case TokenType::kText:
      return "template text";
    case TokenType::kString:
      return "string literal";
    default:
      return quoted(t.text);
  }
}

void Parser::error(const std::string& message) const { error_at(message, cur().pos); }
void Parser::error_at(const std::string& message, SourcePos pos) const { throw SyntaxError(message, pos); }

void Parser::expect_op(std::string_view op) {
  if (!skip_op(op)) error("expected '" + std::string(op) + "', got " + describe(cur()));
}

std::string Parser::expect_name(std::string_view what) {
  if (cur().type != TokenType::kName) error("expected " + std::string(what) + ", got " + describe(cur()));
  return next().text;
}

void Parser::expect_block_end(std::string_view tag) {
  if (cur().type != TokenType::kBlockEnd) {
    error("expected end of '" + std::string(tag) + "' tag ('%}'), got " + describe(cur()));
  }
  next();
}

// Parses until `{% <end tag>` and stops on the tag's name, so the caller sees which one ended the body.
Body Parser::parse_body(std::initializer_list<std::string_view> end_tags, std::string_view opener,
                        SourcePos opened_at) {
  if (end_tags.size() != 0) open_blocks_.push_back({opener, opened_at, join_tags(end_tags)});
  Body body;
  while (true) {
    const Token& t = cur();
    if (t.type == TokenType::kEof) {
      if (end_tags.size() == 0) return body;
      error("unexpected end of template: '" + std::string(opener) + "' tag opened at line " +
            std::to_string(opened_at.line) + ", column " + std::to_string(opened_at.column) +
            " is not closed (expected " + join_tags(end_tags) + ")");
    }
    if (t.type == TokenType::kText) {
      auto s = make_stmt(StmtKind::kText, t.pos);
      s->text = next().text;
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kVarBegin) {
      auto s = make_stmt(StmtKind::kOutput, next().pos);
      s->expr = parse_tuple();
      if (cur().type != TokenType::kVarEnd)
        error("expected end of print statement ('}}'), got " + describe(cur()));
      next();
      body.push_back(std::move(s));
    } else if (t.type == TokenType::kBlockBegin) {
      const Token& name = look();
      if (name.type == TokenType::kName &&
          std::find(end_tags.begin(), end_tags.end(), name.text) != end_tags.end()) {
        next();
        open_blocks_.pop_back();
        return body;
      }
      body.push_back(parse_statement(next().pos));
    } else {
      error("unexpected " + describe(t));
    }
  }
}

// Statements carry the position of their `{%`; errors about the tag name point at the name.
StmtPtr Parser::parse_statement(SourcePos tag_pos) {
  NestingGuard guard(*this);
  const SourcePos name_pos = cur().pos;
  if (cur().type != TokenType::kName) error("expected a tag name, got " + describe(cur()));
  const std::string tag = next().text;
  const SourcePos pos = tag_pos;
  if (tag == "if") return parse_if(pos);
  if (tag == "for") return parse_for(pos);
  if (tag == "set") return parse_set(pos);
  if (tag == "macro") return parse_macro(pos);
  if (tag == "call") return parse_call_block(pos);
  if (tag == "filter") return parse_filter_block(pos);
  if (tag == "with") return parse_with(pos);
  if (tag == "generation") return parse_plain_block(pos, "endgeneration");  // HF's assistant-mask marker
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) error_at(quoted(tag) + " outside of a for loop", name_pos);
    expect_block_end(tag);
    return make_stmt(tag == "break" ? StmtKind::kBreak : StmtKind::kContinue, pos);
  }
  if (is_end_tag(tag)) {
    if (open_blocks_.empty())
      error_at("unexpected " + quoted(tag) + " tag: there is no open block it could close", name_pos);
    const OpenBlock& open = open_blocks_.back();
    error_at("unexpected " + quoted(tag) + " tag: the innermost open block is " + quoted(open.tag) +
                 " (line " + std::to_string(open.pos.line) + ", column " + std::to_string(open.pos.column) +
                 "), which expects " + open.ends,
             name_pos);
  }
  if (is_unsupported_tag(tag)) error_at(quoted(tag) + " tags are not supported in chat templates", name_pos);
  error_at("unknown tag " + quoted(tag), name_pos);
}

StmtPtr Parser::parse_if(SourcePos pos) {
  auto s = make_stmt(StmtKind::kIf, pos);
  ExprPtr condition = parse_tuple(false);
  while (true) {
    expect_block_end("if");
    Body body = parse_body({"elif", "else", "endif"}, "if", pos);
    s->branches.emplace_back(std::move(condition), std::move(body));
    const std::string tag = next().text;
    if (tag == "elif") {
      condition = parse_tuple(false);
      continue;
    }
    if (tag == "else") {
      expect_block_end("else");
      s->branches.emplace_back(nullptr, parse_body({"endif"}, "if", pos));
      next();
    }
    expect_block_end("endif");
    return s;
  }
}

StmtPtr Parser::parse_for(SourcePos pos) {
  auto s = make_stmt(StmtKind::kFor, pos);
  s->target = parse_assign_target(false, "in");
  if (!skip_name("in")) error("expected 'in' in for loop, got " + describe(cur()));
  s->expr = parse_tuple(false, {"recursive"});
  if (skip_name("if")) s->condition = parse_expression();
  if (at_name("recursive")) error("recursive for loops are not supported");
  expect_block_end("for");
  ++loop_depth_;
  s->body = parse_body({"endfor", "else"}, "for", pos);
  --loop_depth_;
  if (next().text == "else") {
    expect_block_end("else");
    s->else_body = parse_body({"endfor"}, "for", pos);
    next();
  }
  expect_block_end("endfor");
  s->uses_loop = mentions(s->body, "loop");
  return s;
}

Target Parser::parse_assign_target(bool with_namespace, std::string_view end_name) {
  Target target;
  if (with_namespace && cur().type == TokenType::kName && look().type == TokenType::kOp &&
      look().text == ".") {
    target.names.push_back(next().text);
    next();
    target.attribute = expect_name("an attribute name after '.'");
    return target;
  }
  const bool parens = skip_op("(");
  while (true) {
    if (cur().type != TokenType::kName || cur().text == end_name) {
      error("expected a variable name to assign to, got " + describe(cur()));
    }
    const std::string& name = cur().text;
    if (name == "true" || name == "false" || name == "none" || name == "True" || name == "False" ||
        name == "None") {
      error("cannot assign to '" + name + "'");
    }
    target.names.push_back(next().text);
    if (!skip_op(",")) break;
    target.is_tuple = true;
    if (parens ? at_op(")") : (at_name(end_name) || at_op("="))) break;  // trailing comma
  }
  if (parens) expect_op(")");
  return target;
}

StmtPtr Parser::parse_set(SourcePos pos) {
  Target target = parse_assign_target(true, "");
  if (skip_op("=")) {
    auto s = make_stmt(StmtKind::kSet, pos);
    s->target = std::move(target);
    s->expr = parse_tuple();
    expect_block_end("set");
    return s;
  }
  auto s = make_stmt(StmtKind::kSetBlock, pos);
  s->target = std::move(target);
  if (at_op("|")) s->expr = parse_filter(make(ExprKind::kBlockValue, pos), false);
  expect_block_end("set");
  s->body = parse_body({"endset"}, "set", pos);
  next();
  expect_block_end("endset");
  return s;
}

void Parser::parse_signature(Stmt& stmt) {
  expect_op("(");
  while (!at_op(")")) {
    if (!stmt.params.empty()) expect_op(",");
    if (at_op(")")) break;
    const SourcePos name_pos = cur().pos;
    const std::string name = expect_name("a parameter name");
    if (std::find(stmt.params.begin(), stmt.params.end(), name) != stmt.params.end()) {
      error("duplicate parameter '" + name + "'");
    }
    ExprPtr dflt;
    if (skip_op("="))
      dflt = parse_expression();
    else if (!stmt.defaults.empty() && stmt.defaults.back()) {
      error_at("non-default parameter " + quoted(name) + " follows a default one", name_pos);
    }
    stmt.params.push_back(name);
    stmt.defaults.push_back(std::move(dflt));
  }
  next();
}

StmtPtr Parser::parse_macro(SourcePos pos) {
  auto s = make_stmt(StmtKind::kMacro, pos);
  s->text = expect_name("a macro name");
  parse_signature(*s);
  expect_block_end("macro");
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  s->body = parse_body({"endmacro"}, "macro", pos);
  loop_depth_ = saved_loops;
  next();
  if (cur().type == TokenType::kName && cur().text == s->text) next();  // `{% endmacro name %}`
  expect_block_end("endmacro");
  return s;
}

StmtPtr Parser::parse_call_block(SourcePos pos) {
  auto s = make_stmt(StmtKind::kCallBlock, pos);
  if (at_op("(")) parse_signature(*s);
  s->expr = parse_expression();
  if (s->expr->kind != ExprKind::kCall) error_at("expected a macro call after 'call'", s->expr->pos);
  expect_block_end("call");
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  s->body = parse_body({"endcall"}, "call", pos);
  loop_depth_ = saved_loops;
  next();
  expect_block_end("endcall");
  return s;
}

StmtPtr Parser::parse_filter_block(SourcePos pos) {
  auto s = make_stmt(StmtKind::kFilterBlock, pos);
  s->expr = parse_filter(make(ExprKind::kBlockValue, pos), true);
  expect_block_end("filter");
  s->body = parse_body({"endfilter"}, "filter", pos);
  next();
  expect_block_end("endfilter");
  return s;
}

StmtPtr Parser::parse_with(SourcePos pos) {
  auto s = make_stmt(StmtKind::kWith, pos);
  while (cur().type != TokenType::kBlockEnd) {
    if (!s->assignments.empty()) expect_op(",");
    Target target = parse_assign_target(false, "");
    expect_op("=");
    s->assignments.emplace_back(std::move(target), parse_expression());
  }
  expect_block_end("with");
  s->body = parse_body({"endwith"}, "with", pos);
  next();
  expect_block_end("endwith");
  return s;
}

StmtPtr Parser::parse_plain_block(SourcePos pos, std::string_view end_tag) {
  auto s = make_stmt(StmtKind::kBody, pos);
  expect_block_end("generation");
  s->body = parse_body({end_tag}, "generation", pos);
  next();
  expect_block_end(end_tag);
  return s;
}

}  // namespace llmc::jinja
