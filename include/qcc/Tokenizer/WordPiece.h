//===- WordPiece.h - BERT's WordPiece tokenizer -----------------*- C++ -*-===//
//
// qcc's own implementation of the tokenizer BERT-style encoders ship as a
// Hugging Face tokenizer.json (model WordPiece, normalizer BertNormalizer,
// pre-tokenizer BertPreTokenizer) or as a plain vocab.txt:
//
//   text -> fragments: special tokens ([CLS], [SEP], ... spelled in the
//           text, matched whole, leftmost then longest) and the text
//           between them
//        -> BERT normalization of each text fragment: clean_text (drop
//           NUL, U+FFFD and control/format/unassigned characters, white
//           space becomes ' '), spaces around CJK ideographs, strip_accents
//           (canonical decomposition, nonspacing marks dropped), lowercase
//        -> words: split at white space (dropped) and around every
//           punctuation character (kept as a word of its own)
//        -> WordPiece: per word, the longest vocabulary entry from the
//           start, then the longest "##"-prefixed entry from where it
//           ended, ...; a word that cannot be covered (or is longer than
//           max_input_chars_per_word characters) is [UNK]
//        -> [CLS] ids [SEP], truncated to a maximum length
//
// It is checked id for id against the `tokenizers` package on real text
// (test/Tokenizer). docs/tokenizer.md lists what is supported.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_TOKENIZER_WORDPIECE_H
#define QCC_TOKENIZER_WORDPIECE_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qcc::tokenizer {

struct BertNormalizerOptions {
  bool cleanText = true;
  bool handleChineseChars = true;
  bool stripAccents = true;
  bool lowercase = true;
};

class WordPieceTokenizer {
public:
  /// Reads a tokenizer.json (WordPiece model, BertNormalizer,
  /// BertPreTokenizer; other components refused naming the key) or a
  /// vocab.txt (one token per line, the line number its id; uncased BERT
  /// defaults, or tokenizer_config.json's do_lower_case when that file lies
  /// beside it). A folder means its tokenizer.json, else its vocab.txt.
  static llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
  open(llvm::StringRef path);
  static llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
  fromTokenizerJson(llvm::StringRef json, llvm::StringRef name);
  static llvm::Expected<std::unique_ptr<WordPieceTokenizer>>
  fromVocab(llvm::StringRef text, llvm::StringRef name,
            const BertNormalizerOptions &options);

  /// The ids of `text` (UTF-8; ill-formed sequences become U+FFFD, which
  /// clean_text drops). With `addSpecial`, [CLS] first and [SEP] last. At
  /// most `maxLength` ids (0: no limit; counting [CLS] and [SEP]): the
  /// text's ids are cut at the end, as tokenizers' truncation does.
  std::vector<int32_t> encode(llvm::StringRef text, bool addSpecial = true,
                              size_t maxLength = 0) const;
  /// encode() with [CLS] and [SEP], cut to `seqLen` ids and padded with
  /// the padding id: writes `seqLen` ids and mask values (1 for a token, 0
  /// for padding). Returns the number of tokens (before padding).
  size_t encodePadded(llvm::StringRef text, size_t seqLen, int64_t *ids,
                      int64_t *mask) const;
  /// The BERT-normalized text (what WordPiece splits), for tests.
  std::string normalize(llvm::StringRef text) const;
  /// The words of one normalized text fragment.
  std::vector<std::string> preTokenize(llvm::StringRef normalized) const;

  size_t getVocabSize() const { return tokens.size(); }
  llvm::StringRef getTokenText(int32_t id) const { return tokens[id]; }
  int32_t getUnkId() const { return unkId; }
  int32_t getClsId() const { return clsId; }
  int32_t getSepId() const { return sepId; }
  int32_t getPadId() const { return padId; }
  /// The truncation length tokenizer.json asks for (0: none).
  size_t getMaxLength() const { return maxLength; }
  const BertNormalizerOptions &getNormalizerOptions() const { return norm; }

private:
  WordPieceTokenizer() = default;
  llvm::Error finish(llvm::StringRef name);
  void wordPiece(llvm::StringRef word, std::vector<int32_t> &ids) const;

  std::vector<std::string> tokens;
  llvm::StringMap<int32_t> vocab;
  BertNormalizerOptions norm;
  std::string unkToken = "[UNK]", prefix = "##";
  size_t maxInputChars = 100;
  size_t maxLength = 0;
  int32_t unkId = -1, clsId = -1, sepId = -1, padId = -1;
  /// Special tokens matched whole in the raw text (spelling, id).
  std::vector<std::pair<std::string, int32_t>> specials;
  std::string clsToken = "[CLS]", sepToken = "[SEP]", padToken = "[PAD]";
};

} // namespace qcc::tokenizer

#endif // QCC_TOKENIZER_WORDPIECE_H
