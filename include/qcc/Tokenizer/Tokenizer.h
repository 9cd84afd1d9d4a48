//===- Tokenizer.h - the tokenizer a GGUF model embeds ----------*- C++ -*-===//
//
// qcc's own implementation of the tokenizer stored in a GGUF file's
// tokenizer.ggml.* keys, for the byte-level BPE model ("gpt2" in GGUF, the
// family of GPT-2 and SmolLM2) with the pre-tokenizers PreTokenizer.h
// implements:
//
//   text -> well-formed UTF-8 (ill-formed bytes become U+FFFD)
//        -> fragments: special tokens (control and user-defined tokens,
//           matched whole, leftmost then longest) and the text between them
//        -> pieces of each text fragment (the pre-tokenizer that
//           tokenizer.ggml.pre names, PreTokenizer.h)
//        -> BPE merges over the bytes of each piece -> token ids
//
// and back: each token's spelling mapped to its bytes. It is checked token
// for token against the Hugging Face `tokenizers` package built from the
// same arrays (test/Tokenizer). docs/tokenizer.md says what is supported.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TOKENIZER_TOKENIZER_H
#define QCC_TOKENIZER_TOKENIZER_H

#include "qcc/Tokenizer/PreTokenizer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qcc::modelfile {
struct GgufTokenizer;
class GgufFile;
} // namespace qcc::modelfile

namespace qcc::tokenizer {

/// GGUF token types (tokenizer.ggml.token_type), numbered as in the file.
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

/// What encode() had to change in its input.
struct EncodeStats {
  /// Ill-formed UTF-8 subsequences replaced by U+FFFD.
  size_t replacedSequences = 0;
  /// Bytes that no token spells (the vocabulary lacks them), dropped.
  size_t droppedBytes = 0;
};

class Tokenizer {
public:
  /// Builds the tokenizer once (vocabulary, merges, special tokens). Fails,
  /// naming the key, for a tokenizer model or pre-tokenizer qcc does not
  /// implement and for inconsistent merges.
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  create(const modelfile::GgufTokenizer &gguf);
  static llvm::Expected<std::unique_ptr<Tokenizer>>
  create(const modelfile::GgufFile &file);
  ~Tokenizer();

  /// The token ids of `text` (UTF-8; ill-formed sequences are replaced by
  /// U+FFFD first). With `addBos`, the BOS id comes first when the file
  /// names one. With `parseSpecial` false, control tokens in the text are
  /// plain text (user-defined tokens are still matched whole).
  std::vector<int32_t> encode(llvm::StringRef text, bool addBos,
                              bool parseSpecial = true,
                              EncodeStats *stats = nullptr) const;

  /// Calls `piece` for each unit encode() works on, in order: the spelling
  /// of a special token (with its id) or a pre-tokenized piece of text
  /// (with nullopt).
  void split(llvm::StringRef text, bool parseSpecial,
             llvm::function_ref<void(llvm::StringRef piece,
                                     std::optional<int32_t> specialId)>
                 piece) const;

  /// The bytes that `ids` stand for (not necessarily well-formed UTF-8: a
  /// character may be split across ids). With `skipSpecial`, control
  /// tokens are left out. Fails on an id outside the vocabulary.
  llvm::Expected<std::string> decode(llvm::ArrayRef<int32_t> ids,
                                     bool skipSpecial = false) const;

  size_t getVocabSize() const;
  llvm::StringRef getTokenText(int32_t id) const;
  TokenType getTokenType(int32_t id) const;
  PreTokenizerKind getPreTokenizer() const;
  std::optional<int32_t> getBosId() const;
  std::optional<int32_t> getEosId() const;
  /// tokenizer.ggml.add_bos_token / add_eos_token (false when absent).
  bool getAddBos() const;
  bool getAddEos() const;
  /// The bytes no token spells; encode() drops them.
  std::vector<uint8_t> getMissingBytes() const;

private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace qcc::tokenizer

#endif // QCC_TOKENIZER_TOKENIZER_H
