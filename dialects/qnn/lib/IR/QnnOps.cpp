//===- QnnOps.cpp - qnn operator verifiers, shape inference, folders ------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/CommonFolders.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace qcc::qnn;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
qcc::qnn::broadcastShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1)
      out[i] = da;
    else if (da == 1)
      out[i] = db;
    else if (ShapedType::isDynamic(da) || ShapedType::isDynamic(db))
      out[i] = ShapedType::kDynamic;
    else
      return failure();
  }
  return out;
}

static RankedTensorType rankedType(Value v) {
  return cast<RankedTensorType>(v.getType());
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += "x";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s;
}

LogicalResult qcc::qnn::verifyShapeEquals(Operation *op, ArrayRef<int64_t> expected,
                                       RankedTensorType actual) {
  if (expected.size() != (size_t)actual.getRank())
    return op->emitOpError("result rank ")
           << actual.getRank() << " differs from the expected rank "
           << expected.size();
  for (auto [e, a] : llvm::zip(expected, actual.getShape()))
    if (!ShapedType::isDynamic(e) && !ShapedType::isDynamic(a) && e != a)
      return op->emitOpError("result shape ")
             << shapeStr(actual.getShape()) << " differs from the expected "
             << shapeStr(expected);
  return success();
}

static bool isSplatOf(Attribute attr, double value) {
  auto dense = dyn_cast_or_null<DenseElementsAttr>(attr);
  if (!dense || !dense.isSplat())
    return false;
  Type et = dense.getElementType();
  if (isa<FloatType>(et))
    return dense.getSplatValue<APFloat>().convertToDouble() == value;
  if (et.isInteger() && et.getIntOrFloatBitWidth() > 1)
    return dense.getSplatValue<APInt>().getSExtValue() == (int64_t)value;
  return false;
}

/// Verifies an op's result shape against what its own inferReturnTypes
/// computes from its operands and attributes.
template <typename OpTy>
static LogicalResult verifyAgainstInferred(OpTy op) {
  SmallVector<Type> types;
  Operation *o = op.getOperation();
  if (failed(OpTy::inferReturnTypes(o->getContext(), o->getLoc(), o->getOperands(),
                                    o->getAttrDictionary(),
                                    o->getPropertiesStorage(), o->getRegions(),
                                    types)))
    return failure();
  return verifyShapeEquals(o, cast<RankedTensorType>(types[0]).getShape(),
                           op.getType());
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

static LogicalResult inferBroadcast(std::optional<Location> loc,
                                    ValueRange operands, Type elementType,
                                    SmallVectorImpl<Type> &types) {
  SmallVector<int64_t> shape;
  for (Value v : operands) {
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      return emitOptionalError(loc, "operands must be ranked tensors");
    auto b = broadcastShapes(shape, t.getShape());
    if (failed(b))
      return emitOptionalError(loc, "operand shapes ", shapeStr(shape),
                               " and ", shapeStr(t.getShape()),
                               " do not broadcast");
    shape = *b;
  }
  types.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

static LogicalResult verifyBroadcastResult(Operation *op, ValueRange operands,
                                           Type elementType) {
  SmallVector<Type> inferred;
  if (failed(inferBroadcast(op->getLoc(), operands, elementType, inferred)))
    return failure();
  auto result = cast<RankedTensorType>(op->getResult(0).getType());
  if (result.getElementType() != elementType)
    return op->emitOpError("result element type ")
           << result.getElementType() << " must be " << elementType;
  return verifyShapeEquals(op, cast<RankedTensorType>(inferred[0]).getShape(),
                           result);
}

#define QNN_BINARY_OP(OP)                                                      \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, ValueRange operands,         \
      DictionaryAttr, OpaqueProperties, RegionRange,                           \
      SmallVectorImpl<Type> &types) {                                          \
    return inferBroadcast(loc, operands,                                       \
                          getElementTypeOrSelf(operands[0].getType()), types); \
  }                                                                            \
  LogicalResult OP::verify() {                                                 \
    return verifyBroadcastResult(*this, getOperation()->getOperands(),         \
                                 getLhs().getType().getElementType());         \
  }

QNN_BINARY_OP(AddOp)
QNN_BINARY_OP(SubOp)
QNN_BINARY_OP(MulOp)
QNN_BINARY_OP(DivOp)
QNN_BINARY_OP(PowOp)
QNN_BINARY_OP(MaxOp)
QNN_BINARY_OP(MinOp)
QNN_BINARY_OP(ModOp)
QNN_BINARY_OP(AndOp)
QNN_BINARY_OP(OrOp)
QNN_BINARY_OP(XorOp)
#undef QNN_BINARY_OP

/// x + 0 and x * 1 fold to x when no broadcast changes x's type; two
/// same-typed constants fold elementwise.
template <typename Calc>
static OpFoldResult foldArith(Operation *op, ArrayRef<Attribute> operands,
                              double identity, Calc calc) {
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  Type resultType = op->getResult(0).getType();
  if (isSplatOf(operands[1], identity) && lhs.getType() == resultType)
    return lhs;
  if (isSplatOf(operands[0], identity) && rhs.getType() == resultType)
    return rhs;
  if (operands[0] && operands[1] && lhs.getType() == rhs.getType() &&
      lhs.getType() == resultType)
    return calc(operands);
  return {};
}

OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  return foldArith(*this, adaptor.getOperands(), 0.0,
                   [&](ArrayRef<Attribute> ops) -> Attribute {
                     if (isa<FloatType>(getType().getElementType()))
                       return constFoldBinaryOp<FloatAttr, FloatAttr::ValueType, void>(
                           ops, [](const APFloat &a, const APFloat &b) {
                             return a + b;
                           });
                     return constFoldBinaryOp<IntegerAttr, IntegerAttr::ValueType, void>(
                         ops,
                         [](const APInt &a, const APInt &b) { return a + b; });
                   });
}

OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  return foldArith(*this, adaptor.getOperands(), 1.0,
                   [&](ArrayRef<Attribute> ops) -> Attribute {
                     if (isa<FloatType>(getType().getElementType()))
                       return constFoldBinaryOp<FloatAttr, FloatAttr::ValueType, void>(
                           ops, [](const APFloat &a, const APFloat &b) {
                             return a * b;
                           });
                     return constFoldBinaryOp<IntegerAttr, IntegerAttr::ValueType, void>(
                         ops,
                         [](const APInt &a, const APInt &b) { return a * b; });
                   });
}

LogicalResult CompareOp::inferReturnTypes(
    MLIRContext *ctx, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  return inferBroadcast(loc, operands, IntegerType::get(ctx, 1), types);
}

LogicalResult CompareOp::verify() {
  return verifyBroadcastResult(*this, {getLhs(), getRhs()},
                               IntegerType::get(getContext(), 1));
}

LogicalResult WhereOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  return inferBroadcast(loc, operands,
                        getElementTypeOrSelf(operands[1].getType()), types);
}

LogicalResult WhereOp::verify() {
  if (!getCondition().getType().getElementType().isInteger(1))
    return emitOpError("condition must be a tensor of i1");
  if (getX().getType().getElementType() != getY().getType().getElementType())
    return emitOpError("x and y must have the same element type");
  return verifyBroadcastResult(*this, getOperation()->getOperands(),
                               getX().getType().getElementType());
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType())
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>> qcc::qnn::matmulShape(std::optional<Location> loc,
                                                      ArrayRef<int64_t> a,
                                                      ArrayRef<int64_t> b) {
  if (a.empty() || b.empty())
    return emitOptionalError(loc, "matmul operands must have rank >= 1");
  SmallVector<int64_t> sa(a), sb(b);
  bool vecA = sa.size() == 1, vecB = sb.size() == 1;
  if (vecA)
    sa.insert(sa.begin(), 1);
  if (vecB)
    sb.push_back(1);
  int64_t ka = sa.back(), kb = sb[sb.size() - 2];
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb)
    return emitOptionalError(loc, "matmul contraction sizes differ: ", ka,
                             " vs ", kb);
  auto batch = broadcastShapes(ArrayRef<int64_t>(sa).drop_back(2),
                               ArrayRef<int64_t>(sb).drop_back(2));
  if (failed(batch))
    return emitOptionalError(loc, "matmul batch dimensions do not broadcast");
  SmallVector<int64_t> out = *batch;
  if (!vecA)
    out.push_back(sa[sa.size() - 2]);
  if (!vecB)
    out.push_back(sb.back());
  return out;
}

