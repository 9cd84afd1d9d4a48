//===- QnnQuantOps.cpp - verifiers of quantized and integer qnn ops -------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace qcc::qnn;

/// The value range of an integer type (signless counts as signed).
static std::pair<int64_t, int64_t> integerRange(IntegerType t) {
  unsigned w = t.getWidth();
  if (t.isUnsigned())
    return {0, w >= 63 ? INT64_MAX : (int64_t(1) << w) - 1};
  if (w >= 64)
    return {INT64_MIN, INT64_MAX};
  return {-(int64_t(1) << (w - 1)), (int64_t(1) << (w - 1)) - 1};
}

static IntegerType integerElementType(Value v) {
  return dyn_cast<IntegerType>(cast<ShapedType>(v.getType()).getElementType());
}

/// Operands of integer arithmetic: 2..16-bit integers (not i1).
static LogicalResult verifyNarrowIntegerOperand(Operation *op, Value v,
                                                StringRef what) {
  IntegerType t = integerElementType(v);
  if (!t || t.getWidth() < kMinQuantBits || t.getWidth() > kMaxQuantBits)
    return op->emitOpError() << what << " must have an integer element type of "
                             << kMinQuantBits << " to " << kMaxQuantBits
                             << " bits, got " << v.getType();
  return success();
}

static LogicalResult verifyZeroPoint(Operation *op, int64_t zp, Value v,
                                     StringRef what) {
  auto [lo, hi] = integerRange(integerElementType(v));
  if (zp < lo || zp > hi)
    return op->emitOpError() << what << " zero point " << zp
                             << " is outside the operand range [" << lo << ", "
                             << hi << "]";
  return success();
}

static LogicalResult verifyClamp(Operation *op, int64_t lo, int64_t hi,
                                 int64_t outputZp) {
  IntegerType t = integerElementType(op->getResult(0));
  if (!t)
    return op->emitOpError("result must have an integer element type");
  auto [tlo, thi] = integerRange(t);
  if (lo > hi || lo < tlo || hi > thi)
    return op->emitOpError("clamp range [")
           << lo << ", " << hi << "] is empty or outside the result range ["
           << tlo << ", " << thi << "]";
  if (outputZp < tlo || outputZp > thi)
    return op->emitOpError("output zero point ")
           << outputZp << " is outside the result range";
  return success();
}

static LogicalResult verifyMultiplier(Operation *op, int64_t m, int64_t s) {
  if (m < 0 || m > INT32_MAX)
    return op->emitOpError("multiplier ")
           << m << " is outside [0, 2^31 - 1]";
  if (s < 0 || s > 62)
    return op->emitOpError("shift ") << s << " is outside [0, 62]";
  return success();
}

static LogicalResult verifyI32Result(Operation *op) {
  IntegerType t = integerElementType(op->getResult(0));
  if (!t || t.getWidth() != 32 || t.isUnsigned())
    return op->emitOpError("result must have element type i32");
  return success();
}

//===----------------------------------------------------------------------===//
// Quantized level
//===----------------------------------------------------------------------===//

static LogicalResult verifyQuantPair(Operation *op, Value floatSide,
                                     Value quantSide) {
  auto ft = cast<ShapedType>(floatSide.getType());
  if (!isa<FloatType>(ft.getElementType()))
    return op->emitOpError("expected a float tensor, got ") << ft;
  auto qtensor = cast<ShapedType>(quantSide.getType());
  auto params = getQuantParams(qtensor.getElementType(), qtensor.getShape(),
                               [&] { return op->emitOpError(); });
  if (failed(params))
    return failure();
  if (!isa<FloatType>(params->expressedType))
    return op->emitOpError("quantized type must express a float type");
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyQuantPair(*this, getInput(), getResult());
}

LogicalResult DequantizeOp::verify() {
  return verifyQuantPair(*this, getResult(), getInput());
}

LogicalResult StorageCastOp::verify() {
  Type in = getInput().getType().getElementType();
  Type out = getType().getElementType();
  auto qin = dyn_cast<quant::QuantizedType>(in);
  auto qout = dyn_cast<quant::QuantizedType>(out);
  if ((qin != nullptr) == (qout != nullptr))
    return emitOpError("expected one quantized and one integer side, got ")
           << in << " and " << out;
  auto q = qin ? qin : qout;
  auto it = dyn_cast<IntegerType>(qin ? out : in);
  if (!it)
    return emitOpError("the non-quantized side must be an integer tensor");
  if (it.getWidth() != q.getStorageTypeIntegralWidth())
    return emitOpError("integer width ")
           << it.getWidth() << " differs from the storage width "
           << q.getStorageTypeIntegralWidth();
  if ((it.isUnsigned() && q.isSigned()) || (it.isSigned() && !q.isSigned()))
    return emitOpError("integer signedness differs from the storage's");
  auto shaped = cast<ShapedType>(qin ? getInput().getType() : getType());
  return getQuantParams(q, shaped.getShape(), [&] { return emitOpError(); });
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<StorageCastOp>())
    if (inner.getInput().getType() == getType())
      return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Integer level
