// Failure paths: syntax errors name what and where (line, column), runtime errors name the failing
// operation and its position, raise_exception() is reported as the template's own message, and hostile
// templates hit a limit with a clear error instead of crashing or hanging.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/unit/chat/chat_test_util.h"

namespace llmc::test {
namespace {

using ordered_json = nlohmann::ordered_json;
using ::testing::HasSubstr;

ChatTemplateError syntax_error(const std::string& source) {
  return expect_template_error([&] { ChatTemplate::parse(source, "tmpl"); });
}

ChatTemplateError render_error(const std::string& source, const ordered_json& vars = ordered_json::object()) {
  const ChatTemplate t = ChatTemplate::parse(source, "tmpl");
  return expect_template_error([&] { t.render(vars); });
}

struct SyntaxCase {
  const char* source;
  const char* message;
  int line;
  int column;
};

TEST(JinjaErrors, SyntaxErrorsNameWhatAndWhere) {
  const SyntaxCase cases[] = {
      {"{{ 1 + }}", "unexpected end of print statement, expected an expression", 1, 8},
      {"ab\n{% if x %}\nabc",
       "'if' tag opened at line 2, column 1 is not closed (expected 'elif' or 'else' or 'endif')", 3, 4},
      {"{% endfor %}", "unexpected 'endfor' tag: there is no open block it could close", 1, 4},
      {"{% for x in y %}\n  {% endif %}",
       "unexpected 'endif' tag: the innermost open block is 'for' (line 1, column 1), which expects 'endfor' "
       "or 'else'",
       2, 6},
      {"{{ x|nosuch }}", "no filter named 'nosuch'", 1, 6},
      {"{{ x | groupby('a') }}", "filter 'groupby' is not supported", 1, 8},
      {"{% if x is nosuch %}{% endif %}", "no test named 'nosuch'", 1, 12},
      {"{{ 'abc }}", "unterminated string literal", 1, 4},
      {"x\n  {# abc", "missing end of comment tag", 2, 3},
      {"{{ (1 }}", "unexpected '}', expected ')'", 1, 7},
      {"{{ [1, 2) }}", "unexpected ')', expected ']'", 1, 9},
      {"{% include 'x.j2' %}", "'include' tags are not supported in chat templates", 1, 4},
      {"{% frobnicate %}", "unknown tag 'frobnicate'", 1, 4},
      {"{% break %}", "'break' outside of a for loop", 1, 4},
      {"{{ a @ b }}", "unexpected character '@' in tag", 1, 6},
      {"{% set %}", "expected a variable name to assign to", 1, 8},
      {"{% macro m(a=1, b) %}{% endmacro %}", "non-default parameter 'b' follows a default one", 1, 17},
      {"{{ f(a=1, 2) }}", "positional argument follows keyword argument", 1, 11},
      {"{% for x in y recursive %}{% endfor %}", "recursive for loops are not supported", 1, 15},
      {"{{ 'é' ~ x|nosuch }}", "no filter named 'nosuch'", 1, 12},  // columns count code points
      {"{% raw %}never closed", "missing end of raw directive", 1, 10},
      {"{{ x }", "unexpected '}'", 1, 6},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    const ChatTemplateError e = syntax_error(c.source);
    EXPECT_THAT(e.what(), HasSubstr(c.message));
    EXPECT_THAT(e.what(), HasSubstr("tmpl: syntax error at line " + std::to_string(c.line) + ", column " +
                                    std::to_string(c.column)));
    EXPECT_EQ(e.line(), c.line);
    EXPECT_EQ(e.column(), c.column);
    EXPECT_FALSE(e.raised_by_template());
  }
}

TEST(JinjaErrors, NestingIsBoundedAtParseTime) {
  const std::string parens = "{{ " + std::string(1000, '(') + "1" + std::string(1000, ')') + " }}";
  EXPECT_THAT(syntax_error(parens).what(), HasSubstr("nested too deeply"));
  std::string chain = "{{ 1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  EXPECT_THAT(syntax_error(chain + " }}").what(), HasSubstr("expression nested too deeply"));
  std::string ifs;
  for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
  EXPECT_THAT(syntax_error(ifs).what(), HasSubstr("nested too deeply"));
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_THAT(syntax_error(nots + "x }}").what(), HasSubstr("nested too deeply"));
}