LogicalResult MatMulOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr, OpaqueProperties, RegionRange,
    SmallVectorImpl<Type> &types) {
  auto a = cast<RankedTensorType>(operands[0].getType());
  auto b = cast<RankedTensorType>(operands[1].getType());
  auto shape = matmulShape(loc, a.getShape(), b.getShape());
  if (failed(shape))
    return failure();
  types.push_back(RankedTensorType::get(*shape, a.getElementType()));
  return success();
}

LogicalResult MatMulOp::verify() {
  auto shape = matmulShape(getLoc(), getLhs().getType().getShape(),
                           getRhs().getType().getShape());
  if (failed(shape))
    return failure();
  return verifyShapeEquals(*this, *shape, getType());
}

LogicalResult GemmOp::verify() {
  auto a = getA().getType(), b = getB().getType();
  if (a.getRank() != 2 || b.getRank() != 2)
    return emitOpError("A and B must be matrices");
  int64_t m = getTransA() ? a.getDimSize(1) : a.getDimSize(0);
  int64_t ka = getTransA() ? a.getDimSize(0) : a.getDimSize(1);
  int64_t kb = getTransB() ? b.getDimSize(1) : b.getDimSize(0);
  int64_t n = getTransB() ? b.getDimSize(0) : b.getDimSize(1);
  if (ka != kb)
    return emitOpError("contraction sizes differ: ") << ka << " vs " << kb;
  if (getC()) {
    auto c = cast<RankedTensorType>(getC().getType());
    auto bc = broadcastShapes(c.getShape(), {m, n});
    if (failed(bc) || (*bc)[0] != m || (*bc)[1] != n)
      return emitOpError("C of shape ")
             << shapeStr(c.getShape()) << " does not broadcast to " << m
             << "x" << n;
  }
  return verifyShapeEquals(*this, {m, n}, getType());
}

static LogicalResult checkWindowAttrs(std::optional<Location> loc,
                                      int64_t spatial, ArrayRef<int64_t> strides,
                                      ArrayRef<int64_t> pads,
                                      ArrayRef<int64_t> dilations) {
  if ((int64_t)strides.size() != spatial || (int64_t)dilations.size() != spatial ||
      (int64_t)pads.size() != 2 * spatial)
    return emitOptionalError(loc, "expected ", spatial, " strides and dilations and ",
                             2 * spatial, " pads");
  for (int64_t s : strides)
    if (s < 1)
      return emitOptionalError(loc, "strides must be positive");
  for (int64_t d : dilations)
    if (d < 1)
      return emitOptionalError(loc, "dilations must be positive");
  for (int64_t p : pads)
    if (p < 0)
      return emitOptionalError(loc, "pads must not be negative");
  return success();
}

