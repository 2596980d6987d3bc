// Character classes the tokenizer.json components are defined with. They follow Rust's `char` methods
// (what Hugging Face `tokenizers` calls), computed from utf8proc's Unicode tables.
#pragma once

namespace llmc::unicode {

// Rust char::is_whitespace: the Unicode White_Space property.
bool is_whitespace(char32_t c);
// Rust char::is_numeric: general categories Nd, Nl, No.
bool is_numeric(char32_t c);
// tokenizers' is_punc: ASCII punctuation or general categories Pc, Pd, Ps, Pe, Pi, Pf, Po.
bool is_punctuation(char32_t c);
// Rust char::is_alphanumeric, approximated as letters, marks and numbers (utf8proc has no Alphabetic property;
// the marks stand in for Other_Alphabetic). Only the added tokens' single_word rule uses it.
bool is_alphanumeric(char32_t c);
// General categories Mn, Mc, Me (StripAccents removes these).
bool is_mark(char32_t c);

}  // namespace llmc::unicode
