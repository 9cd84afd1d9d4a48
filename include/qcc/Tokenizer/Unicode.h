//===- Unicode.h - UTF-8 and code point classes for tokenizers --*- C++ -*-===//
//
// What the pre-tokenizers need from Unicode: decoding UTF-8 with ill-formed
// sequences replaced as the Unicode standard recommends (one U+FFFD per
// maximal subpart, as Python's and Rust's lossy decoders do), and the three
// classes the GPT-2 split tests: letters (\p{L}), numbers (\p{N}) and
// white space (\s, the White_Space property). Tables follow Unicode 16.0,
// the version of the Hugging Face `tokenizers` package qcc is checked
// against.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TOKENIZER_UNICODE_H
#define QCC_TOKENIZER_UNICODE_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>

namespace qcc::tokenizer {

/// The class of a code point for pre-tokenization. Everything that is not
/// a letter, number or white space (marks, punctuation, symbols, controls,
/// unassigned code points) is `Other`.
enum class CharClass : uint8_t { Other, Letter, Number, Space };

/// The class of code point `cp` (any value; above U+10FFFF is Other).
CharClass classify(uint32_t cp);

constexpr uint32_t kReplacementChar = 0xFFFD;

/// Decodes the code point at the start of [p, end) (p < end). Returns the
/// number of bytes consumed (>= 1). An ill-formed sequence gives
/// kReplacementChar and consumes its maximal subpart: the longest prefix
/// that could start a well-formed sequence, or one byte.
unsigned decodeUtf8(const uint8_t *p, const uint8_t *end, uint32_t &cp);

/// Appends the UTF-8 encoding of `cp` (a scalar value) to `out`.
void appendUtf8(std::string &out, uint32_t cp);

/// True when `text` is well-formed UTF-8.
bool isValidUtf8(llvm::StringRef text);

/// `text` with each ill-formed subsequence replaced by U+FFFD (the same
/// result as Python's bytes.decode("utf-8", "replace")). Returns the number
/// of replacements.
size_t sanitizeUtf8(llvm::StringRef text, std::string &out);

} // namespace qcc::tokenizer

#endif // QCC_TOKENIZER_UNICODE_H
