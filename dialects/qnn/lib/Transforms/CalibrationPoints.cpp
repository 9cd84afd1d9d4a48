//===- CalibrationPoints.cpp - the activations calibration measures -------===//

#include "qcc/Dialect/Qnn/Transforms/CalibrationPoints.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/ScalarFunctions.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace qcc::qnn;

bool qcc::qnn::isQuantizable(Operation *op) {
  // A frontend's float input preprocessing or output head (the embedding
  // lookup of a text encoder, its pooling), kept float by request.
  if (op->hasAttr("qcc.keep_float"))
    return false;
  if (isa<ConvOp, ConvTransposeOp, MatMulOp, ConcatOp, ReshapeOp, TransposeOp,
          SliceOp, BroadcastOp, PadOp>(op))
    return true;
  if (auto resize = dyn_cast<ResizeOp>(op))
    return resize.getMode() == "nearest";
  if (auto pool = dyn_cast<PoolOp>(op))
    return pool.getKind() == PoolKind::max || pool.getKind() == PoolKind::avg;
  if (isa<AddOp, MulOp, LayerNormOp>(op))
    return true;
  if (auto reduce = dyn_cast<ReduceOp>(op))
    return reduce.getKind() == ReduceKind::mean;
  // Functions of one tensor (tables): unary ops, and binary ones whose other
  // operand is a one-element constant (x / 6, x + 3).
  if (!isScalarFunction(op))
    return false;
  int tensors = 0;
  for (Value v : op->getOperands()) {
    DenseElementsAttr c;
    if (!(matchPattern(v, m_Constant(&c)) && c.getNumElements() == 1))
      ++tensors;
  }
  return tensors == 1;
}

std::vector<CalibrationPoint> qcc::qnn::calibrationPoints(func::FuncOp f) {
  std::vector<CalibrationPoint> points;
  llvm::DenseSet<Value> seen;
  auto consider = [&](Value v) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t || !isa<FloatType>(t.getElementType()) || !t.hasStaticShape() ||
        matchPattern(v, m_Constant()) || v.getDefiningOp<DequantizeOp>() ||
        !seen.insert(v).second)
      return;
    points.push_back({v, "t" + std::to_string(points.size())});
  };
  // Only the function's own block: values inside control flow regions
  // cannot be returned for calibration.
  for (Operation &o : f.getBody().front()) {
    Operation *op = &o;
    if (!isQuantizable(op))
      continue;
    for (Value v : op->getOperands())
      consider(v);
    for (Value v : op->getResults())
      consider(v);
  }
  return points;
}
