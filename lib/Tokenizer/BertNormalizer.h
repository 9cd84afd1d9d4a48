//===- BertNormalizer.h - BERT normalization and word splitting -*- C++ -*-===//

#ifndef QCC_LIB_TOKENIZER_BERTNORMALIZER_H
#define QCC_LIB_TOKENIZER_BERTNORMALIZER_H

#include "qcc/Tokenizer/WordPiece.h"

#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace qcc::tokenizer {

/// tokenizers' BertNormalizer on UTF-8 `text` (ill-formed sequences read as
/// U+FFFD): clean_text, CJK spacing, strip_accents, lowercase, in that order.
std::string bertNormalize(llvm::StringRef text,
                          const BertNormalizerOptions &options);

/// tokenizers' BertPreTokenizer: splits at white space (dropped) and
/// isolates every punctuation character.
std::vector<std::string> bertPreTokenize(llvm::StringRef normalized);

/// The classes the normalizer tests (exposed for tests).
bool isBertPunctuation(uint32_t cp);
bool isBertControl(uint32_t cp);
bool isBertWhitespace(uint32_t cp);
bool isChineseChar(uint32_t cp);

} // namespace qcc::tokenizer

#endif // QCC_LIB_TOKENIZER_BERTNORMALIZER_H