FailureOr<SmallVector<int64_t>>
qcc::qnn::convShape(std::optional<Location> loc, RankedTensorType in, RankedTensorType w,
          ArrayRef<int64_t> strides, ArrayRef<int64_t> pads,
          ArrayRef<int64_t> dilations, int64_t group) {
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank)
    return emitOptionalError(loc, "input and weight must have the same rank >= 3");
  int64_t spatial = rank - 2;
  if (failed(checkWindowAttrs(loc, spatial, strides, pads, dilations)))
    return failure();
  if (group < 1 || w.getDimSize(0) % group != 0)
    return emitOptionalError(loc, "group ", group,
                             " must divide the number of filters ",
                             w.getDimSize(0));
  if (w.getDimSize(1) * group != in.getDimSize(1))
    return emitOptionalError(loc, "weight channels ", w.getDimSize(1), " x group ",
                             group, " differ from input channels ",
                             in.getDimSize(1));
  SmallVector<int64_t> out{in.getDimSize(0), w.getDimSize(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t extent = in.getDimSize(2 + i) + pads[i] + pads[spatial + i];
    int64_t window = dilations[i] * (w.getDimSize(2 + i) - 1) + 1;
    if (extent < window)
      return emitOptionalError(loc, "window larger than the padded input on axis ",
                               2 + i);
    out.push_back((extent - window) / strides[i] + 1);
  }
  return out;
}

LogicalResult ConvOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  ConvOp::Adaptor adaptor(operands, attrs, props, regions);
  auto in = cast<RankedTensorType>(operands[0].getType());
  auto shape = convShape(loc, in, cast<RankedTensorType>(operands[1].getType()),
                         adaptor.getStrides(), adaptor.getPads(),
                         adaptor.getDilations(), adaptor.getGroup());
  if (failed(shape))
    return failure();
  types.push_back(RankedTensorType::get(*shape, in.getElementType()));
  return success();
}

LogicalResult qcc::qnn::verifyBias(Operation *op, Value bias, int64_t filters) {
  if (!bias)
    return success();
  auto t = rankedType(bias);
  if (t.getRank() != 1 || t.getDimSize(0) != filters)
    return op->emitOpError("bias must be a vector of ") << filters << " elements";
  return success();
}

LogicalResult ConvOp::verify() {
  auto shape = convShape(getLoc(), getInput().getType(), getWeight().getType(),
                         getStrides(), getPads(), getDilations(), getGroup());
  if (failed(shape) || failed(verifyBias(*this, getBias(),
                                         getWeight().getType().getDimSize(0))))
    return failure();
  return verifyShapeEquals(*this, *shape, getType());
}

LogicalResult ConvTransposeOp::verify() {
  auto in = getInput().getType(), w = getWeight().getType();
  int64_t rank = in.getRank();
  if (rank < 3 || w.getRank() != rank)
    return emitOpError("input and weight must have the same rank >= 3");
  if (failed(checkWindowAttrs(getLoc(), rank - 2, getStrides(), getPads(),
                              getDilations())))
    return failure();
  int64_t group = getGroup();
  if (group < 1 || in.getDimSize(1) % group != 0 ||
      w.getDimSize(0) != in.getDimSize(1))
    return emitOpError("weight's first dimension must equal the input channels, "
                       "divisible by group");
  int64_t filters = w.getDimSize(1) * group;
  if (getType().getRank() != rank || getType().getDimSize(1) != filters ||
      getType().getDimSize(0) != in.getDimSize(0))
    return emitOpError("result must be N x ") << filters << " x ...";
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t full = getStrides()[i] * (in.getDimSize(2 + i) - 1) +
                   getDilations()[i] * (w.getDimSize(2 + i) - 1) + 1;
    int64_t out = getType().getDimSize(2 + i);
    int64_t outPad = out - (full - getPads()[i] - getPads()[rank - 2 + i]);
    if (outPad < 0 || outPad >= std::max(getStrides()[i], getDilations()[i]))
      return emitOpError("output size ")
             << out << " on axis " << 2 + i << " is not reachable";
  }
  return verifyBias(*this, getBias(), filters);
}

LogicalResult BatchNormOp::verify() {
  auto in = getInput().getType();
  if (in.getRank() < 2)
    return emitOpError("input must have a channel axis");
  for (Value v : {getScale(), getBias(), getMean(), getVariance()}) {
    auto t = rankedType(v);
    if (t.getRank() != 1 || t.getDimSize(0) != in.getDimSize(1))
      return emitOpError("parameters must be vectors of ")
             << in.getDimSize(1) << " elements";
  }
  if (getType() != in)
    return emitOpError("result type must equal the input type");
  return success();
}

