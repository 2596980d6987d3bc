// The incremental JSON checker against nlohmann::json's parser (an independent implementation) on valid and
// invalid texts: it must accept exactly what the parser accepts and say where the value ends.
#include "runtime/head/tools/json_scanner.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace llmc::tools {
namespace {

// Feeds `text`; returns how many bytes the value took (npos on a syntax error or an unfinished value).
size_t scan(const std::string& text) {
  JsonScanner s;
  for (size_t i = 0; i < text.size(); ++i) {
    switch (s.feed(text[i])) {
      case JsonScanner::Step::kError:
        return std::string::npos;
      case JsonScanner::Step::kEndedBefore:
        return i;
      case JsonScanner::Step::kConsumed:
        if (s.done()) return i + 1;
        break;
    }
  }
  return s.finish() ? text.size() : std::string::npos;
}

bool nlohmann_accepts(const std::string& text) { return nlohmann::json::accept(text); }

TEST(JsonScanner, AgreesWithAFullParserOnValidAndInvalidTexts) {
  const std::vector<std::string> texts = {
      "{}",
      "[]",
      "0",
      "-0",
      "12",
      "-3.25e+10",
      "1E5",
      "0.5",
      "true",
      "false",
      "null",
      "\"\"",
      "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE00\"",
      "\"Zoë 🦊\"",
      "{\"a\": [1, 2, {\"b\": null}], \"c\": {\"d\": [true, false, []]}}",
      " \t\n{ \"k\" : \"v\" , \"n\" : -1 } ",
      "[1,[2,[3,[4]]]]",
      // invalid
      "{",
      "[1, 2",
      "{\"a\" 1}",
      "{\"a\": }",
      "{a: 1}",
      "[1,]",
      "{\"a\": 1,}",
      "01",
      "1.",
      ".5",
      "-",
      "1e",
      "1e+",
      "tru",
      "nul",
      "True",
      "\"unterminated",
      "\"bad \\x escape\"",
      "\"\\u12G4\"",
      "\"tab\tinside\"",
      "[1 2]",
      "{\"a\": 1}}",
      "}",
      "]",
      "{\"a\": [}",
      "[{]}",
      "+1",
      "\"a\" \"b\"",
  };
  for (const std::string& t : texts) {
    SCOPED_TRACE(t);
    const size_t n = scan(t);
    // The scanner reads one value; the parser must accept exactly that value with only whitespace after it.
    const bool scanner_ok = n != std::string::npos && t.find_first_not_of(" \t\n\r", n) == std::string::npos;
    EXPECT_EQ(scanner_ok, nlohmann_accepts(t));
  }
}

TEST(JsonScanner, SaysWhereTheValueEnds) {
  EXPECT_EQ(scan("{\"a\": 1} tail"), 8u);
  EXPECT_EQ(scan("[1] ; [2]"), 3u);
  EXPECT_EQ(scan("\"s\"x"), 3u);
  EXPECT_EQ(scan("42,"), 2u);  // a bare number ends at the first byte that cannot continue it
  EXPECT_EQ(scan("42"), 2u);   // ... or at the end of input
  EXPECT_EQ(scan("-"), std::string::npos);
}

}  // namespace
}  // namespace llmc::tools