//===----------------------------------------------------------------------===//

LogicalResult RequantizeOp::verify() {
  IntegerType in = integerElementType(getInput());
  if (!in || in.getWidth() < 2 || in.getWidth() > 32)
    return emitOpError("input must have an integer element type of 2 to 32 bits");
  if (failed(verifyZeroPoint(*this, getInputZp(), getInput(), "input")) ||
      failed(verifyClamp(*this, getClampMin(), getClampMax(), getOutputZp())))
    return failure();
  ArrayRef<int32_t> m = getMultiplier(), s = getShift();
  if (m.empty() || m.size() != s.size())
    return emitOpError("expected as many shifts as multipliers (at least one)");
  for (auto [mi, si] : llvm::zip(m, s))
    if (failed(verifyMultiplier(*this, mi, si)))
      return failure();
  if (m.size() > 1) {
    auto t = getInput().getType();
    int64_t axis = getAxis();
    if (axis < 0 || axis >= t.getRank())
      return emitOpError("axis ") << axis << " is out of range for rank "
                                  << t.getRank();
    if (t.getDimSize(axis) != (int64_t)m.size())
      return emitOpError("expected ")
             << t.getDimSize(axis) << " multipliers along axis " << axis
             << ", got " << m.size();
  }
  return success();
}

static LogicalResult verifyWeightZeroPoints(Operation *op, ArrayRef<int64_t> zps,
                                            Value w, int64_t channels) {
  if (zps.size() != 1 && (int64_t)zps.size() != channels)
    return op->emitOpError("expected 1 or ")
           << channels << " weight zero points, got " << zps.size();
  for (int64_t zp : zps)
    if (failed(verifyZeroPoint(op, zp, w, "weight")))
      return failure();
  return success();
}

static LogicalResult verifyI32Bias(Operation *op, Value bias, int64_t n) {
  if (!bias)
    return success();
  IntegerType t = integerElementType(bias);
  if (!t || t.getWidth() != 32)
    return op->emitOpError("bias must have element type i32");
  return verifyBias(op, bias, n);
}

LogicalResult MatMulIntegerOp::verify() {
  if (failed(verifyNarrowIntegerOperand(*this, getA(), "A")) ||
      failed(verifyNarrowIntegerOperand(*this, getB(), "B")) ||
      failed(verifyI32Result(*this)) ||
      failed(verifyZeroPoint(*this, getAZp(), getA(), "A")))
    return failure();
  auto b = getB().getType();
  int64_t n = b.getRank() == 1 ? 1 : b.getDimSize(b.getRank() - 1);
  if (failed(verifyWeightZeroPoints(*this, getBZp(), getB(), n)) ||
      failed(verifyI32Bias(*this, getBias(), n)))
    return failure();
  auto shape = matmulShape(getLoc(), getA().getType().getShape(), b.getShape());
  if (failed(shape))
    return failure();
  return verifyShapeEquals(*this, *shape, getType());
}

LogicalResult ConvIntegerOp::verify() {
  if (failed(verifyNarrowIntegerOperand(*this, getInput(), "input")) ||
      failed(verifyNarrowIntegerOperand(*this, getWeight(), "weight")) ||
      failed(verifyI32Result(*this)) ||
      failed(verifyZeroPoint(*this, getXZp(), getInput(), "input")))
    return failure();
  int64_t filters = getWeight().getType().getDimSize(0);
  if (failed(verifyWeightZeroPoints(*this, getWZp(), getWeight(), filters)) ||
      failed(verifyI32Bias(*this, getBias(), filters)))
    return failure();
  auto shape = convShape(getLoc(), getInput().getType(), getWeight().getType(),
                         getStrides(), getPads(), getDilations(), getGroup());
  if (failed(shape))
    return failure();
  return verifyShapeEquals(*this, *shape, getType());
}

static LogicalResult verifyBroadcastBinary(Operation *op, Value a, Value b) {
  auto shape = broadcastShapes(cast<ShapedType>(a.getType()).getShape(),
                               cast<ShapedType>(b.getType()).getShape());
  if (failed(shape))
    return op->emitOpError("operand shapes do not broadcast");
  return verifyShapeEquals(op, *shape,
                           cast<RankedTensorType>(op->getResult(0).getType()));
}

