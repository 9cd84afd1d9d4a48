//===- IntegerizeConvTranspose.h - integer transposed conv ------*- C++ -*-===//
//
// The qcc-integerize pattern for QDQ qnn.conv_transpose: no op of its own,
// the transposed convolution is rewritten exactly into integer data movement
// and qnn.conv_integer.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZECONVTRANSPOSE_H
#define QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZECONVTRANSPOSE_H

#include "mlir/IR/PatternMatch.h"

namespace qcc::qnn {

/// Adds the pattern that turns quantize(conv_transpose(dequantize(x),
/// dequantize(w))) (through a ReLU/Clip) into qnn.conv_integer on integers
/// plus qnn.requantize.
void populateIntegerizeConvTransposePatterns(mlir::RewritePatternSet &patterns);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_INTEGERIZECONVTRANSPOSE_H