//===----------------------------------------------------------------------===//
// Pooling, normalization, reductions
//===----------------------------------------------------------------------===//

LogicalResult PoolOp::verify() {
  auto in = getInput().getType();
  int64_t spatial = in.getRank() - 2;
  if (spatial < 1 || (int64_t)getKernel().size() != spatial)
    return emitOpError("kernel must have one entry per spatial axis");
  if (failed(checkWindowAttrs(getLoc(), spatial, getStrides(), getPads(),
                              getDilations())))
    return failure();
  auto out = getType();
  if (out.getRank() != in.getRank() || out.getDimSize(0) != in.getDimSize(0) ||
      out.getDimSize(1) != in.getDimSize(1))
    return emitOpError("result must keep the batch and channel axes");
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t window = getDilations()[i] * (getKernel()[i] - 1) + 1;
    // The last window must start inside the input or its start padding
    // (ceil_mode may add one partial window).
    int64_t lastStart = (out.getDimSize(2 + i) - 1) * getStrides()[i];
    if (getKernel()[i] < 1 || out.getDimSize(2 + i) < 1 ||
        lastStart >= in.getDimSize(2 + i) + getPads()[i] ||
        window > in.getDimSize(2 + i) + getPads()[i] + getPads()[spatial + i] +
                     getStrides()[i])
      return emitOpError("output size on axis ") << 2 + i << " is not reachable";
  }
  return success();
}

static LogicalResult verifyAxes(Operation *op, ArrayRef<int64_t> axes,
                                int64_t rank) {
  for (auto [i, a] : llvm::enumerate(axes))
    if (a < 0 || a >= rank || (i && axes[i - 1] >= a))
      return op->emitOpError("axes must be sorted, unique and within [0, ")
             << rank << ")";
  return success();
}

LogicalResult ReduceOp::verify() {
  auto in = getInput().getType();
  if (failed(verifyAxes(*this, getAxes(), in.getRank())))
    return failure();
  SmallVector<int64_t> expected;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    bool reduced = llvm::is_contained(getAxes(), i);
    if (!reduced)
      expected.push_back(in.getDimSize(i));
    else if (getKeepdims())
      expected.push_back(1);
  }
  return verifyShapeEquals(*this, expected, getType());
}

LogicalResult ArgReduceOp::verify() {
  auto in = getInput().getType();
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  if (!getType().getElementType().isInteger(64))
    return emitOpError("result must hold i64 indices");
  SmallVector<int64_t> expected;
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (i != getAxis())
      expected.push_back(in.getDimSize(i));
    else if (getKeepdims())
      expected.push_back(1);
  return verifyShapeEquals(*this, expected, getType());
}

LogicalResult SoftmaxOp::verify() {
  if (getAxis() < 0 || getAxis() >= getType().getRank())
    return emitOpError("axis ") << getAxis() << " out of range";
  if (!isa<FloatType>(getType().getElementType()))
    return emitOpError("operates on floating-point tensors");
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  auto norm = in.getShape().drop_front(getAxis());
  for (Value v : {getScale(), getBias()}) {
    if (!v)
      continue;
    auto b = broadcastShapes(rankedType(v).getShape(), norm);
    if (failed(b) || ArrayRef<int64_t>(*b) != norm)
      return emitOpError("scale and bias must broadcast to the normalized axes");
  }
  if (getType() != in)
    return emitOpError("result type must equal the input type");
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

static bool isPermutation(ArrayRef<int64_t> perm) {
  SmallVector<bool> seen(perm.size(), false);
  for (int64_t p : perm) {
    if (p < 0 || p >= (int64_t)perm.size() || seen[p])
      return false;
    seen[p] = true;
  }
  return true;
}

LogicalResult TransposeOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  TransposeOp::Adaptor adaptor(operands, attrs, props, regions);
  auto in = cast<RankedTensorType>(operands[0].getType());
  ArrayRef<int64_t> perm = adaptor.getPerm();
  if ((int64_t)perm.size() != in.getRank() || !isPermutation(perm))
    return emitOptionalError(loc, "perm must be a permutation of the axes");
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in.getDimSize(p));
  types.push_back(RankedTensorType::get(shape, in.getElementType()));
  return success();
}

