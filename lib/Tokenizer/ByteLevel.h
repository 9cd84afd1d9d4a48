//===- ByteLevel.h - GPT-2's byte-to-character mapping ----------*- C++ -*-===//
//
// Byte-level BPE vocabularies spell tokens in a 256-character alphabet, one
// printable character per byte so that vocab and merges files never hold
// white space or control characters: the bytes '!'..'~', 0xA1..0xAC and
// 0xAE..0xFF stand for themselves (as Latin-1 code points), the other 68
// bytes for U+0100, U+0101, ... in byte order (so the space 0x20 is U+0120
// 'Ġ' and the newline 0x0A is U+010A 'Ċ').
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_TOKENIZER_BYTELEVEL_H
#define QCC_LIB_TOKENIZER_BYTELEVEL_H

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>
#include <string>

namespace qcc::tokenizer {

/// The code point that stands for `byte`.
uint32_t byteToCodePoint(uint8_t byte);
/// The byte that code point `cp` stands for, or nullopt when `cp` is not in
/// the alphabet.
std::optional<uint8_t> codePointToByte(uint32_t cp);

/// The vocabulary spelling (UTF-8) of the byte string `bytes`.
std::string bytesToTokenText(llvm::StringRef bytes);

/// The bytes a token spelled `text` stands for: the byte of each character
/// when every character is in the alphabet, otherwise `text` itself (as
/// the Hugging Face ByteLevel decoder does for such tokens). Returns false
/// in the second case.
bool tokenTextToBytes(llvm::StringRef text, std::string &bytes);

} // namespace qcc::tokenizer

#endif // QCC_LIB_TOKENIZER_BYTELEVEL_H