LogicalResult QAddOp::verify() {
  if (failed(verifyNarrowIntegerOperand(*this, getLhs(), "lhs")) ||
      failed(verifyNarrowIntegerOperand(*this, getRhs(), "rhs")) ||
      failed(verifyZeroPoint(*this, getAZp(), getLhs(), "lhs")) ||
      failed(verifyZeroPoint(*this, getBZp(), getRhs(), "rhs")) ||
      failed(verifyMultiplier(*this, getAMultiplier(), getShift())) ||
      failed(verifyMultiplier(*this, getBMultiplier(), getShift())) ||
      failed(verifyClamp(*this, getClampMin(), getClampMax(), getOutputZp())))
    return failure();
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}

LogicalResult QMulOp::verify() {
  if (failed(verifyNarrowIntegerOperand(*this, getLhs(), "lhs")) ||
      failed(verifyNarrowIntegerOperand(*this, getRhs(), "rhs")) ||
      failed(verifyZeroPoint(*this, getAZp(), getLhs(), "lhs")) ||
      failed(verifyZeroPoint(*this, getBZp(), getRhs(), "rhs")) ||
      failed(verifyMultiplier(*this, getMultiplier(), getShift())) ||
      failed(verifyClamp(*this, getClampMin(), getClampMax(), getOutputZp())))
    return failure();
  return verifyBroadcastBinary(*this, getLhs(), getRhs());
}

LogicalResult LutOp::verify() {
  IntegerType in = integerElementType(getInput());
  if (!in || in.getWidth() < 2 || in.getWidth() > 16)
    return emitOpError("input must have an integer element type of 2 to 16 "
                       "bits, got ")
           << getInput().getType();
  auto table = getTable();
  auto tableType = dyn_cast<ShapedType>(table.getType());
  if (!tableType || tableType.getRank() != 1)
    return emitOpError("table must be one-dimensional");
  int64_t n = tableType.getNumElements();
  auto [lo, hi] = integerRange(in);
  if (std::optional<int64_t> first = getFirst()) {
    if (n < 1 || n > 65536)
      return emitOpError("table must have 1 to 65536 elements, got ") << n;
    if (*first < lo || *first + n - 1 > hi)
      return emitOpError("table window [")
             << *first << ", " << *first + n - 1
             << "] is outside the input range [" << lo << ", " << hi << "]";
  } else if (n != hi - lo + 1) {
    return emitOpError("table must have ")
           << hi - lo + 1 << " elements (one per input value; or set first)";
  }
  Type resultElement = getType().getElementType();
  if (tableType.getElementType() != resultElement)
    return emitOpError("table element type ")
           << tableType.getElementType() << " differs from the result's "
           << resultElement;
  return success();
}

//===----------------------------------------------------------------------===//
// Integer level, grouped weights
//===----------------------------------------------------------------------===//