LogicalResult TransposeOp::verify() {
  return verifyAgainstInferred(*this);
}

OpFoldResult TransposeOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPerm()))
    if ((int64_t)i != p)
      return {};
  return getInput();
}

LogicalResult ReshapeOp::verify() {
  auto in = getInput().getType();
  if (in.hasStaticShape() && getType().hasStaticShape() &&
      in.getNumElements() != getType().getNumElements())
    return emitOpError("cannot reshape ")
           << in.getNumElements() << " elements into "
           << getType().getNumElements();
  if (in.getElementType() != getType().getElementType())
    return emitOpError("element type must not change");
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto producer = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(producer.getInput());
    return getResult();
  }
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

LogicalResult BroadcastOp::verify() {
  auto b = broadcastShapes(getInput().getType().getShape(), getType().getShape());
  if (failed(b) || ArrayRef<int64_t>(*b) != getType().getShape())
    return emitOpError("input of shape ")
           << shapeStr(getInput().getType().getShape())
           << " does not broadcast to " << shapeStr(getType().getShape());
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (dense.isSplat())
      return SplatElementsAttr::get(getType(), dense.getSplatValue<Attribute>());
  return {};
}

LogicalResult ConcatOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, ValueRange operands,
    DictionaryAttr attrs, OpaqueProperties props, RegionRange regions,
    SmallVectorImpl<Type> &types) {
  ConcatOp::Adaptor adaptor(operands, attrs, props, regions);
  if (operands.empty())
    return emitOptionalError(loc, "concat needs at least one input");
  auto first = cast<RankedTensorType>(operands[0].getType());
  int64_t axis = adaptor.getAxis();
  if (axis < 0 || axis >= first.getRank())
    return emitOptionalError(loc, "axis ", axis, " out of range");
  SmallVector<int64_t> shape(first.getShape());
  shape[axis] = 0;
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() != first.getRank() ||
        t.getElementType() != first.getElementType())
      return emitOptionalError(loc, "inputs must have the same rank and element type");
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis && t.getDimSize(i) != first.getDimSize(i))
        return emitOptionalError(loc, "inputs differ on axis ", i);
    shape[axis] += t.getDimSize(axis);
  }
  types.push_back(RankedTensorType::get(shape, first.getElementType()));
  return success();
}

LogicalResult ConcatOp::verify() {
  return verifyAgainstInferred(*this);
}

LogicalResult SliceOp::verify() {
  auto in = getInput().getType();
  auto out = getType();
  if ((int64_t)getStarts().size() != in.getRank() ||
      (int64_t)getSteps().size() != in.getRank() || out.getRank() != in.getRank())
    return emitOpError("expected one start and one step per axis");
  for (int64_t i = 0; i < in.getRank(); ++i) {
    int64_t start = getStarts()[i], step = getSteps()[i], n = out.getDimSize(i);
    if (step == 0)
      return emitOpError("step on axis ") << i << " is zero";
    if (n == 0)
      continue;
    int64_t last = start + (n - 1) * step;
    if (start < 0 || start >= in.getDimSize(i) || last < 0 ||
        last >= in.getDimSize(i))
      return emitOpError("slice on axis ")
             << i << " reads outside the input (start " << start << ", last "
             << last << ", size " << in.getDimSize(i) << ")";
  }
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (getInput().getType() != getType())
    return {};
  for (auto [start, step] : llvm::zip(getStarts(), getSteps()))
    if (start != 0 || step != 1)
      return {};
  return getInput();
}

