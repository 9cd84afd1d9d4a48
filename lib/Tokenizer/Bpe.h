//===- Bpe.h - byte-level BPE merges ----------------------------*- C++ -*-===//
//
// The BPE model of a byte-level vocabulary: each byte of a piece starts as
// the token spelling that byte, then the adjacent pair whose merge has the
// lowest rank (its index in the merges list) is merged, leftmost first
// among equal pairs, until no adjacent pair has a merge. This is the
// algorithm of GPT-2's encoder.py, Hugging Face's BPE model and llama.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_TOKENIZER_BPE_H
#define QCC_LIB_TOKENIZER_BPE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstdint>
#include <vector>

namespace qcc::tokenizer {

class BpeModel {
public:
  /// Reusable buffers of encode() (one per caller; the model stays const).
  struct Scratch {
    struct Symbol {
      int32_t id;
      int32_t prev, next; // -1 at the ends
    };
    struct Candidate {
      uint32_t rank;
      int32_t left, right;
      int32_t leftId, rightId, result;
    };
    std::vector<Symbol> symbols;
    std::vector<Candidate> heap;
  };

  /// `tokens` are the vocabulary's spellings (index = id), `merges` the
  /// "LEFT RIGHT" pairs in rank order. Fails on a merge that is not two
  /// tokens separated by one space, or whose sides or result are not in the
  /// vocabulary.
  static llvm::Expected<BpeModel> build(llvm::ArrayRef<llvm::StringRef> tokens,
                                        llvm::ArrayRef<llvm::StringRef> merges);

  /// Appends the tokens of the piece `bytes`. A byte that no token spells is
  /// dropped before merging, as Hugging Face's BPE without an unknown token
  /// does (llama.cpp drops it too); `dropped` counts them.
  void encode(llvm::StringRef bytes, Scratch &scratch,
              std::vector<int32_t> &out, size_t &dropped) const;

  /// The id of the token spelled `text` (the last one, if several are).
  std::optional<int32_t> lookup(llvm::StringRef text) const;
  /// The bytes that no token spells.
  std::vector<uint8_t> getMissingBytes() const;

private:
  struct Merge {
    uint32_t rank;
    int32_t result;
  };
  static uint64_t pairKey(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  void pushCandidate(Scratch &scratch, int32_t left, int32_t right) const;

  llvm::StringMap<int32_t> textToId;
  std::array<int32_t, 256> byteTokens;
  llvm::DenseMap<uint64_t, Merge> merges;
};

} // namespace qcc::tokenizer

#endif // QCC_LIB_TOKENIZER_BPE_H
