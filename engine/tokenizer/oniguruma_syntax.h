// Translation of Oniguruma (Ruby syntax) regular expressions, as found in tokenizer.json, to PCRE2 syntax.
//
// Most of the syntax is shared. What differs, and is rewritten here so that PCRE2 matches what Oniguruma
// matches on Unicode text:
//   \s \S    Oniguruma: White_Space (incl. U+0085); PCRE2+UCP leaves out U+0085 -> explicit class
//   \w \W    Oniguruma: Letter|Mark|Number|Connector_Punctuation -> explicit class
//   \h \H    Oniguruma: hex digit; PCRE2: horizontal space -> [0-9A-Fa-f]
//   \v       Oniguruma: vertical tab only; PCRE2: any vertical space -> \x0B
//   \uHHHH   Oniguruma escape PCRE2 does not read -> \x{HHHH}
//   (?m)     Ruby's "dot matches newline" -> PCRE2 (?s); Ruby's ^ $ always work per line (the regex is compiled
//            with PCRE2_MULTILINE for that)
// Constructs PCRE2 cannot express (nested classes, class intersection &&) throw llmc::Error naming `where`.
#pragma once

#include <string>
#include <string_view>

namespace llmc {

std::string translate_oniguruma(std::string_view pattern, std::string_view where);

}  // namespace llmc
