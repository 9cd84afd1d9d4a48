//===- SafetensorsImporter.h - safetensors + config.json to qnn -*- C++ -*-===//
//
// Builds a qnn graph from a safetensors checkpoint and the Hugging Face
// config.json that describes it: the architecture's forward pass written out
// from the configuration, with the file's tensors (F32, F16, BF16, ...) as
// f32 constants. Architectures: BERT-style encoders (model_type "bert").
//
//===----------------------------------------------------------------------===//

#ifndef QCC_FRONTEND_SAFETENSORS_SAFETENSORSIMPORTER_H
#define QCC_FRONTEND_SAFETENSORS_SAFETENSORSIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace qcc {

struct SafetensorsImportOptions {
  /// The model's config.json (`--config`); empty: config.json in the
  /// safetensors file's folder.
  std::string configPath;
  /// Static batch and sequence length of the encoder's inputs (`--seq`, or
  /// `--input-shape input_ids=B,S`); the sequence length is required.
  int64_t batch = 1;
  int64_t seqLen = 0;
  /// Whether `token_type_ids` is an input (otherwise every token is of
  /// type 0).
  bool tokenTypeIds = false;
};

/// Imports the encoder at `path`: `func.func @main` takes `input_ids` and
/// `attention_mask` (i64 [B, S]; mask 1 for tokens, 0 for padding) and,
/// with `tokenTypeIds`, `token_type_ids` (i64 [B, S]); it returns
/// `last_hidden_state` (f32 [B, S, hidden]) and `sentence_embedding` (f32
/// [B, hidden]): the mean of the hidden states over the tokens the mask
/// keeps, L2-normalized (sentence-transformers' mean pooling + Normalize).
/// Problems are reported as diagnostics naming the file and the key or
/// tensor; returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importSafetensorsModel(mlir::MLIRContext &context, const std::string &path,
                       const SafetensorsImportOptions &options);

} // namespace qcc

#endif // QCC_FRONTEND_SAFETENSORS_SAFETENSORSIMPORTER_H
