//===- Embeddings.h - compare the embeddings of two encoders ----*- C++ -*-===//
//
// `qcc-eval MODEL.so --embeddings sentences.txt --ref FLOAT.so`: two
// libraries qcc compiled from one text encoder (a safetensors BERT: inputs
// input_ids and attention_mask, optionally token_type_ids, i64 [B, S];
// output sentence_embedding f32 [B, D]), run on the same sentences
// tokenized by the model's WordPiece tokenizer, and the cosine similarity of
// their pooled embeddings sentence by sentence.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_EVAL_EMBEDDINGS_H
#define QCC_EVAL_EMBEDDINGS_H

#include "qcc/Tokenizer/WordPiece.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qcc::eval {

struct EmbeddingComparison {
  /// Cosine similarity of each sentence's embeddings (model vs reference).
  std::vector<double> cosines;
  double meanCosine = 0, minCosine = 0;
  /// Sentences longer than the libraries' sequence length (cut).
  size_t truncated = 0;
  /// Seconds spent in each library's runs.
  double modelSeconds = 0, refSeconds = 0;
};

/// Runs the encoder libraries `modelPath` and `refPath` on `sentences`
/// (B at a time; the last batch padded with repeats) and compares their
/// `sentence_embedding` outputs. The libraries must have the same inputs
/// and that output; errors name the library and what is wrong.
llvm::Expected<EmbeddingComparison>
compareEmbeddings(const std::string &modelPath, const std::string &refPath,
                  const tokenizer::WordPieceTokenizer &tok,
                  llvm::ArrayRef<std::string> sentences);

/// The non-blank lines of a UTF-8 text file.
llvm::Expected<std::vector<std::string>> readSentences(const std::string &path);

} // namespace qcc::eval

#endif // QCC_EVAL_EMBEDDINGS_H
