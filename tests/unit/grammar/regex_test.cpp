// Regex constraints: hand-checked accept/reject sets, then PCRE2 (an independent engine) as the oracle for
// full matches of random strings.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <random>

#include "common/check.h"
#include "tests/unit/grammar/grammar_test_util.h"

namespace llmc::test {
namespace {

ConstraintSpec re(std::string p) { return spec(ConstraintKind::kRegex, std::move(p)); }

TEST(RegexConstraint, HandCheckedSets) {
  struct Case {
    std::string pattern;
    std::vector<std::string> accept;
    std::vector<std::string> reject;
  };
  const std::vector<Case> cases = {
      {"abc", {"abc"}, {"", "ab", "abcd", "abd"}},
      {"a|bc|", {"a", "bc", ""}, {"b", "abc"}},
      {"(ab)*c", {"c", "abc", "ababc"}, {"ac", "abab", "abcc"}},
      {"a+b?", {"a", "aa", "ab", "aaab"}, {"", "b", "abb"}},
      {"x{2,3}", {"xx", "xxx"}, {"x", "xxxx", ""}},
      {"x{2}", {"xx"}, {"x", "xxx"}},
      {"x{2,}", {"xx", "xxxxxx"}, {"x"}},
      {"[a-c]{1,2}[^a-c]", {"ad", "bcz", "c1"}, {"a", "abc", "aa"}},
      {"\\d+\\.\\d*", {"1.", "12.50"}, {".5", "1", "a.1"}},
      {"[\\w-]+@\\w+", {"a-b_c@d", "x@y"}, {"@d", "a b@c"}},
      {"\\s\\S", {" x", "\tA"}, {"  ", "xx"}},
      {".", {"a", "é", "\xF0\x9F\x98\x80"}, {"\n", "\r", "", "ab", "\xE2\x80\xA8"}},
      {"é+|ü", {"é", "éé", "ü"}, {"e", "u", "éü"}},
      {"[α-ω]{2}", {"αβ", "ωω"}, {"α", "aβ", "ΑΒ"}},
      {"\\u00e9\\x41\\u{1F600}", {"éA\xF0\x9F\x98\x80"}, {"éA"}},
      {"[\\]\\-^]+", {"]", "-^]"}, {"a", ""}},
      {"(?:a|b)(?<n>c)(?P<m>d)", {"acd", "bcd"}, {"cd"}},
      {"^(yes|no)$", {"yes", "no"}, {"yesno", "y"}},
      {"a*?b+?", {"b", "aabb"}, {"a"}},
      {"[^\\n]*", {"", "abc é"}, {"a\nb"}},
      {"[[:digit:][:upper:]]+", {"1A", "Z9"}, {"a"}},
  };
  for (const Case& c : cases) {
    for (const std::string& s : c.accept) EXPECT_TRUE(full_match(re(c.pattern), s)) << c.pattern << " should match '" << s << "'";
    for (const std::string& s : c.reject) EXPECT_FALSE(full_match(re(c.pattern), s)) << c.pattern << " should not match '" << s << "'";
  }
}

TEST(RegexConstraint, PrefixesOfMultiByteCharacters) {
  // A token may end inside a character: the first byte of é is a valid prefix where é may come, not elsewhere.
  EXPECT_TRUE(prefix_ok(re("é"), "\xC3"));
  EXPECT_FALSE(prefix_ok(re("e"), "\xC3"));
  EXPECT_FALSE(full_match(re("é"), "\xC3"));
  EXPECT_TRUE(prefix_ok(re("[^a]"), "\xF0\x9F"));
  EXPECT_FALSE(prefix_ok(re("[^a]"), "\xC0"));      // never valid UTF-8
  EXPECT_FALSE(prefix_ok(re("."), "\xED\xA0"));     // would be a surrogate
  EXPECT_FALSE(prefix_ok(re("[\\x00-\\x7F]"), "\xC3"));
}

TEST(RegexConstraint, UnsupportedSyntaxIsAnError) {
  for (const char* p : {"(a", "a)", "*a", "a{3,2}", "(?=a)", "\\bword", "\\1", "a++", "[a", "a$b", "x^"}) {
    EXPECT_THROW(byte_compiler().compile(re(p)), Error) << p;
  }
}

// PCRE2 full match (anchored at both ends), with UTF.
class Pcre {
 public:
  explicit Pcre(const std::string& pattern) {
    int err = 0;
    PCRE2_SIZE off = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(), PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                          &err, &off, nullptr);
    if (!code_) throw std::runtime_error("pcre2 rejects " + pattern);
    data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
  }
  ~Pcre() {
    pcre2_match_data_free(data_);
    pcre2_code_free(code_);
  }
  bool full(const std::string& s) const {
    return pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, data_, nullptr) >= 0;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
};

TEST(RegexConstraint, AgreesWithPcre2OnRandomStrings) {
  const std::vector<std::string> patterns = {
      "(a|ab)(c|bcd)(d*)", "[a-c]+d?[^abc]{0,2}", "(ab|ba){1,3}c*", "a(b|c)*b", "((a|b)c?){2,4}",
      "\\d{1,3}(,\\d{3})*(\\.\\d+)?", "[^ab]*a[ab]{2}", "(é|ab)+[c-é]?", "x?y?z?(xy|yz)?",
  };
  const std::string alphabet[] = {"a", "b", "c", "d", "1", ",", ".", "é", "x", "y", "z", " "};
  std::mt19937 rng(1234);
  for (const std::string& p : patterns) {
    Pcre oracle(p);
    int matched = 0;
    for (int trial = 0; trial < 3000; ++trial) {
      std::string s;
      const int len = static_cast<int>(rng() % 9);
      for (int k = 0; k < len; ++k) s += alphabet[rng() % std::size(alphabet)];
      const bool expected = oracle.full(s);
      matched += expected;
      ASSERT_EQ(full_match(re(p), s), expected) << "/" << p << "/ on '" << s << "'";
    }
    EXPECT_GT(matched, 0) << "no random string matched /" << p << "/: the comparison checks little";
  }
}

}  // namespace
}  // namespace llmc::test