LogicalResult GatherOp::verify() {
  auto in = getInput().getType();
  auto idx = getIndices().getType();
  if (!idx.getElementType().isSignlessInteger() ||
      idx.getElementType().isInteger(1))
    return emitOpError("indices must be integers");
  if (getAxis() < 0 || getAxis() >= in.getRank())
    return emitOpError("axis out of range");
  SmallVector<int64_t> expected(in.getShape().take_front(getAxis()));
  llvm::append_range(expected, idx.getShape());
  llvm::append_range(expected, in.getShape().drop_front(getAxis() + 1));
  return verifyShapeEquals(*this, expected, getType());
}

LogicalResult UpdateSliceOp::verify() {
  auto in = getInput().getType();
  auto upd = getUpdate().getType();
  auto off = getOffsets().getType();
  if (getType() != in)
    return emitOpError("result type ") << getType() << " differs from the input's " << in;
  if (upd.getElementType() != in.getElementType())
    return emitOpError("update element type ")
           << upd.getElementType() << " differs from the input's " << in.getElementType();
  if (upd.getRank() != in.getRank())
    return emitOpError("update has rank ")
           << upd.getRank() << ", the input " << in.getRank();
  for (int64_t i = 0; i < in.getRank(); ++i)
    if (upd.getDimSize(i) > in.getDimSize(i))
      return emitOpError("update is larger than the input on axis ") << i;
  if (off.getRank() != 1 || off.getDimSize(0) != in.getRank() ||
      !off.getElementType().isSignlessInteger() || off.getElementType().isInteger(1))
    return emitOpError("offsets must be a 1-D integer tensor of ")
           << in.getRank() << " elements (one per axis)";
  return success();
}

LogicalResult PadOp::verify() {
  auto in = getInput().getType();
  int64_t rank = in.getRank();
  if ((int64_t)getPads().size() != 2 * rank)
    return emitOpError("expected ") << 2 * rank << " pad amounts";
  SmallVector<int64_t> expected;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t begin = getPads()[i], end = getPads()[rank + i];
    int64_t d = in.getDimSize(i);
    if (getMode() == PadMode::reflect && (begin >= d || end >= d))
      return emitOpError("reflect padding on axis ")
             << i << " must be smaller than its size " << d;
    if (getMode() != PadMode::constant && d == 0 && (begin > 0 || end > 0))
      return emitOpError("cannot pad an empty axis in this mode");
    expected.push_back(d + begin + end);
    if (expected.back() < 0)
      return emitOpError("padding crops more than axis ") << i << " holds";
  }
  return verifyShapeEquals(*this, expected, getType());
}

LogicalResult ResizeOp::verify() {
  auto in = getInput().getType();
  if ((int64_t)getScales().size() != in.getRank())
    return emitOpError("expected one scale per axis");
  StringRef mode = getMode();
  if (mode != "nearest" && mode != "linear" && mode != "cubic")
    return emitOpError("unknown mode '") << mode << "'";
  StringRef ctm = getCoordinateTransformationMode();
  if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                           "align_corners", "asymmetric", "tf_half_pixel_for_nn",
                           "tf_crop_and_resize"},
                          ctm))
    return emitOpError("unknown coordinate transformation mode '") << ctm << "'";
  StringRef nm = getNearestMode();
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
                          nm))
    return emitOpError("unknown nearest mode '") << nm << "'";
  if (ctm == "tf_crop_and_resize" &&
      (!getRoi() || (int64_t)getRoi()->size() != 2 * in.getRank()))
    return emitOpError("tf_crop_and_resize needs a roi of ")
           << 2 * in.getRank() << " values";
  if (getType().getRank() != in.getRank())
    return emitOpError("result rank must equal the input rank");
  for (double s : getScales())
    if (!(s > 0))
      return emitOpError("scales must be positive");
  return success();
}

#define GET_OP_CLASSES
#include "qcc/Dialect/Qnn/IR/QnnOps.cpp.inc"
