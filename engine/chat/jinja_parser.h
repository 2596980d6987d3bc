// Recursive-descent parser for the Jinja subset chat templates use; its grammar and operator precedence
// follow jinja2's parser so templates mean what they mean under HF transformers. Statements live in
// jinja_parser.cpp, expressions in jinja_parser_expr.cpp.
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/jinja_ast.h"

namespace llmc::jinja {

// Limits that keep a hostile template from exhausting the stack while parsing or evaluating.
inline constexpr int kMaxNesting = 200;    // nested statements and parenthesised expressions
inline constexpr int kMaxExprDepth = 200;  // height of one expression tree (`a + b + ...` chains)

// Fails with SyntaxError naming what was expected and where.
std::shared_ptr<const Template> parse_template(std::string_view source);

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : toks_(std::move(tokens)) {}
  Template parse();

  // Expressions (jinja_parser_expr.cpp).
  ExprPtr parse_expression(bool with_condexpr = true);
  ExprPtr parse_tuple(bool with_condexpr = true, std::initializer_list<std::string_view> extra_end = {},
                      bool explicit_parens = false);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);

 private:
  friend class NestingGuard;
  // Token stream.
  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[i_ + 1 < toks_.size() ? i_ + 1 : i_]; }
  const Token& next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  bool at_op(std::string_view op) const { return cur().type == TokenType::kOp && cur().text == op; }
  bool at_name(std::string_view name) const { return cur().type == TokenType::kName && cur().text == name; }
  bool skip_op(std::string_view op);
  bool skip_name(std::string_view name);
  void expect_op(std::string_view op);
  std::string expect_name(std::string_view what);
  void expect_block_end(std::string_view tag);
  [[noreturn]] void error(const std::string& message) const;
  [[noreturn]] void error_at(const std::string& message, SourcePos pos) const;
  std::string describe(const Token& t) const;

  // Statements (jinja_parser.cpp).
  Body parse_body(std::initializer_list<std::string_view> end_tags, std::string_view opener,
                  SourcePos opened_at);
  StmtPtr parse_statement(SourcePos tag_pos);
  StmtPtr parse_if(SourcePos pos);
  StmtPtr parse_for(SourcePos pos);
  StmtPtr parse_set(SourcePos pos);
  StmtPtr parse_macro(SourcePos pos);
  StmtPtr parse_call_block(SourcePos pos);
  StmtPtr parse_filter_block(SourcePos pos);
  StmtPtr parse_with(SourcePos pos);
  StmtPtr parse_plain_block(SourcePos pos, std::string_view end_tag);
  Target parse_assign_target(bool with_namespace, std::string_view end_name);
  void parse_signature(Stmt& stmt);

  // Expressions (jinja_parser_expr.cpp).
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  ExprPtr parse_call(ExprPtr callee);
  void parse_call_args(Expr& node);
  ExprPtr parse_test(ExprPtr node);
  ExprPtr parse_list();
  ExprPtr parse_dict();
  ExprPtr make(ExprKind kind, SourcePos pos, std::vector<ExprPtr> children = {});
  ExprPtr finish(ExprPtr node);  // computes depth, enforces kMaxExprDepth

  std::vector<Token> toks_;
  size_t i_ = 0;
  int nesting_ = 0;
  int loop_depth_ = 0;  // for break/continue; reset inside macro bodies
  struct OpenBlock {
    std::string_view tag;
    SourcePos pos;
    std::string ends;  // "'endfor' or 'else'"
  };
  std::vector<OpenBlock> open_blocks_;  // innermost last; names the block a stray end tag fails to close
};

// Counts recursion in the parser; fails past kMaxNesting.
class NestingGuard {
 public:
  explicit NestingGuard(Parser& p);
  ~NestingGuard() { --parser_.nesting_; }
  NestingGuard(const NestingGuard&) = delete;
  NestingGuard& operator=(const NestingGuard&) = delete;

 private:
  Parser& parser_;
};

}  // namespace llmc::jinja
