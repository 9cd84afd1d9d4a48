//===- CalibrationPoints.h - the activations calibration measures -*- C++ -*-===//
//
// Which float tensors of a model get quantization ranges: every non-constant
// float operand and result of an op that qcc-quantize quantizes (conv,
// matmul, gemm, add, mul, unary functions, pooling, data movement). They are
// named "t0", "t1", ... in a fixed walk order, so a calibration file written
// for a model reads back onto the same model (its point count and shapes are
// recorded and checked).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_CALIBRATIONPOINTS_H
#define QCC_DIALECT_QNN_TRANSFORMS_CALIBRATIONPOINTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace qcc::qnn {

struct CalibrationPoint {
  mlir::Value value;
  std::string name;
};

/// Whether qcc-quantize puts `op` in a quantized region. Never for an op
/// with the unit attribute `qcc.keep_float` (frontends mark float input
/// preprocessing and output heads with it).
bool isQuantizable(mlir::Operation *op);

/// The values of `f` whose ranges calibration records, in walk order.
std::vector<CalibrationPoint> calibrationPoints(mlir::func::FuncOp f);

} // namespace qcc::qnn

#endif // QCC_DIALECT_QNN_TRANSFORMS_CALIBRATIONPOINTS_H
