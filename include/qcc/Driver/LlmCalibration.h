//===- LlmCalibration.h - layer statistics for a GGUF model's weights -*- C++
//-*-===//
//
// GPTQ and AWQ on a GGUF language model (`--weights=gptq|awq`, or such
// --layer-quant entries) read each linear layer's input statistics. They
// come from the float sequence graph of the same model, calibrated on text
// (`--calib=text.txt --calib-seq --calib-samples`), whatever graph is being
// compiled: the decode step's layers are the same weights, and only the
// sequence graph has them in the x W^T form the statistics take.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DRIVER_LLMCALIBRATION_H
#define QCC_DRIVER_LLMCALIBRATION_H

#include "qcc/Driver/Driver.h"
#include "qcc/Frontend/Gguf/WeightConfig.h"

#include "mlir/IR/MLIRContext.h"

#include <memory>

namespace qcc {

/// Imports `options.inputPath` as a float sequence graph of --calib-seq
/// tokens (default min(512, --ctx)), runs it on the text `options.calibPath`
/// and returns, per linear weight name, the input statistics `plan`'s
/// methods need (Hessians for gptq and for `sparsity`'s wanda/sparsegpt
/// pruning; mean |x| and a row sample for awq). Fails after an error.
mlir::FailureOr<std::shared_ptr<const gguf_import::LayerStatsMap>>
collectLanguageModelStatistics(mlir::MLIRContext &context,
                               const CompileOptions &options,
                               const gguf_import::WeightPlan &plan,
                               const gguf_import::SparsityPlan &sparsity);

} // namespace qcc

#endif // QCC_DRIVER_LLMCALIBRATION_H
