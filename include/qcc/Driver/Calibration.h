//===- Calibration.h - activation statistics from calibration -*- C++ -*-===//
//
// Runs the float model on calibration samples and records, for every
// calibration point (qcc::qnn::calibrationPoints), a streaming observer of
// the values it takes; writes and reads those observers as a calibration
// file tied to the model by a fingerprint of its points.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DRIVER_CALIBRATION_H
#define QCC_DRIVER_CALIBRATION_H

#include "qcc/Driver/Driver.h"
#include "qcc/Quant/Observers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qcc {

/// One calibration sample held in memory: the bytes of every model input
/// (in the input's dtype and shape, inputs in the model's order).
struct MemorySample {
  std::vector<std::vector<char>> inputs;
  /// Where it came from, for messages ("calib.txt:3-4").
  std::string label;
};

struct CalibrationOptions {
  /// `--calib=`: a folder (one .npy per sample for single-input models, or
  /// one subfolder per sample holding `<input name>.npy` for each input) or
  /// one .npy whose first axis enumerates the samples.
  std::string dataPath;
  /// Samples made by the driver (text tokenized for an encoder); when
  /// non-empty they are used instead of reading `dataPath`, which then only
  /// names them in messages.
  std::vector<MemorySample> memorySamples;
  /// At most this many samples, in name order (0: all).
  int64_t maxSamples = 0;
  /// Per-sample progress on stderr.
  bool verbose = false;
  /// Also called with every observed point's values on every sample (as
  /// f32 in the point's static shape), e.g. for weight-layer statistics.
  std::function<void(size_t point, const float *data)> onPoint;
  /// Language models (`--calib=text.txt` on a GGUF model): token sequences
  /// that replace the .npy samples. The model must have a language model's
  /// interface (inputs `token`/`tokens` i64 [T], `pos` i64 [1], `k_cache`,
  /// `v_cache`; outputs `logits`, `k_cache_out`, `v_cache_out`); each
  /// sequence (a multiple of T tokens, at most the cache's positions) runs
  /// from position 0 on zero caches, T tokens per run, the caches carried
  /// from run to run; every run is observed.
  std::vector<std::vector<int32_t>> tokenSequences;
};

/// Runs `floatModule` (a float qnn module with func.func @main, already
/// through the qnn optimization pipeline) on every calibration sample and
/// returns one observer per calibration point of @main, in the order of
/// qcc::qnn::calibrationPoints and named like the points. Points of rank >= 2
/// also carry per-channel statistics along axis 1. A point @main cannot
/// return (one inside a nested region) keeps an empty observer, with a
/// warning. Prints progress and a "[calib] N samples, P points, T s" line on
/// stderr. `compileOptions` are the
/// user's; the calibration library is built for them when their target runs
/// on this machine and for "host" otherwise. `floatModule` is not modified.
mlir::FailureOr<std::vector<quant::TensorObserver>>
runCalibration(mlir::ModuleOp floatModule, const CompileOptions &compileOptions,
               const CalibrationOptions &options);

/// Calibration from text for a GGUF language model: tokenizes the UTF-8
/// file `textPath` with the tokenizer `ggufPath` embeds (its add_bos_token
/// decides a leading BOS; control tokens spelled in the text stay text) and
/// cuts the tokens into consecutive sequences of `length` tokens, at most
/// `maxSequences` of them (0: every whole one). Fails with an error at
/// `loc` when the text is unreadable or shorter than one sequence.
mlir::FailureOr<std::vector<std::vector<int32_t>>>
tokenizeCalibrationText(mlir::Location loc, llvm::StringRef textPath,
                        llvm::StringRef ggufPath, int64_t length,
                        int64_t maxSequences);

/// Writes `observers` (one per calibration point of `main`, in order) as a
/// calibration file (`--calib-out`): the observers' qcc-calibration JSON
/// wrapped with a format version and the fingerprint of `main`'s points
/// (count, names, element types, shapes, producing ops).
mlir::LogicalResult
writeCalibrationFile(llvm::StringRef path, mlir::func::FuncOp main,
                     llvm::ArrayRef<quant::TensorObserver> observers,
                     mlir::Location loc);

/// Reads a calibration file (`--calib-in`) written for the model of `main`;
/// fails with an error at `loc` when the file is unreadable or malformed or
/// its fingerprint differs from `main`'s points. Of the ranges the file
/// records, only `method`'s are recomputed and checked: the others cost as
/// much to check and are not used (the observers keep that range, so
/// asking for it again with the file's options is free).
mlir::FailureOr<std::vector<quant::TensorObserver>>
readCalibrationFile(llvm::StringRef path, mlir::func::FuncOp main,
                    mlir::Location loc, quant::CalibMethod method);

} // namespace qcc

#endif // QCC_DRIVER_CALIBRATION_H
