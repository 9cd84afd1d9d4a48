//===- QnnToLinalg.h - qnn to linalg conversion -----------------*- C++ -*-===//

#ifndef QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H
#define QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H

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

/// All of the above.
void populateQnnToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace qcc

#endif // QCC_CONVERSION_QNNTOLINALG_QNNTOLINALG_H
