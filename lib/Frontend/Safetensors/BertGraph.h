//===- BertGraph.h - BERT-style encoder from safetensors --------*- C++ -*-===//

#ifndef QCC_LIB_FRONTEND_SAFETENSORS_BERTGRAPH_H
#define QCC_LIB_FRONTEND_SAFETENSORS_BERTGRAPH_H

#include "qcc/Frontend/Safetensors/SafetensorsImporter.h"
#include "qcc/ModelFile/Safetensors.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/JSON.h"

namespace qcc::safetensors_import {

/// The hyperparameters of a BERT encoder (config.json), checked against
/// each other and against the checkpoint's tensors.
struct BertConfig {
  int64_t hidden = 0, layers = 0, heads = 0, headDim = 0, intermediate = 0,
          vocab = 0, maxPositions = 0, typeVocab = 0;
  double layerNormEps = 1e-12;
  bool tanhGelu = false; // hidden_act gelu_new / gelu_pytorch_tanh
  /// "" or "bert.": the prefix of every tensor name (BertForMaskedLM and
  /// friends keep the encoder under "bert.").
  std::string prefix;
  int64_t batch = 1, seqLen = 0;
  bool tokenTypeIds = false;
};

/// Reads and checks config.json's BERT keys and the tensors the graph
/// needs; an error names the key (with the config file) or the tensor.
llvm::Expected<BertConfig>
readBertConfig(const llvm::json::Object &config, llvm::StringRef configPath,
               const modelfile::SafetensorsFile &file,
               const SafetensorsImportOptions &options);

/// Adds `func.func @main` (see importSafetensorsModel) to `module`. Fails
/// after a diagnostic (a tensor that does not convert to float).
mlir::LogicalResult buildBertEncoder(mlir::ModuleOp module,
                                     const modelfile::SafetensorsFile &file,
                                     const BertConfig &config);

} // namespace qcc::safetensors_import

#endif // QCC_LIB_FRONTEND_SAFETENSORS_BERTGRAPH_H
