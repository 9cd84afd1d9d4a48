//===- GgufImporter.h - GGUF language model to qnn --------------*- C++ -*-===//
//
// Builds a qnn graph from a GGUF model file: the architecture's forward pass
// written out from the hyperparameters, with the file's tensors as weights.
// Block-quantized linear weights (Q4_1, Q8_0, Q4_K, ...) become f32 constants
// (`dequantizeWeights`, the default) or stay in their format and run as
// qnn.block_linear (activations quantized per block on the fly); as f32 by qcc's reference
// dequantization (the float model of docs/formats.md). The embedding table
// is always gathered from dequantized rows.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_FRONTEND_GGUF_GGUFIMPORTER_H
#define QCC_FRONTEND_GGUF_GGUFIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace qcc {

struct GgufImportOptions {
  /// Positions the KV cache holds (`--ctx`); at most the model's
  /// `<arch>.context_length`. 0: 512, or the model's context length when
  /// that is shorter.
  int64_t contextLength = 0;
  /// Tokens per run (`--seq`), 1 to the context length: 1 builds the
  /// decode step, more a sequence graph (prefill, perplexity, calibration).
  int64_t sequenceLength = 1;
  /// Block-quantized linear weights: true dequantizes them to f32 constants
  /// (the float model, qcc's default); false keeps them in their GGUF
  /// format as qnn.block_linear operands (`--gguf-weights=block`).
  bool dequantizeWeights = true;
};

/// Imports the GGUF model at `path` as its decoder running T =
/// `options.sequenceLength` tokens with a KV cache. T = 1, one decode step:
/// `func.func @main` takes `token` (i64 [1]), `pos` (i64 [1], the token's
/// position, 0-based, below the context length) and the caches `k_cache`,
/// `v_cache` (f32 [n_layer, n_kv_head, context, head_dim]); it returns
/// `logits` (f32 [vocab]) and the caches with position `pos` written,
/// `k_cache_out` and `v_cache_out`. Attention covers positions 0..pos.
/// T > 1, a sequence: `tokens` (i64 [T]) at positions pos .. pos+T-1
/// (pos + T <= context), `logits` f32 [T, vocab] (row i predicts the token
/// after tokens[i]), T cache rows written; token i attends to positions
/// 0 .. pos+i. Architectures: llama. Problems are reported as diagnostics
/// naming the file and the key or tensor; returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp>
importGgufModel(mlir::MLIRContext &context, const std::string &path,
                const GgufImportOptions &options);

} // namespace qcc

#endif // QCC_FRONTEND_GGUF_GGUFIMPORTER_H
