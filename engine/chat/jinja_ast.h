// The parsed form of a template. Filters and tests are resolved while parsing, so an unknown name is a
// syntax error with its position, as in Jinja (which checks them when compiling).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/chat/jinja_args.h"
#include "engine/chat/jinja_lexer.h"
#include "engine/chat/jinja_value.h"

namespace llmc::jinja {

class Interp;
using FilterFn = Value (*)(Interp& in, const Value& subject, const CallArgs& args);
using TestFn = bool (*)(Interp& in, const Value& subject, const CallArgs& args);

enum class ExprKind {
  kLiteral,     // literal
  kName,        // name
  kList,        // children: items
  kTuple,       // children: items
  kDict,        // children: key, value, key, value, ...
  kGetAttr,     // children[0].name
  kGetItem,     // children[0][children[1]]
  kSlice,       // children: start, stop, step (each may be null); only as a kGetItem key
  kCall,        // children[0](children[1..], kwargs)
  kFilter,      // children[0] | name(children[1..], kwargs)
  kTest,        // children[0] is name(children[1..], kwargs)
  kNeg,         // -children[0]
  kPos,         // +children[0]
  kNot,         // not children[0]
  kBinary,      // children[0] <name> children[1]: + - * / // % **
  kAnd,         // children[0] and children[1]
  kOr,          // children[0] or children[1]
  kCompare,     // children[0] ops[0] children[1] ops[1] children[2] ...
  kConcat,      // children joined with ~
  kCondExpr,    // children[1] if children[0] else children[2] (may be null)
  kBlockValue,  // the rendered body a {% filter %} block or block set feeds to its filters
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  SourcePos pos;
  int depth = 1;  // height of this subtree; the parser bounds it so evaluation cannot exhaust the stack
  Value literal;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  FilterFn filter = nullptr;
  TestFn test = nullptr;
};

// What `set`, `for` and `with` assign to: a name, several names (tuple unpacking), or `ns.attr`.
struct Target {
  std::vector<std::string> names;
  std::string attribute;  // non-empty: names[0] is a namespace, attribute is set on it
  bool is_tuple = false;
};

enum class StmtKind {
  kText,
  kOutput,
  kIf,
  kFor,
  kSet,
  kSetBlock,
  kMacro,
  kCallBlock,
  kFilterBlock,
  kWith,
  kBreak,
  kContinue,
  kBody
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Stmt {
  StmtKind kind = StmtKind::kText;
  SourcePos pos;
  std::string text;  // kText data; kMacro name
  ExprPtr
      expr;  // kOutput value, kSet value, kFor iterable, kCallBlock call, filters of kFilterBlock/kSetBlock
  ExprPtr condition;                               // kFor inline filter (`for x in y if cond`)
  Target target;                                   // kFor, kSet, kSetBlock
  std::vector<std::pair<ExprPtr, Body>> branches;  // kIf: (condition, body); a null condition is `else`
  Body body;
  Body else_body;                                       // kFor `else`
  std::vector<std::string> params;                      // kMacro and kCallBlock (caller's) parameters
  std::vector<ExprPtr> defaults;                        // aligned with params; null = required
  std::vector<std::pair<Target, ExprPtr>> assignments;  // kWith
  bool uses_loop = true;  // kFor: whether the body mentions `loop` (else no loop object is built)
};

struct Template {
  Body body;
};

}  // namespace llmc::jinja
