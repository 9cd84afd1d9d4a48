//===- IntegerizeNorm.h - integer softmax and layer norm patterns -*- C++ -*-===//
//
// The qcc-integerize patterns for the row normalizations of transformer
// blocks (qnn.softmax and qnn.layer_norm between a dequantize and a
// quantize), kept apart from the contraction and elementwise patterns.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZENORM_H
#define QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZENORM_H

#include "mlir/IR/PatternMatch.h"

namespace qcc::qnn {

/// Adds the patterns that turn QDQ softmax into qnn.softmax_integer and QDQ
/// layer_norm (constant scale and bias) into qnn.layer_norm_integer.
void populateIntegerizeNormPatterns(mlir::RewritePatternSet &patterns);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZENORM_H
