//===- Utils.h - shared helpers of the qnn to linalg lowering ---*- C++ -*-===//

#ifndef QCC_LIB_CONVERSION_QNNTOLINALG_UTILS_H
#define QCC_LIB_CONVERSION_QNNTOLINALG_UTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

namespace qcc::lowering {

using BodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic over `resultType`'s shape whose inputs broadcast
/// numpy-style to it; `body` maps the input scalars to the result scalar.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs, BodyFn body);

/// The indexing map that reads `inputType` broadcast into `resultRank` dims.
mlir::AffineMap broadcastMap(mlir::MLIRContext *ctx,
                             mlir::RankedTensorType inputType,
                             llvm::ArrayRef<int64_t> resultShape);

/// A scalar constant of `type` (float or integer) holding `value`.
mlir::Value scalarConst(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Type type, double value);

/// The identity of max (lowest value) or min (highest value) for `type`;
/// `isUnsigned` reads integers as unsigned.
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Type type, bool isUnsigned = false);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, bool isUnsigned = false);

/// A tensor of `type` filled with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value value);

/// Reshape between static shapes of equal element count.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::RankedTensorType type);

/// Scalar arithmetic that picks the float or integer form by type.
mlir::Value add(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value mul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y);
mlir::Value max(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y, bool isUnsigned = false);
mlir::Value min(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                mlir::Value y, bool isUnsigned = false);

/// Converts a scalar between element types with ONNX Cast rules; the flags
/// say whether integer source / destination values are unsigned.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value v, mlir::Type to,
                          bool fromUnsigned = false, bool toUnsigned = false);

/// Signedness of a qnn op's integer operands and results. The lowering
/// works on signless types: stripSignedness() records unsigned operands and
/// results on each qnn op (these attributes) before erasing the signedness
/// from every type.
constexpr llvm::StringLiteral kUnsignedOperands = "qcc.unsigned_operands";
constexpr llvm::StringLiteral kUnsignedResults = "qcc.unsigned_results";
inline bool hasUnsignedOperands(mlir::Operation *op) {
  return op->hasAttr(kUnsignedOperands);
}
/// Bit i set: operand i of the qnn op was unsigned.
constexpr llvm::StringLiteral kUnsignedOperandMask = "qcc.unsigned_operand_mask";
inline bool isOperandUnsigned(mlir::Operation *op, unsigned i) {
  auto mask = op->getAttrOfType<mlir::IntegerAttr>(kUnsignedOperandMask);
  return mask && i < 64 && ((mask.getValue().getZExtValue() >> i) & 1);
}
inline bool hasUnsignedResults(mlir::Operation *op) {
  return op->hasAttr(kUnsignedResults);
}
void stripSignedness(mlir::Operation *root);

/// Body of a grouped convolution: the block arguments are the input and
/// weight elements, the per-filter element (if any) and the accumulator; it
/// returns the new accumulator.
using ConvBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Grouped N-d convolution of an already padded input (N x C x ...) with
/// FCK... weights, stride and dilation, as one linalg.generic over
/// (N, G, F/G, C/G, k..., out...) accumulating into `init` (N x F x out...).
/// `perFilter`, when given, is a vector of F values passed to `body`;
/// without `body` the accumulator adds input * weight.
mlir::Value buildGroupedConv(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value input, mlir::Value weight,
                             mlir::Value init, llvm::ArrayRef<int64_t> strides,
                             llvm::ArrayRef<int64_t> dilations, int64_t group,
                             mlir::Value perFilter = {}, ConvBodyFn body = {});

/// Reshape to a grouped view (e.g. N x C x ... to N x G x C/G x ...).
mlir::Value reshapeToGrouped(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value v, llvm::ArrayRef<int64_t> shape,
                             mlir::Type elementType);

/// tensor.pad of `source` to `type` with static low/high amounts.
mlir::Value padTensor(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::RankedTensorType type, mlir::Value source,
                      llvm::ArrayRef<int64_t> low, llvm::ArrayRef<int64_t> high,
                      mlir::Value padValue);

/// Parallel iterator types, n of them.
llvm::SmallVector<mlir::utils::IteratorType> parallel(unsigned n);

/// An integer NC... tensor padded with the zero point `zp` by `pads`
/// (begin values then end values per spatial axis), so padded positions
/// contribute nothing to zero-point-corrected products.
mlir::Value padWithZeroPoint(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value input, llvm::ArrayRef<int64_t> pads,
                             int64_t zp, bool isUnsigned);

/// The patches of a (padded) batch-1 NC... input as rows [prod(outSpatial),
/// C * prod(kernel)] in (channel, kernel...) order.
mlir::Value im2colRows(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<int64_t> kernel,
                       llvm::ArrayRef<int64_t> outSpatial,
                       llvm::ArrayRef<int64_t> strides,
                       llvm::ArrayRef<int64_t> dilations);

} // namespace qcc::lowering

#endif // QCC_LIB_CONVERSION_QNNTOLINALG_UTILS_H