TEST(JinjaErrors, RaiseExceptionIsTheTemplatesMessage) {
  const auto e =
      render_error("{% if messages|length == 0 %}\n  {{ raise_exception('No messages given') }}\n{% endif %}",
                   ordered_json{{"messages", ordered_json::array()}});
  EXPECT_TRUE(e.raised_by_template());
  EXPECT_THAT(e.what(), HasSubstr("No messages given"));
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.column(), 21);  // the call's '('
}

struct RuntimeCase {
  const char* source;
  const char* message;
};

TEST(JinjaErrors, RuntimeErrorsNameTheOperation) {
  const RuntimeCase cases[] = {
      {"{{ foo.bar }}", "'foo' is undefined"},
      {"{{ foo['x'] }}", "'foo' is undefined"},
      {"{{ foo + 1 }}", "'foo' is undefined"},
      {"{{ foo() }}", "'foo' is undefined"},
      {"{{ foo.upper() }}", "'foo' is undefined"},
      {"{{ {'a': 1}.missing.x }}", "'dict object' has no attribute 'missing'"},
      {"{{ 'abc'.bar() }}", "'str object' has no attribute 'bar'"},
      {"{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'"},
      {"{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str"},
      {"{{ 1 < 'a' }}", "'<' not supported between instances of 'int' and 'str'"},
      {"{{ [1].append(2) }}", "access to attribute 'append' of 'list' object is unsafe"},
      {"{{ {'a': 1}.update({}) }}", "access to attribute 'update' of 'dict' object is unsafe"},
      {"{{ 1 / 0 }}", "division by zero"},
      {"{{ 1 // 0 }}", "integer division or modulo by zero"},
      {"{{ range(1000000)|length }}", "range too big"},
      {"{% for x in 5 %}{% endfor %}", "'int' object is not iterable"},
      {"{% set a, b = [1] %}", "not enough values to unpack (expected 2, got 1)"},
      {"{% set a = 1 %}{% set a.b = 2 %}", "'a' is not a namespace() object"},
      {"{{ nope|tojson }}", "Object of type Undefined is not JSON serializable"},
      {"{{ [1]|map('nosuch')|list }}", "no filter named 'nosuch'"},
      {"{{ [1]|select('nosuch')|list }}", "no test named 'nosuch'"},
      {"{{ 'a'.encode() }}", "str.encode() is not supported"},
      {"{{ 'a'|join(x=1) }}", "filter 'join' got an unexpected keyword argument 'x'"},
      {"{{ 'a'|trim(1, 2) }}", "filter 'trim' takes at most 1 argument(s), got 2"},
      {"{{ 'a' in 1 }}", "argument of type 'int' is not iterable"},
      {"{{ 1 in 'a' }}", "'in <string>' requires string as left operand, not int"},
      {"{{ 5() }}", "'int' object is not callable"},
      {"{{ 'x'.split('') }}", "empty separator"},
      {"{{ '%d' % 'x' }}", "%d format: a real number is required, not str"},
      {"{{ 2 ** 100 }}", "integer overflow"},
      {"{{ 'x' * 100000000000 }}", "output limit"},
      {"{{ [1, 2][::0] }}", "slice step cannot be zero"},
      {"{% macro m(a) %}{% endmacro %}{{ m(1, a=2) }}", "macro 'm' got multiple values for argument 'a'"},
      {"{{ [1]|select|length }}", "object of type 'generator' has no len()"},
      {"{{ ([1]|map('string'))[0] }}", "'generator' object is not subscriptable"},
      {"{{ nope|int }}", "'nope' is undefined"},
      {"{% set n = none %}{{ n[1:] }}", "'NoneType' object is not subscriptable"},
      {"{{ {'a': 1}[[1]] }}", "unhashable type: 'list'"},
      {"{{ 5|indent }}", "filter 'indent' needs a string, got int"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.source);
    const ChatTemplateError e = render_error(c.source);
    EXPECT_THAT(e.what(), HasSubstr(c.message));
    EXPECT_THAT(e.what(), HasSubstr("tmpl: error at line 1, column "));
    EXPECT_EQ(e.line(), 1);
    EXPECT_FALSE(e.raised_by_template());
  }
}

