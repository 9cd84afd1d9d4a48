//===- ScalarFunctions.h - host evaluation of float elementwise ops -*- C++ -*-===//
//
// Double-precision host evaluation of qnn's float elementwise ops on one
// scalar, used to tabulate unary functions of a quantized input (qnn.lut).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_SCALARFUNCTIONS_H
#define QCC_DIALECT_QNN_TRANSFORMS_SCALARFUNCTIONS_H

#include "mlir/IR/Operation.h"

#include <optional>

namespace qcc::qnn {

/// Whether `op` is a float elementwise op that evaluateScalarCluster knows.
bool isScalarFunction(mlir::Operation *op);

/// The value of `root` when `leaf` holds `x`, following float elementwise
/// ops whose other operands are one-element constants; std::nullopt if the
/// cluster contains anything else.
std::optional<double> evaluateScalarCluster(mlir::Value root, mlir::Value leaf,
                                            double x);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_SCALARFUNCTIONS_H
