//===- PreTokenizer.h - split text into BPE words ---------------*- C++ -*-===//
//
// Byte-level BPE never merges across the pieces a pre-tokenizer cuts. The
// pre-tokenizer of a GGUF model is named by `tokenizer.ggml.pre`; qcc
// implements, by hand over code points rather than with a regex engine:
//
//  - "gpt2": GPT-2's split, the regex (one alternation, shown on 3 lines)
//      's|'t|'re|'ve|'m|'ll|'d
//      | ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+
//      |\s+(?!\S)|\s+
//    applied left to right, every code point landing in exactly one piece;
//  - "smollm": every number code point (\p{N}) isolated as its own piece
//    first, then the GPT-2 split on the text between them (Hugging Face:
//    Sequence[Digits(individual_digits=true), ByteLevel]; llama.cpp: the
//    regexes "\p{N}" then GPT-2's).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TOKENIZER_PRETOKENIZER_H
#define QCC_TOKENIZER_PRETOKENIZER_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <vector>

namespace qcc::tokenizer {

enum class PreTokenizerKind { Gpt2, SmolLM };

/// The pre-tokenizer that `tokenizer.ggml.pre` names, or nullopt when qcc
/// does not implement it.
std::optional<PreTokenizerKind> getPreTokenizerKind(llvm::StringRef name);
llvm::StringRef getPreTokenizerName(PreTokenizerKind kind);
/// The names getPreTokenizerKind accepts, comma separated (for messages).
llvm::StringRef getSupportedPreTokenizerNames();

/// Appends the pieces of `text` (well-formed UTF-8; see sanitizeUtf8) to
/// `pieces`, in order; together they cover `text` exactly.
void preTokenize(PreTokenizerKind kind, llvm::StringRef text,
                 std::vector<llvm::StringRef> &pieces);

} // namespace qcc::tokenizer

#endif // QCC_TOKENIZER_PRETOKENIZER_H