TEST(JinjaErrors, RuntimePositionIsTheFailingNode) {
  const auto e = render_error("line one\n{% for m in messages %}\n  {{ m.content + 1 }}\n{% endfor %}",
                              ordered_json{{"messages", {{{"content", "x"}}}}});
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.column(), 16);  // the '+'
  EXPECT_THAT(e.what(), HasSubstr("can only concatenate str"));
}

TEST(JinjaErrors, VariablesMustBeAnObject) {
  const ChatTemplate t = ChatTemplate::parse("x");
  EXPECT_THAT(expect_template_error([&] { t.render(ordered_json::array()); }).what(),
              HasSubstr("template variables must be a JSON object, got array"));
  ordered_json deep = "leaf";
  for (int i = 0; i < 1000; ++i) deep = ordered_json::array({deep});
  EXPECT_THAT(expect_template_error([&] {
                t.render(ordered_json{{"x", deep}});
              }).what(),
              HasSubstr("nested deeper than"));
}

// Hostile templates: each must stop with an error well within a second or two.
TEST(JinjaErrors, EndlessRecursionStops) {
  const auto e = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_THAT(e.what(), HasSubstr("recursion too deep"));
}

TEST(JinjaErrors, HugeLoopsStop) {
  const auto start = std::chrono::steady_clock::now();
  ChatTemplate t = ChatTemplate::parse(
      "{% for i in range(100000) %}{% for j in range(100000) %}{{ loop.index if j < 0 }}{% endfor %}{% "
      "endfor %}");
  t.set_limits({size_t{32} << 20, 2'000'000, 600});
  const auto e = expect_template_error([&] { t.render(ordered_json::object()); });
  EXPECT_THAT(e.what(), HasSubstr("work limit of 2000000 steps"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(JinjaErrors, QuadraticWorkIsCharged) {
  ChatTemplate t =
      ChatTemplate::parse("{% set xs = range(100000)|list %}{% for i in xs %}{{ i in xs }}{% endfor %}");
  t.set_limits({size_t{64} << 20, 2'000'000, 600});
  const auto e = expect_template_error([&] { t.render(ordered_json::object()); });
  EXPECT_THAT(e.what(), HasSubstr("work limit of 2000000 steps"));
}

TEST(JinjaErrors, OutputAndValueSizesAreBounded) {
  ChatTemplate t = ChatTemplate::parse("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}");
  t.set_limits({size_t{1} << 20, 20'000'000, 600});
  EXPECT_THAT(expect_template_error([&] { t.render(ordered_json::object()); }).what(),
              HasSubstr("output limit of 1048576 bytes"));
  ChatTemplate doubling = ChatTemplate::parse(
      "{% set ns = namespace(s='x') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}");
  doubling.set_limits({size_t{1} << 20, 20'000'000, 600});
  EXPECT_THAT(expect_template_error([&] { doubling.render(ordered_json::object()); }).what(),
              HasSubstr("output limit"));
}

TEST(JinjaErrors, SelfReferenceIsHarmless) {
  EXPECT_EQ(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me is defined }}"), "True");
}

}  // namespace
}  // namespace llmc::test
