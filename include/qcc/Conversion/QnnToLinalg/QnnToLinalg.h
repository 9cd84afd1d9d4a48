//===- QnnToLinalg.h - qnn to linalg conversion -----------------*- C++ -*-===//

#ifndef QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H
#define QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace qcc {

/// Patterns lowering qnn ops, by family, to linalg/tensor/arith/math on
/// tensors. Each family lives in its own file.
void populateQnnElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnMatMulToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnConvToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnPoolToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnReductionToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnDataMovementToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnResizeToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnIntegerToLinalgPatterns(mlir::RewritePatternSet &patterns);
void populateQnnIntegerGroupedToLinalgPatterns(
    mlir::RewritePatternSet &patterns);
void populateQnnIntegerNormToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateQnnToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// Rewrites qnn.quantize / qnn.dequantize to linalg on the quantized types'
/// storage integers (signless) and removes `quant.scast`, so that no quant
/// type is left. Runs after signedness was stripped from the module. Emits
/// an error for a quantized value that reaches any other op.
mlir::LogicalResult lowerQuantizedBoundaries(mlir::ModuleOp module);

} // namespace qcc

#endif // QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H