/// The weight codes, zero points and sub-scales of a grouped product: codes
/// [rows, ...] read as rows of `k` elements in groups of `groupSize`, zero
/// points of the codes' type and i32 sub-scales, both [rows, k / groupSize].
static LogicalResult verifyGroupedWeights(Operation *op, Value weight,
                                          Value subScales, Value zps,
                                          int64_t k, int64_t groupSize) {
  IntegerType wt = integerElementType(weight);
  if (!wt || wt.getWidth() < 2 || wt.getWidth() > 8)
    return op->emitOpError("weight must have an integer element type of 2 to "
                           "8 bits, got ")
           << weight.getType();
  if (groupSize <= 0 || k % groupSize != 0)
    return op->emitOpError("group_size ")
           << groupSize << " does not divide the reduction length " << k;
  int64_t rows = cast<ShapedType>(weight.getType()).getDimSize(0);
  SmallVector<int64_t> expected{rows, k / groupSize};
  auto zt = cast<ShapedType>(zps.getType());
  if (zt.getElementType() != wt || zt.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError("w_zp must be ")
           << RankedTensorType::get(expected, wt) << ", got " << zt;
  auto st = cast<ShapedType>(subScales.getType());
  IntegerType se = integerElementType(subScales);
  if (!se || se.getWidth() != 32 || se.isUnsigned() ||
      st.getShape() != ArrayRef<int64_t>(expected))
    return op->emitOpError("sub_scales must be ")
           << RankedTensorType::get(expected, IntegerType::get(op->getContext(), 32))
           << ", got " << st;
  DenseElementsAttr dense;
  if (matchPattern(subScales, m_Constant(&dense)))
    for (APInt v : dense.getValues<APInt>())
      if (v.isNegative())
        return op->emitOpError("sub-scale ")
               << v.getSExtValue() << " is negative";
  return success();
}

LogicalResult MatMulGroupedIntegerOp::verify() {
  IntegerType at = integerElementType(getA());
  if (!at || at.getWidth() < 2 || at.getWidth() > 8)
    return emitOpError("A must have an integer element type of 2 to 8 bits, got ")
           << getA().getType();
  if (failed(verifyI32Result(*this)) ||
      failed(verifyZeroPoint(*this, getAZp(), getA(), "A")))
    return failure();
  auto w = getWeight().getType();
  auto a = getA().getType();
  if (w.getRank() != 2 || a.getRank() < 1)
    return emitOpError("expected weights [N, K] and A of rank >= 1");
  int64_t n = w.getDimSize(0), k = w.getDimSize(1);
  if (a.getShape().back() != k)
    return emitOpError("A's last axis has ")
           << a.getShape().back() << " elements, the weight rows " << k;
  if (failed(verifyGroupedWeights(*this, getWeight(), getSubScales(), getWZp(),
                                  k, getGroupSize())) ||
      failed(verifyI32Bias(*this, getBias(), n)))
    return failure();
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back(n);
  return verifyShapeEquals(*this, shape, getType());
}

LogicalResult ConvGroupedIntegerOp::verify() {
  IntegerType xt = integerElementType(getInput());
  if (!xt || xt.getWidth() < 2 || xt.getWidth() > 8)
    return emitOpError("input must have an integer element type of 2 to 8 "
                       "bits, got ")
           << getInput().getType();
  if (failed(verifyI32Result(*this)) ||
      failed(verifyZeroPoint(*this, getXZp(), getInput(), "input")))
    return failure();
  if (getGroup() != 1)
    return emitOpError("grouped weights need group = 1, got ") << getGroup();
  auto w = getWeight().getType();
  if (w.getRank() < 3)
    return emitOpError("expected weights [F, C, kernel...]");
  int64_t k = w.getNumElements() / w.getDimSize(0);
  if (failed(verifyGroupedWeights(*this, getWeight(), getSubScales(), getWZp(),
                                  k, getGroupSize())) ||
      failed(verifyI32Bias(*this, getBias(), w.getDimSize(0))))
    return failure();
  auto shape = convShape(getLoc(), getInput().getType(), w, getStrides(),
                         getPads(), getDilations(), getGroup());
  if (failed(shape))
    return failure();
  return verifyShapeEquals(*this, *shape, getType());
}

LogicalResult MatMulSparse24IntegerOp::verify() {
  IntegerType at = integerElementType(getA());
  if (!at || at.getWidth() != 8)
    return emitOpError("A must have an 8-bit integer element type, got ")
           << getA().getType();
  if (failed(verifyI32Result(*this)) ||
      failed(verifyZeroPoint(*this, getAZp(), getA(), "A")))
    return failure();
  auto v = getValues().getType(), idx = getIndices().getType();
  auto a = getA().getType();
  IntegerType vt = integerElementType(getValues()),
              it = integerElementType(getIndices());
  if (!vt || vt.getWidth() != 8 || vt.isUnsigned())
    return emitOpError("values must have element type i8, got ") << v;
  if (!it || it.getWidth() != 8 || !it.isUnsigned())
    return emitOpError("indices must have element type ui8, got ") << idx;
  if (v.getRank() != 2 || idx.getRank() != 2 || a.getRank() < 1)
    return emitOpError("expected values [N, K/2], indices [N, K/8] and A of "
                       "rank >= 1");
  int64_t n = v.getDimSize(0), k = a.getShape().back();
  if (k % 4 != 0)
    return emitOpError("A's last axis has ")
           << k << " elements, not a multiple of 4 (2:4 groups)";
  if (v.getDimSize(1) != k / 2)
    return emitOpError("values rows have ")
           << v.getDimSize(1) << " elements, expected K/2 = " << k / 2;
  if (idx.getDimSize(0) != n || idx.getDimSize(1) != (k + 7) / 8)
    return emitOpError("indices must be [")
           << n << ", " << (k + 7) / 8 << "] (two 2-bit positions per group "
           << "of 4), got " << idx;
  if (failed(verifyI32Bias(*this, getBias(), n)))
    return failure();
  SmallVector<int64_t> shape(a.getShape().drop_back());
  shape.push_back(n);
  return verifyShapeEquals(*this, shape, getType());
}
