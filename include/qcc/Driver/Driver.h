//===- Driver.h - the qcc compiler driver -----------------------*- C++ -*-===//

#ifndef QCC_DRIVER_DRIVER_H
#define QCC_DRIVER_DRIVER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <map>
#include <string>
#include <vector>

namespace qcc {

/// Where compilation stops (`--emit=`).
enum class EmitKind { Qnn, Quantized, Integer, Linalg, LLVM, Object, Library };

struct CompileOptions {
  std::string inputPath;
  std::string outputPath;
  std::string target = "host";
  EmitKind emit = EmitKind::Library;
  std::map<std::string, std::vector<int64_t>> inputShapes;
  std::map<std::string, std::vector<double>> inputValues;
  bool runOnnxChecker = true;
  /// Positions of a language model's KV cache (`--ctx`, GGUF input; 0:
  /// the frontend's default).
  int64_t contextLength = 0;
  /// A language model's KV cache (`--kv-cache`): "f32" or "int8".
  std::string kvCache = "f32";
  /// Tokens per run (`--seq`): of a language model (GGUF input; 0: 1, the
  /// decode step; more: the sequence graph), or a safetensors encoder's
  /// static sequence length (or --input-shape input_ids=B,S).
  int64_t sequenceLength = 0;
  /// GGUF block-quantized linear weights (`--gguf-weights`): "dequant" (the
  /// default when empty: f32 constants) or "block" (qnn.block_linear on the
  /// file's bytes).
  std::string ggufWeights;
  /// A GGUF model's per-layer weight formats (`--layer-quant`, repeatable:
  /// REGEX=CONFIG[,...]); the default comes from `--weights` (see
  /// qcc/Frontend/Gguf/WeightConfig.h).
  std::vector<std::string> layerQuant;
  /// Whether --weights, --wbits, --group were given (GGUF defaults differ).
  bool weightMethodGiven = false, weightBitsGiven = false,
       weightGroupGiven = false;
  /// safetensors input: config.json (`--config`; default beside the model)
  /// and a token_type_ids input.
  std::string configPath;
  bool tokenTypeIds = false;
  bool verbose = false;

  // Quantization (`--quant=w8a8` and friends).
  std::string quant = "none";       // none | w8a8
  std::string calibPath;            // --calib=DIR|FILE.npy|SENTENCES.txt
  /// The WordPiece tokenizer for --calib=SENTENCES.txt (default: the
  /// tokenizer.json or vocab.txt beside the model).
  std::string tokenizerPath;
  std::string calibMethod = "minmax"; // minmax | percentile | entropy | mse
  double calibPercentile = 99.999;
  int64_t calibSamples = 0;
  /// Tokens per calibration sequence of a GGUF model calibrated from text
  /// (`--calib-seq`; 0: 512, or the context length when shorter).
  int64_t calibSequence = 0;
  std::string calibOut, calibIn;
  std::string activationType = "u8"; // u8 | i8
  std::string weightMethod = "rtn";  // rtn | gptq | awq | hqq | ternary
  std::string ternaryScale = "channel"; // channel | tensor (--weights=ternary)
  int64_t weightBits = 8;
  int64_t weightGroup = 32;
  /// A GGUF model's 4-bit rtn/gptq/awq/hqq grid (`--wgrid`): "float"
  /// (w = d q + m, Q4_1's) or "int" (integer zero point, range holding 0).
  std::string weightGrid = "float";
  bool weightGridGiven = false;
  double smoothAlpha = -1.0;        // SmoothQuant alpha; negative: off
  int64_t stateBits = 16;           // recurrent state path activations: 8 | 16
  int64_t residualBits = 8;         // residual stream activations: 8 | 16
  std::string sparsity = "disable"; // disable | enable | force (2:4)
  std::string prune;                // magnitude | wanda | sparsegpt | ""
  std::string sparseLayers;         // regex over layer names ("": all)
  /// --sparse-stages: 0 prunes after the one calibration run (Hessians and
  /// ranges of the float model); N > 0 prunes first, in N stages whose
  /// Hessians see the earlier stages pruned, then calibrates the ranges.
  int64_t sparseStages = 0;
};

/// Runs the whole compile described by `options`; diagnostics go to the
/// context's handler. Returns failure after reporting an error.
mlir::LogicalResult compile(mlir::MLIRContext &context,
                            const CompileOptions &options);

/// The compile after the frontend: optimization, quantization, lowering and
/// code generation of an imported qnn module, as `options` say (inputPath
/// only names the model in diagnostics and the header).
mlir::LogicalResult compileModule(mlir::MLIRContext &context,
                                  mlir::OwningOpRef<mlir::ModuleOp> module,
                                  const CompileOptions &options);

/// `qcc`'s main(): parses the command line and compiles.
int qccMain(int argc, char **argv);

} // namespace qcc

#endif // QCC_DRIVER_DRIVER_H
