//===- LlamaGraph.h - llama-architecture GGUF as a qnn graph ----*- C++ -*-===//

#ifndef QCC_LIB_FRONTEND_GGUF_LLAMAGRAPH_H
#define QCC_LIB_FRONTEND_GGUF_LLAMAGRAPH_H

#include "qcc/Frontend/Gguf/GgufImporter.h"
#include "qcc/ModelFile/Gguf.h"

#include "mlir/IR/Builders.h"

#include <memory>

namespace qcc::gguf_import {

/// The hyperparameters of a llama decoder, checked for consistency.
struct LlamaConfig {
  int64_t embedding = 0, layers = 0, feedForward = 0, heads = 0, kvHeads = 0,
          headDim = 0, vocab = 0, context = 0;
  /// Tokens per run (`--seq`): 1 is the decode step.
  int64_t sequence = 1;
  /// int8 caches with a scale per position and KV head.
  bool int8Cache = false;
  double ropeBase = 10000.0, rmsEpsilon = 1e-5;
  bool tiedOutput = false; // no output.weight: the LM head is token_embd
  /// How each linear weight is stored, and the calibration statistics of
  /// the gptq/awq ones.
  WeightPlan weights;
  std::shared_ptr<const LayerStatsMap> layerStats;
  /// Which linear weights are pruned to 2:4, and how.
  SparsityPlan sparsity;
};

/// Reads and checks the `llama.*` hyperparameters and the tensor shapes that
/// the builder needs; an error names the key or tensor.
llvm::Expected<LlamaConfig> readLlamaConfig(const modelfile::GgufFile &file,
                                            const GgufImportOptions &options);

/// Adds `func.func @main` running `config.sequence` tokens (see
/// importGgufModel) to `module`. Fails after a diagnostic (a tensor that
/// does not dequantize). Block-quantized weights point into `file`'s
/// mapping, which `owner` (when given) keeps alive as long as the
/// constants; without it they are copied.
mlir::LogicalResult
buildLlamaGraph(mlir::ModuleOp module, const modelfile::GgufFile &file,
                const LlamaConfig &config,
                std::shared_ptr<const modelfile::GgufFile> owner = {});

} // namespace qcc::gguf_import

#endif // QCC_LIB_FRONTEND_GGUF_LLAMAGRAPH_H
