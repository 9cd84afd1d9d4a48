//===- OpsQuant.cpp - ONNX quantized operators (QDQ and QOperator) --------===//
//
// QuantizeLinear / DequantizeLinear become `qnn.quantize` / `qnn.dequantize`
// on MLIR quant types built from their (compile-time constant) scales and
// zero points. ONNX carries quantized values as plain integer tensors, so a
// quantized value enters and leaves the quant level through `quant.scast`
// (integer storage <-> quant type). QLinearMatMul and QLinearConv are
// imported in their QDQ form (dequantize, float op, quantize), which
// qcc-integerize turns into integer ops; MatMulInteger and ConvInteger map
// onto the integer-level ops directly. DynamicQuantizeLinear computes its
// parameters at run time, so it is plain float arithmetic ending in uint8.
//
//===----------------------------------------------------------------------===//

#include "ImportContext.h"

#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstdio>

using namespace mlir;
using namespace qcc::qnn;

namespace qcc::onnx_import {
namespace {

std::string str(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::string str(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Checks that the first `count` inputs are present (`names` for the
/// message, e.g. "x and y_scale").
LogicalResult requireInputs(NodeContext &n, size_t count, StringRef names) {
  for (size_t i = 0; i < count; ++i)
    if (!n.hasInput(i))
      return n.error("expects inputs " + names);
  return success();
}

/// Integer storage of quantized values, as ONNX types them (int8, uint4...).
struct Storage {
  unsigned bits = 8;
  bool isSigned = false;

  int64_t min() const {
    return quant::QuantizedType::getDefaultMinimumForInteger(isSigned, bits);
  }
  int64_t max() const {
    return quant::QuantizedType::getDefaultMaximumForInteger(isSigned, bits);
  }
  std::string name() const {
    return (isSigned ? "int" : "uint") + std::to_string(bits);
  }
  /// The signless type quant.scast and the quant types store values in.
  IntegerType signless(MLIRContext *ctx) const {
    return IntegerType::get(ctx, bits);
  }
  /// The type of the tensor ONNX sees (qcc spells unsigned storage uiN).
  IntegerType onnxType(MLIRContext *ctx) const {
    return IntegerType::get(ctx, bits,
                            isSigned ? IntegerType::Signless
                                     : IntegerType::Unsigned);
  }
};

/// The storage an integer element type stands for, or an error naming
/// `what` when it is not a 2- to 16-bit integer.
FailureOr<Storage> storageOf(NodeContext &n, Type et, StringRef what) {
  auto it = dyn_cast<IntegerType>(et);
  if (!it || it.getWidth() < kMinQuantBits || it.getWidth() > kMaxQuantBits) {
    (void)n.error(what + " has element type " + str(et) +
                  "; qcc quantizes to integers of " +
                  std::to_string(kMinQuantBits) + " to " +
                  std::to_string(kMaxQuantBits) + " bits (float8/float4 "
                  "quantization is not supported)");
    return failure();
  }
  return Storage{it.getWidth(), !it.isUnsigned()};
}

/// Values of an integer constant, zero-extended for unsigned types.
SmallVector<int64_t> intValues(DenseElementsAttr attr) {
  bool zext = attr.getElementType().isUnsignedInteger() ||
              attr.getElementType().isInteger(1);
  SmallVector<int64_t> out;
  for (const APInt &v : attr.getValues<APInt>())
    out.push_back(zext ? (int64_t)v.getZExtValue() : v.getSExtValue());
  return out;
}

SmallVector<double> floatValues(DenseElementsAttr attr) {
  SmallVector<double> out;
  if (isa<FloatType>(attr.getElementType())) {
    for (const APFloat &v : attr.getValues<APFloat>())
      out.push_back(v.convertToDouble());
  } else {
    for (int64_t v : intValues(attr))
      out.push_back((double)v);
  }
  return out;
}

/// Scale and zero point of one tensor as the node gives them.
struct RawParams {
  SmallVector<int64_t> shape; // the scale's shape
  SmallVector<double> scales; // rounded to f32, as the numerics contract says
  SmallVector<int64_t> zeroPoints;
  Type zeroPointType; // null when the zero point is absent
};

/// Reads the scale (input `si`) and the optional zero point (input `zi`).
/// Both must be compile-time constants: each runtime one gets its own
/// "NAME must be a compile-time constant" error (the conformance runner
/// then fixes them all in one retry with --input-value).
FailureOr<RawParams> readParams(NodeContext &n, size_t si, size_t zi,
                                StringRef scaleName, StringRef zpName) {
  if (!n.hasInput(si)) {
    (void)n.error("expects a " + scaleName + " input");
    return failure();
  }
  auto scale = n.constInput(si);
  std::optional<DenseElementsAttr> zp;
  bool hasZp = n.hasInput(zi);
  if (hasZp)
    zp = n.constInput(zi);
  if (!scale)
    (void)n.error(scaleName + " must be a compile-time constant");
  if (hasZp && !zp)
    (void)n.error(zpName + " must be a compile-time constant");
  if (!scale || (hasZp && !zp))
    return failure();

  RawParams p;
  if (!isa<FloatType>(scale->getElementType())) {
    (void)n.error(scaleName + " must be a float tensor, got " +
                  str(scale->getType()));
    return failure();
  }
  auto shape = scale->getType().getShape();
  p.shape.assign(shape.begin(), shape.end());
  if (scale->getNumElements() == 0) {
    (void)n.error(scaleName + " is empty");
    return failure();
  }
  for (double s : floatValues(*scale)) {
    float f = (float)s;
    if (!(f > 0.0f) || !std::isfinite(f)) {
      (void)n.error(scaleName + " must be positive and finite (in single "
                                "precision), got " + str(s));
      return failure();
    }
    p.scales.push_back((double)f);
  }
  if (zp) {
    p.zeroPointType = zp->getElementType();
    if (!isa<IntegerType>(p.zeroPointType)) {
      (void)n.error(zpName + " has element type " + str(p.zeroPointType) +
                    "; qcc quantizes to integers (float8/float4 "
                    "quantization is not supported)");
      return failure();
    }
    // One scale and one zero point may differ in rank (scalar vs [1]);
    // otherwise ONNX requires equal shapes.
    auto zshape = zp->getType().getShape();
    if (zp->getNumElements() != (int64_t)p.scales.size() ||
        (p.scales.size() != 1 && zshape != shape)) {
      (void)n.error(zpName + " has shape " + str(zshape) + ", but " +
                    scaleName + " has shape " + str(shape) +
                    " (they must match)");
      return failure();
    }
    p.zeroPoints = intValues(*zp);
  } else {
    p.zeroPoints.assign(p.scales.size(), 0);
  }
  return p;
}

/// Checks the zero points against the storage range.
LogicalResult checkZeroPoints(NodeContext &n, const RawParams &p,
                              const Storage &s, StringRef zpName) {
  for (int64_t zp : p.zeroPoints)
    if (zp < s.min() || zp > s.max())
      return n.error(zpName + " " + std::to_string(zp) +
                     " is outside the range [" + std::to_string(s.min()) +
                     ", " + std::to_string(s.max()) + "] of " + s.name());
  return success();
}

/// Builds the quant element type of a tensor of `shape` whose parameters
/// form a grid of shape `grid` (rank of `shape`; every grid[d] divides
/// shape[d]), scales and zero points row-major over the grid: per tensor
/// when the grid is one cell, per axis when one axis has one parameter per
/// index, sub-channel (blocks) otherwise.
FailureOr<quant::QuantizedType> makeQuantType(NodeContext &n, const Storage &s,
                                              ArrayRef<int64_t> shape,
                                              ArrayRef<int64_t> grid,
                                              const RawParams &p) {
  MLIRContext *ctx = n.b.getContext();
  unsigned flags = s.isSigned ? quant::QuantizationFlags::Signed : 0;
  Type storage = s.signless(ctx), expressed = Float32Type::get(ctx);
  auto emit = [&] { return n.diagnostic(); };
  SmallVector<int32_t> axes;
  SmallVector<int64_t> blocks;
  for (size_t d = 0; d < grid.size(); ++d)
    if (grid[d] != 1) {
      axes.push_back(d);
      blocks.push_back(shape[d] / grid[d]);
    }
  quant::QuantizedType type;
  if (axes.empty()) {
    type = quant::UniformQuantizedType::getChecked(
        emit, flags, storage, expressed, p.scales[0], p.zeroPoints[0], s.min(),
        s.max());
  } else if (axes.size() == 1 && blocks[0] == 1) {
    type = quant::UniformQuantizedPerAxisType::getChecked(
        emit, flags, storage, expressed, p.scales, p.zeroPoints, axes[0],
        s.min(), s.max());
  } else {
    SmallVector<float> values(p.scales.begin(), p.scales.end());
    auto scales = DenseElementsAttr::get(RankedTensorType::get(grid, expressed),
                                         ArrayRef<float>(values));
    // Zero points in the storage type, as MLIR's parser stores them (an
    // unsigned zero point keeps its bit pattern).
    SmallVector<APInt> zps;
    for (int64_t zp : p.zeroPoints)
      zps.push_back(APInt(s.bits, zp, /*isSigned=*/s.isSigned));
    auto zeroPoints =
        DenseElementsAttr::get(RankedTensorType::get(grid, storage), zps);
    type = quant::UniformQuantizedSubChannelType::getChecked(
        emit, flags, storage, expressed, scales, zeroPoints, axes, blocks,
        s.min(), s.max());
  }
  if (!type)
    return failure();
  // What the type alone cannot check (axes and blocks against the shape).
  if (failed(getQuantParams(type, shape, emit)))
    return failure();
  return type;
}

/// The parameter grid of QuantizeLinear/DequantizeLinear: per tensor (one
/// scale), per axis (a 1-D scale along `axis`) or blocked (`block_size`,
/// the scale has the input's rank).
FailureOr<SmallVector<int64_t>> qdqGrid(NodeContext &n, ArrayRef<int64_t> shape,
                                        const RawParams &p,
                                        StringRef scaleName) {
  int64_t rank = shape.size();
  SmallVector<int64_t> grid(rank, 1);
  int64_t blockSize = n.attrInt("block_size", 0);
  if (blockSize < 0) {
    (void)n.error("block_size must be positive, got " +
                  std::to_string(blockSize));
    return failure();
  }
  if (p.scales.size() == 1 && blockSize == 0)
    return grid;
  auto axis = n.normalizeAxis(n.attrInt("axis", 1), rank);
  if (failed(axis))
    return failure();
  if (blockSize == 0) {
    if (p.shape.size() != 1) {
      (void)n.error(scaleName + " of shape " + str(p.shape) +
                    " needs block_size (blocked quantization); per-axis "
                    "parameters are 1-D");
      return failure();
    }
    if (p.shape[0] != shape[*axis]) {
      (void)n.error(scaleName + " has " + std::to_string(p.shape[0]) +
                    " elements, but axis " + std::to_string(*axis) +
                    " of the input has " + std::to_string(shape[*axis]));
      return failure();
    }
    grid[*axis] = shape[*axis];
    return grid;
  }
  if ((int64_t)p.shape.size() != rank) {
    (void)n.error("blocked quantization needs " + scaleName +
                  " of the input's rank " + std::to_string(rank) +
                  ", got shape " + str(p.shape));
    return failure();
  }
  if (shape[*axis] % blockSize != 0) {
    (void)n.error("block_size " + std::to_string(blockSize) +
                  " does not divide axis " + std::to_string(*axis) +
                  " of size " + std::to_string(shape[*axis]) +
                  " (qcc supports whole blocks only)");
    return failure();
  }
  SmallVector<int64_t> expected(shape);
  expected[*axis] = shape[*axis] / blockSize;
  if (ArrayRef<int64_t>(p.shape) != ArrayRef<int64_t>(expected)) {
    (void)n.error(scaleName + " has shape " + str(p.shape) + ", but input " +
                  str(shape) + " with block_size " + std::to_string(blockSize) +
                  " on axis " + std::to_string(*axis) + " needs " +
                  str(expected));
    return failure();
  }
  return expected;
}

/// The parameter grid of a matmul operand (QLinearMatMul): one scale, a
/// vector per row (`perRow`, the lhs) or per column (rhs and result), or a
/// tensor of the operand's rank whose axes are 1 or the operand's.
FailureOr<SmallVector<int64_t>> matmulGrid(NodeContext &n,
                                           ArrayRef<int64_t> shape,
                                           const RawParams &p, bool perRow,
                                           StringRef scaleName) {
  int64_t rank = shape.size();
  SmallVector<int64_t> grid(rank, 1);
  if (p.scales.size() == 1)
    return grid;
  int64_t axis = perRow ? rank - 2 : rank - 1;
  if (p.shape.size() == 1 && axis >= 0 && p.shape[0] == shape[axis]) {
    grid[axis] = shape[axis];
    return grid;
  }
  bool ok = (int64_t)p.shape.size() == rank;
  for (int64_t d = 0; ok && d < rank; ++d)
    ok = p.shape[d] == 1 || p.shape[d] == shape[d];
  if (!ok) {
    (void)n.error(scaleName + " of shape " + str(p.shape) +
                  " does not fit an operand of shape " + str(shape) + " (one "
                  "value, one per " + (perRow ? "row" : "column") +
                  ", or a tensor that broadcasts to it)");
    return failure();
  }
  return SmallVector<int64_t>(p.shape);
}

/// `v` (an integer tensor as ONNX types it) in signless storage, which
/// quant.scast requires. Unsigned tensors are reinterpreted bit for bit
/// with tensor.bitcast (uiN -> iN: the quant type's storage is signless,
/// its signedness is the type's flag); constants are retyped directly.
Value toSignless(NodeContext &n, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto it = cast<IntegerType>(t.getElementType());
  if (it.isSignless())
    return v;
  Type target = IntegerType::get(n.b.getContext(), it.getWidth());
  DenseElementsAttr c;
  if (matchPattern(v, m_Constant(&c)))
    return n.constant(c.bitcast(target));
  return n.b.create<tensor::BitcastOp>(n.loc, t.clone(target), v);
}

/// The inverse of toSignless: signless storage as the ONNX type `et`.
Value fromSignless(NodeContext &n, Value v, Type et) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == et)
    return v;
  return n.b.create<tensor::BitcastOp>(n.loc, t.clone(et), v);
}

/// Integer tensor -> quant type (scast) -> float (dequantize, f32, then a
/// cast to `floatType` if it differs).
Value dequantize(NodeContext &n, Value x, quant::QuantizedType qt,
                 Type floatType) {
  auto t = cast<RankedTensorType>(x.getType());
  Value storage = toSignless(n, x);
  Value q = n.b.create<quant::StorageCastOp>(n.loc, t.clone(qt), storage);
  Value f = n.create<DequantizeOp>(t.clone(n.b.getF32Type()), q);
  if (floatType != n.b.getF32Type())
    f = n.create<CastOp>(t.clone(floatType), f);
  return f;
}

/// Float tensor -> quant type (quantize from f32) -> integer tensor of the
/// ONNX output type (scast to storage, then uiN if unsigned).
Value quantize(NodeContext &n, Value x, quant::QuantizedType qt,
               const Storage &s) {
  auto t = cast<RankedTensorType>(x.getType());
  if (t.getElementType() != n.b.getF32Type())
    x = n.create<CastOp>(t.clone(n.b.getF32Type()), x);
  Value q = n.create<QuantizeOp>(t.clone(qt), x);
  Value storage = n.b.create<quant::StorageCastOp>(
      n.loc, t.clone(s.signless(n.b.getContext())), q);
  return fromSignless(n, storage, s.onnxType(n.b.getContext()));
}

/// The quant type of operand `xi` of integer type with scale `si` and zero
/// point `zi`; `gridOf` maps the raw parameters to a parameter grid.
template <typename GridFn>
FailureOr<quant::QuantizedType>
operandType(NodeContext &n, size_t xi, size_t si, size_t zi, StringRef xName,
            StringRef scaleName, StringRef zpName, GridFn gridOf) {
  auto xt = n.inputType(xi);
  auto storage = storageOf(n, xt.getElementType(), xName);
  auto p = readParams(n, si, zi, scaleName, zpName);
  if (failed(storage) || failed(p))
    return failure();
  if (p->zeroPointType && p->zeroPointType != xt.getElementType()) {
    (void)n.error(zpName + " has element type " + str(p->zeroPointType) +
                  ", but " + xName + " has " + str(xt.getElementType()));
    return failure();
  }
  if (failed(checkZeroPoints(n, *p, *storage, zpName)))
    return failure();
  auto grid = gridOf(xt.getShape(), *p);
  if (failed(grid))
    return failure();
  return makeQuantType(n, *storage, xt.getShape(), *grid, *p);
}

//===----------------------------------------------------------------------===//
// QuantizeLinear / DequantizeLinear
//===----------------------------------------------------------------------===//

LogicalResult importQuantizeLinear(NodeContext &n) {
  if (failed(requireInputs(n, 2, "x and y_scale")))
    return failure();
  auto xt = n.inputType(0);
  Type xet = xt.getElementType();
  if (!isa<FloatType>(xet) && !xet.isSignlessInteger(32))
    return n.error("x must be a float (or int32) tensor, got " + str(xt));
  auto p = readParams(n, 1, 2, "y_scale", "y_zero_point");
  if (failed(p))
    return failure();
  // Opset 23's `precision` names the type x / y_scale is computed in
  // (default: y_scale's). qcc divides in float32, as at earlier opsets;
  // a different explicit precision is refused rather than approximated.
  if (int64_t precision = n.attrInt("precision", 0);
      precision != 0 && precision != onnx::TensorProto::FLOAT) {
    Type pt = elementTypeOf(n.b.getContext(), precision);
    if (!pt || pt != n.inputType(1).getElementType())
      return n.error("precision " + dataTypeName(precision) +
                     " is not supported (qcc quantizes in float32: leave "
                     "precision unset or FLOAT)");
  }
  // The output type: the zero point's, else output_dtype, else uint8.
  Type outType = p->zeroPointType;
  if (n.attrInt("output_dtype", 0) != 0) {
    int64_t dt = n.attrInt("output_dtype", 0);
    Type t = elementTypeOf(n.b.getContext(), dt);
    if (!t)
      return n.error("output_dtype " + dataTypeName(dt) +
                     " is not supported (qcc quantizes to integers of " +
                     std::to_string(kMinQuantBits) + " to " +
                     std::to_string(kMaxQuantBits) + " bits)");
    if (outType && outType != t)
      return n.error("output_dtype " + dataTypeName(dt) +
                     " disagrees with y_zero_point's type " + str(outType));
    outType = t;
  }
  if (!outType)
    outType = IntegerType::get(n.b.getContext(), 8, IntegerType::Unsigned);
  auto storage = storageOf(n, outType, "the output y");
  if (failed(storage) ||
      failed(checkZeroPoints(n, *p, *storage, "y_zero_point")))
    return failure();
  auto grid = qdqGrid(n, xt.getShape(), *p, "y_scale");
  if (failed(grid))
    return failure();
  auto qt = makeQuantType(n, *storage, xt.getShape(), *grid, *p);
  if (failed(qt))
    return failure();
  n.setOutput(0, quantize(n, n.input(0), *qt, *storage));
  return success();
}

/// DequantizeLinear of int32 (biases): no quant type has 32-bit storage in
/// qcc's integer path, so y = (f32(x) - zp) * scale in float ops (which
/// fold when x is a constant, as biases are).
LogicalResult importDequantizeInt32(NodeContext &n, Type floatType) {
  auto xt = n.inputType(0);
  auto p = readParams(n, 1, 2, "x_scale", "x_zero_point");
  if (failed(p))
    return failure();
  auto grid = qdqGrid(n, xt.getShape(), *p, "x_scale");
  if (failed(grid))
    return failure();
  for (size_t d = 0; d < grid->size(); ++d)
    if ((*grid)[d] != 1 && (*grid)[d] != xt.getDimSize(d))
      return n.error("blocked dequantization of int32 is not supported");
  Type f32 = n.b.getF32Type();
  auto gridType = RankedTensorType::get(*grid, f32);
  auto constant = [&](ArrayRef<double> v) {
    SmallVector<float> f(v.begin(), v.end());
    return n.constant(DenseElementsAttr::get(gridType, ArrayRef<float>(f)));
  };
  Value y = n.create<CastOp>(xt.clone(f32), n.input(0));
  if (llvm::any_of(p->zeroPoints, [](int64_t z) { return z != 0; })) {
    SmallVector<double> zps(p->zeroPoints.begin(), p->zeroPoints.end());
    Value zp = constant(zps);
    y = n.create<SubOp>(xt.clone(f32), y, zp);
  }
  Value scale = constant(p->scales);
  y = n.create<MulOp>(xt.clone(f32), y, scale);
  if (floatType != f32)
    y = n.create<CastOp>(xt.clone(floatType), y);
  n.setOutput(0, y);
  return success();
}

LogicalResult importDequantizeLinear(NodeContext &n) {
  if (failed(requireInputs(n, 2, "x and x_scale")))
    return failure();
  auto xt = n.inputType(0);
  // The output has the scale's type (or output_dtype, opset 23).
  Type floatType = n.inputType(1).getElementType();
  if (n.attrInt("output_dtype", 0) != 0)
    floatType = elementTypeOf(n.b.getContext(), n.attrInt("output_dtype", 0));
  if (!floatType || !isa<FloatType>(floatType))
    return n.error("the output type must be a float type");
  if (xt.getElementType().isSignlessInteger(32))
    return importDequantizeInt32(n, floatType);
  auto qt = operandType(n, 0, 1, 2, "x", "x_scale", "x_zero_point",
                        [&](ArrayRef<int64_t> shape, const RawParams &p) {
                          return qdqGrid(n, shape, p, "x_scale");
                        });
  if (failed(qt))
    return failure();
  n.setOutput(0, dequantize(n, n.input(0), *qt, floatType));
  return success();
}

//===----------------------------------------------------------------------===//
// DynamicQuantizeLinear
//===----------------------------------------------------------------------===//

/// The ONNX formula, in float qnn ops (the parameters exist only at run
/// time):
///   scale = (max(0, max(x)) - min(0, min(x))) / 255
///   zp    = round_half_even(clip(0 - min(0, min(x)) / scale, 0, 255))
///   y     = clip(round_half_even(x / scale) + zp, 0, 255) as uint8
/// A zero range (x all zero) would divide by zero; like ONNX's reference
/// implementation (which produced the test data) it gives scale = 1 / 255.
LogicalResult importDynamicQuantizeLinear(NodeContext &n) {
  if (failed(requireInputs(n, 1, "x")))
    return failure();
  auto xt = n.inputType(0);
  if (!xt.getElementType().isF32())
    return n.error("x must be a float32 tensor, got " + str(xt));
  Type f32 = n.b.getF32Type();
  auto u8 = IntegerType::get(n.b.getContext(), 8, IntegerType::Unsigned);
  auto scalar = RankedTensorType::get({}, f32);
  auto cst = [&](float v) {
    return n.constant(DenseElementsAttr::get(scalar, v));
  };
  SmallVector<int64_t> axes;
  for (int64_t d = 0; d < xt.getRank(); ++d)
    axes.push_back(d);
  Value zero = cst(0.0f), qmax = cst(255.0f);
  Value x = n.input(0);
  Value lo = n.create<ReduceOp>(scalar, ReduceKind::min, x, axes, false);
  Value hi = n.create<ReduceOp>(scalar, ReduceKind::max, x, axes, false);
  lo = n.create<MinOp>(scalar, lo, zero);
  hi = n.create<MaxOp>(scalar, hi, zero);
  Value range = n.create<SubOp>(scalar, hi, lo);
  Value empty = n.create<CompareOp>(scalar.clone(n.b.getI1Type()),
                                    CompareKind::eq, range, zero);
  range = n.create<WhereOp>(scalar, empty, cst(1.0f), range);
  Value scale = n.create<DivOp>(scalar, range, qmax);
  Value zp = n.create<SubOp>(scalar, zero, n.create<DivOp>(scalar, lo, scale));
  zp = n.create<ClipOp>(scalar, zp, n.b.getF64FloatAttr(0.0),
                        n.b.getF64FloatAttr(255.0));
  zp = n.create<RoundOp>(scalar, zp);
  Value y = n.create<DivOp>(xt, x, scale);
  y = n.create<RoundOp>(xt, y);
  y = n.create<AddOp>(xt, y, zp);
  y = n.create<ClipOp>(xt, y, n.b.getF64FloatAttr(0.0),
                       n.b.getF64FloatAttr(255.0));
  n.setOutput(0, n.create<CastOp>(xt.clone(u8), y));
  n.setOutput(1, scale);
  n.setOutput(2, n.create<CastOp>(scalar.clone(u8), zp));
  return success();
}

//===----------------------------------------------------------------------===//
// MatMulInteger / ConvInteger
//===----------------------------------------------------------------------===//

/// The constant zero point of integer input `xi` (input `zi`, optional:
/// 0), checked against the operand's type and range.
FailureOr<SmallVector<int64_t>> integerZeroPoints(NodeContext &n, size_t xi,
                                                  size_t zi, StringRef xName,
                                                  StringRef zpName,
                                                  SmallVector<int64_t> *shape) {
  auto xt = n.inputType(xi);
  auto storage = storageOf(n, xt.getElementType(), xName);
  if (failed(storage))
    return failure();
  if (!n.hasInput(zi)) {
    if (shape)
      shape->clear();
    return SmallVector<int64_t>{0};
  }
  auto zp = n.constInput(zi);
  if (!zp) {
    (void)n.error(zpName + " must be a compile-time constant");
    return failure();
  }
  if (zp->getElementType() != xt.getElementType()) {
    (void)n.error(zpName + " has element type " + str(zp->getElementType()) +
                  ", but " + xName + " has " + str(xt.getElementType()));
    return failure();
  }
  RawParams p;
  p.zeroPoints = intValues(*zp);
  if (failed(checkZeroPoints(n, p, *storage, zpName)))
    return failure();
  if (shape)
    shape->assign(zp->getType().getShape().begin(),
                  zp->getType().getShape().end());
  return p.zeroPoints;
}

LogicalResult importMatMulInteger(NodeContext &n) {
  if (failed(requireInputs(n, 2, "A and B")))
    return failure();
  auto at = n.inputType(0), bt = n.inputType(1);
  SmallVector<int64_t> aShape, bShape;
  auto aZp = integerZeroPoints(n, 0, 2, "A", "a_zero_point", &aShape);
  auto bZp = integerZeroPoints(n, 1, 3, "B", "b_zero_point", &bShape);
  if (failed(aZp) || failed(bZp))
    return failure();
  // qnn.matmul_integer has one zero point for A: a per-row vector is
  // accepted when its entries agree.
  if (llvm::any_of(*aZp, [&](int64_t z) { return z != (*aZp)[0]; }))
    return n.error("a per-row a_zero_point is not supported (qcc takes one "
                   "zero point for A)");
  // B: one zero point, or one per column (the last axis of B).
  int64_t cols = bt.getRank() == 1 ? 1 : bt.getDimSize(bt.getRank() - 1);
  SmallVector<int64_t> bZps = *bZp;
  if (bZps.size() > 1) {
    bool perColumn = !bShape.empty() && bShape.back() == cols &&
                     (int64_t)bZps.size() == cols;
    if (!perColumn)
      return n.error("b_zero_point of shape " + str(bShape) +
                     " is not supported (one value, or one per column of B)");
  }
  auto shape = matmulShape(std::nullopt, at.getShape(), bt.getShape());
  if (failed(shape))
    return n.error("cannot multiply " + str(at) + " by " + str(bt));
  auto resultType = RankedTensorType::get(*shape, n.b.getI32Type());
  n.setOutput(0, n.create<MatMulIntegerOp>(resultType, n.input(0), n.input(1),
                                           Value(), (*aZp)[0], bZps));
  return success();
}

/// Checks an NC... input and FC/group... weights; returns the window.
FailureOr<Window> convWindow(NodeContext &n, RankedTensorType it,
                             RankedTensorType wt, int64_t group) {
  if (it.getRank() < 3 || wt.getRank() != it.getRank()) {
    (void)n.error("input and weight must have the same rank (>= 3)");
    return failure();
  }
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  std::vector<int64_t> ks = n.attrInts("kernel_shape");
  if (!ks.empty() && SmallVector<int64_t>(ks.begin(), ks.end()) != kernel) {
    (void)n.error("kernel_shape disagrees with the weight's shape");
    return failure();
  }
  if (group < 1 || it.getDimSize(1) != wt.getDimSize(1) * group ||
      wt.getDimSize(0) % group) {
    (void)n.error("channels do not match: input " +
                  std::to_string(it.getDimSize(1)) + ", weight " +
                  std::to_string(wt.getDimSize(1)) + " x group " +
                  std::to_string(group));
    return failure();
  }
  return resolveWindow(n, it.getShape().drop_front(2), kernel, false);
}

LogicalResult importConvInteger(NodeContext &n) {
  if (failed(requireInputs(n, 2, "x and w")))
    return failure();
  auto it = n.inputType(0), wt = n.inputType(1);
  int64_t group = n.attrInt("group", 1);
  auto w = convWindow(n, it, wt, group);
  if (failed(w))
    return failure();
  SmallVector<int64_t> xShape, wShape;
  auto xZp = integerZeroPoints(n, 0, 2, "x", "x_zero_point", &xShape);
  auto wZp = integerZeroPoints(n, 1, 3, "w", "w_zero_point", &wShape);
  if (failed(xZp) || failed(wZp))
    return failure();
  if (xZp->size() != 1)
    return n.error("x_zero_point must be a scalar (per tensor)");
  int64_t filters = wt.getDimSize(0);
  if (wZp->size() != 1 && (int64_t)wZp->size() != filters)
    return n.error("w_zero_point has " + std::to_string(wZp->size()) +
                   " elements; expected 1 or one per output channel (" +
                   std::to_string(filters) + ")");
  SmallVector<int64_t> shape{it.getDimSize(0), filters};
  shape.append(w->out);
  auto resultType = RankedTensorType::get(shape, n.b.getI32Type());
  n.setOutput(0, n.create<ConvIntegerOp>(
                     resultType, n.input(0), n.input(1), Value(), (*xZp)[0],
                     *wZp, w->strides, w->pads, w->dilations, group));
  return success();
}

//===----------------------------------------------------------------------===//
// QLinearMatMul / QLinearConv (QDQ form)
//===----------------------------------------------------------------------===//

/// The quant type and storage of a QOperator output from y_scale (input
/// `si`) and y_zero_point (input `zi`, which fixes the output type).
FailureOr<std::pair<quant::QuantizedType, Storage>>
outputType(NodeContext &n, ArrayRef<int64_t> shape, size_t si, size_t zi,
           function_ref<FailureOr<SmallVector<int64_t>>(const RawParams &)>
               gridOf) {
  auto p = readParams(n, si, zi, "y_scale", "y_zero_point");
  if (failed(p))
    return failure();
  if (!p->zeroPointType) {
    (void)n.error("expects a y_zero_point input");
    return failure();
  }
  auto storage = storageOf(n, p->zeroPointType, "y_zero_point");
  if (failed(storage) ||
      failed(checkZeroPoints(n, *p, *storage, "y_zero_point")))
    return failure();
  auto grid = gridOf(*p);
  if (failed(grid))
    return failure();
  auto qt = makeQuantType(n, *storage, shape, *grid, *p);
  if (failed(qt))
    return failure();
  return std::make_pair(*qt, *storage);
}

LogicalResult importQLinearMatMul(NodeContext &n) {
  if (failed(requireInputs(n, 8, "a, a_scale, a_zero_point, b, b_scale, "
                                "b_zero_point, y_scale and y_zero_point")))
    return failure();
  auto at = n.inputType(0), bt = n.inputType(3);
  if (at.getRank() < 1 || bt.getRank() < 1)
    return n.error("a and b must have rank 1 or more");
  auto aq = operandType(n, 0, 1, 2, "a", "a_scale", "a_zero_point",
                        [&](ArrayRef<int64_t> shape, const RawParams &p) {
                          return matmulGrid(n, shape, p, true, "a_scale");
                        });
  auto bq = operandType(n, 3, 4, 5, "b", "b_scale", "b_zero_point",
                        [&](ArrayRef<int64_t> shape, const RawParams &p) {
                          return matmulGrid(n, shape, p, false, "b_scale");
                        });
  if (failed(aq) || failed(bq))
    return failure();
  auto shape = matmulShape(std::nullopt, at.getShape(), bt.getShape());
  if (failed(shape))
    return n.error("cannot multiply " + str(at) + " by " + str(bt));
  auto out = outputType(n, *shape, 6, 7, [&](const RawParams &p) {
    return matmulGrid(n, *shape, p, false, "y_scale");
  });
  if (failed(out))
    return failure();
  Type f32 = n.b.getF32Type();
  Value a = dequantize(n, n.input(0), *aq, f32);
  Value b = dequantize(n, n.input(3), *bq, f32);
  Value y = n.create<MatMulOp>(RankedTensorType::get(*shape, f32), a, b);
  n.setOutput(0, quantize(n, y, out->first, out->second));
  return success();
}

LogicalResult importQLinearConv(NodeContext &n) {
  if (failed(requireInputs(n, 8, "x, x_scale, x_zero_point, w, w_scale, "
                                "w_zero_point, y_scale and y_zero_point")))
    return failure();
  auto it = n.inputType(0), wt = n.inputType(3);
  int64_t group = n.attrInt("group", 1);
  auto w = convWindow(n, it, wt, group);
  if (failed(w))
    return failure();
  int64_t filters = wt.getDimSize(0);
  auto perTensor = [&](StringRef name) {
    return [&n, name](ArrayRef<int64_t> shape,
                      const RawParams &p) -> FailureOr<SmallVector<int64_t>> {
      if (p.scales.size() != 1) {
        (void)n.error(name + " must be a scalar (per tensor), got shape " +
                      str(p.shape));
        return failure();
      }
      return SmallVector<int64_t>(shape.size(), 1);
    };
  };
  auto xq = operandType(n, 0, 1, 2, "x", "x_scale", "x_zero_point",
                        perTensor("x_scale"));
  // Weights: per tensor or per output channel (axis 0).
  auto wq = operandType(
      n, 3, 4, 5, "w", "w_scale", "w_zero_point",
      [&](ArrayRef<int64_t> shape,
          const RawParams &p) -> FailureOr<SmallVector<int64_t>> {
        SmallVector<int64_t> grid(shape.size(), 1);
        if (p.scales.size() == 1)
          return grid;
        if (p.shape.size() != 1 || p.shape[0] != filters) {
          (void)n.error("w_scale has shape " + str(p.shape) +
                        "; expected one value or one per output channel (" +
                        std::to_string(filters) + ")");
          return failure();
        }
        grid[0] = filters;
        return grid;
      });
  if (failed(xq) || failed(wq))
    return failure();
  SmallVector<int64_t> shape{it.getDimSize(0), filters};
  shape.append(w->out);
  auto out = outputType(n, shape, 6, 7, [&](const RawParams &p) {
    return perTensor("y_scale")(shape, p);
  });
  if (failed(out))
    return failure();

  Type f32 = n.b.getF32Type();
  Value x = dequantize(n, n.input(0), *xq, f32);
  Value wf = dequantize(n, n.input(3), *wq, f32);
  // The int32 bias has scale x_scale * w_scale[f] and zero point 0; it is
  // dequantized in float ops (no 32-bit quant storage in the integer path)
  // and folds to a constant when B is one.
  Value bias;
  if (n.hasInput(8)) {
    auto bt = n.inputType(8);
    if (bt.getRank() != 1 || bt.getDimSize(0) != filters ||
        !bt.getElementType().isInteger(32))
      return n.error("B must be an int32 vector of " + std::to_string(filters) +
                     " elements, got " + str(bt));
    double xs = cast<quant::UniformQuantizedType>(*xq).getScale();
    SmallVector<float> scales;
    if (auto pa = dyn_cast<quant::UniformQuantizedPerAxisType>(*wq))
      for (double ws : pa.getScales())
        scales.push_back((float)xs * (float)ws);
    else
      scales.assign(
          filters,
          (float)xs * (float)cast<quant::UniformQuantizedType>(*wq).getScale());
    auto vecType = RankedTensorType::get({filters}, f32);
    Value b = n.create<CastOp>(vecType, n.input(8));
    bias = n.create<MulOp>(vecType, b,
                           n.constant(DenseElementsAttr::get(
                               vecType, ArrayRef<float>(scales))));
  }
  Value y = n.create<ConvOp>(RankedTensorType::get(shape, f32), x, wf, bias,
                             n.b.getDenseI64ArrayAttr(w->strides),
                             n.b.getDenseI64ArrayAttr(w->pads),
                             n.b.getDenseI64ArrayAttr(w->dilations),
                             n.b.getI64IntegerAttr(group));
  n.setOutput(0, quantize(n, y, out->first, out->second));
  return success();
}

} // namespace

void registerQuantImporters() {
  auto &r = opImporters();
  r["QuantizeLinear"] = importQuantizeLinear;
  r["DequantizeLinear"] = importDequantizeLinear;
  r["DynamicQuantizeLinear"] = importDynamicQuantizeLinear;
  r["MatMulInteger"] = importMatMulInteger;
  r["ConvInteger"] = importConvInteger;
  r["QLinearMatMul"] = importQLinearMatMul;
  r["QLinearConv"] = importQLinearConv;
}

} // namespace qcc::onnx_import
