//===- GgufImporter.h - GGUF language model to qnn --------------*- C++ -*-===//
//
// Builds a qnn graph from a GGUF model file: the architecture's forward pass
// written out from the hyperparameters, with the file's tensors as weights.
// Each linear weight is stored as its WeightPlan says (WeightConfig.h): the
// file's own blocks as qnn.block_linear operands (the default), f32
// constants (`f32`, qcc's reference dequantization: the float model), or
// re-encoded by qcc into a block format (q4_0 ... q6k, rtn/gptq/awq/hqq).
// The embedding table is always gathered from dequantized rows.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_FRONTEND_GGUF_GGUFIMPORTER_H
#define QCC_FRONTEND_GGUF_GGUFIMPORTER_H

#include "qcc/Frontend/Gguf/WeightConfig.h"

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
  /// An int8 KV cache (`--kv-cache=int8`): the caches hold int8 codes, with
  /// one f32 scale per position and KV head in `k_scale` / `v_scale`.
  bool int8KvCache = false;
  /// How each linear weight is stored (default: the file's own formats).
  gguf_import::WeightPlan weights;
  /// Calibration statistics by weight name, for gptq and awq entries.
  std::shared_ptr<const gguf_import::LayerStatsMap> layerStats;
  /// 2:4 pruning of the linear weights (off by default): the pruned
  /// layers' block_linear ops are marked `qcc.sparse24`.
  gguf_import::SparsityPlan sparsity;
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
