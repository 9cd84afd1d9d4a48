//===- EncoderCalibration.h - text encoder calibration ----------*- C++ -*-===//
//
// `--calib=sentences.txt` for text encoders: each line a sentence,
// tokenized with the model's WordPiece tokenizer into the encoder's
// input_ids / attention_mask (/ token_type_ids) inputs.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DRIVER_ENCODERCALIBRATION_H
#define QCC_DRIVER_ENCODERCALIBRATION_H

#include "qcc/Driver/Calibration.h"
#include "qcc/Driver/ModelInterface.h"

#include "mlir/IR/Location.h"

namespace qcc {

/// The sentences of `textPath` (one per line; blank lines skipped) as
/// calibration samples of `model`, whose inputs must be `input_ids` and
/// `attention_mask` (and optionally `token_type_ids`, all zeros), i64
/// [B, S]: B sentences per sample, each tokenized by the WordPiece
/// tokenizer at `tokenizerPath` (a tokenizer.json, vocab.txt or the folder
/// holding one), cut to S tokens and padded. At most `maxSamples` samples
/// (0: all). Fails with an error at `loc`.
mlir::FailureOr<std::vector<MemorySample>>
encoderCalibrationSamples(mlir::Location loc, llvm::StringRef textPath,
                        llvm::StringRef tokenizerPath,
                        const ModelInterface &model, int64_t maxSamples);

} // namespace qcc

#endif // QCC_DRIVER_ENCODERCALIBRATION_H
