// Splits template source into text and tag tokens, applying Jinja's whitespace rules as HF configures them:
// trim_blocks (drop the newline after a block or comment tag), lstrip_blocks (drop the indentation before
// one), `-` on a tag (strip all whitespace on that side), `+` (keep it), keep_trailing_newline=False, and
// newline normalisation to "\n". Comments vanish here and `{% raw %}` bodies become text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/jinja_value.h"

namespace llmc::jinja {

struct SourcePos {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in code points
};

// A syntax error with the position the parser or lexer stopped at.
class SyntaxError : public TemplateError {
 public:
  SyntaxError(const std::string& message, SourcePos pos) : TemplateError(message), pos_(pos) {}
  SourcePos pos() const { return pos_; }

 private:
  SourcePos pos_;
};

enum class TokenType {
  kText,
  kVarBegin,
  kVarEnd,
  kBlockBegin,
  kBlockEnd,
  kName,
  kString,
  kInt,
  kFloat,
  kOp,
  kEof
};

struct Token {
  TokenType type = TokenType::kEof;
  std::string text;  // text data, name, decoded string literal, or operator
  SourcePos pos;
  int64_t int_value = 0;
  double float_value = 0;
};

// Fails with SyntaxError on unterminated tags, comments, strings and unbalanced brackets.
std::vector<Token> tokenize(std::string_view source);

}  // namespace llmc::jinja
