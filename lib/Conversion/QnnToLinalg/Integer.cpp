//===- Integer.cpp - integer-level qnn ops to linalg ----------------------===//
//
// Lowers the ops of qcc's integer level (docs/numerics.md) to linalg on
// signless integers. The fixed-point arithmetic is spelled out in 64-bit
// scalar ops inside elementwise generics; the two contractions
// (matmul_integer, conv_integer) become one linalg.generic each whose body is
// the exact sum of zero-point-corrected products, tagged with `qcc.qgemm` so
// that qcc-convert-linalg-to-ukernels can hand them to the runtime's integer
// GEMM. Without that pass the generic still computes the same integers.
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"

#include "Utils.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

//===----------------------------------------------------------------------===//
// Shared by the integer convolutions
//===----------------------------------------------------------------------===//

Value qcc::lowering::padWithZeroPoint(OpBuilder &b, Location loc, Value input,
                                      ArrayRef<int64_t> pads, int64_t zp,
                                      bool isUnsigned) {
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }))
    return input;
  auto it = cast<RankedTensorType>(input.getType());
  Type et = it.getElementType();
  int64_t spatial = it.getRank() - 2;
  SmallVector<int64_t> lo{0, 0}, hi{0, 0}, shape(it.getShape());
  for (int64_t i = 0; i < spatial; ++i) {
    lo.push_back(pads[i]);
    hi.push_back(pads[spatial + i]);
    shape[2 + i] += pads[i] + pads[spatial + i];
  }
  Value padValue = b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(et, APInt(et.getIntOrFloatBitWidth(), (uint64_t)zp,
                                      !isUnsigned)));
  return padTensor(b, loc, RankedTensorType::get(shape, et), input, lo, hi,
                   padValue);
}

Value qcc::lowering::im2colRows(OpBuilder &b, Location loc, Value input,
                                ArrayRef<int64_t> kernel,
                                ArrayRef<int64_t> outSpatial,
                                ArrayRef<int64_t> strides,
                                ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  auto it = cast<RankedTensorType>(input.getType());
  Type et = it.getElementType();
  int64_t spatial = kernel.size(), channels = it.getDimSize(1);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Loops (out..., c, kernel...) over the batch-1 input.
  unsigned loops = spatial + 1 + spatial;
  SmallVector<AffineExpr> inE{getAffineConstantExpr(0, ctx), d(spatial)};
  SmallVector<int64_t> colShape(outSpatial);
  colShape.push_back(channels);
  int64_t outSize = 1, window = 1;
  for (int64_t i = 0; i < spatial; ++i) {
    colShape.push_back(kernel[i]);
    inE.push_back(d(i) * strides[i] + d(spatial + 1 + i) * dilations[i]);
    outSize *= outSpatial[i];
    window *= kernel[i];
  }
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inE, ctx),
                              b.getMultiDimIdentityMap(loops)};
  Value empty = b.create<tensor::EmptyOp>(loc, colShape, et);
  Value cols = b.create<linalg::GenericOp>(
                    loc, empty.getType(), input, empty, maps, parallel(loops),
                    [](OpBuilder &nb, Location nl, ValueRange a) {
                      nb.create<linalg::YieldOp>(nl, a[0]);
                    })
                   .getResult(0);
  return reshapeTo(b, loc, cols,
                   RankedTensorType::get({outSize, channels * window}, et));
}

namespace {

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, b.getI64Type(), v);
}

/// Sign- or zero-extends an integer scalar to i64.
Value widen(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i64 = b.getI64Type();
  if (v.getType() == i64)
    return v;
  if (isUnsigned)
    return b.create<arith::ExtUIOp>(loc, i64, v);
  return b.create<arith::ExtSIOp>(loc, i64, v);
}

/// x - zp on i64 scalars (x sign- or zero-extended).
Value centered(OpBuilder &b, Location loc, Value x, bool isUnsigned, int64_t zp) {
  return b.create<arith::SubIOp>(loc, widen(b, loc, x, isUnsigned),
                                 i64Const(b, loc, zp));
}

/// round_shift(v, n) of docs/numerics.md on i64 scalars: (v + rnd) >> n
/// with rnd = 2^(n-1) (0 when n = 0), passed in precomputed.
Value roundShift(OpBuilder &b, Location loc, Value v, Value rnd, Value n) {
  Value sum = b.create<arith::AddIOp>(loc, v, rnd);
  return b.create<arith::ShRSIOp>(loc, sum, n);
}

int64_t roundingTerm(int64_t shift) {
  return shift > 0 ? int64_t(1) << (shift - 1) : 0;
}

/// Adds the output zero point, clamps to [lo, hi] and truncates to `to`.
Value finish(OpBuilder &b, Location loc, Value v, int64_t zp, int64_t lo,
             int64_t hi, Type to) {
  v = b.create<arith::AddIOp>(loc, v, i64Const(b, loc, zp));
  v = b.create<arith::MaxSIOp>(loc, v, i64Const(b, loc, lo));
  v = b.create<arith::MinSIOp>(loc, v, i64Const(b, loc, hi));
  if (to == v.getType())
    return v;
  return b.create<arith::TruncIOp>(loc, to, v);
}

/// A constant i64 vector shaped to broadcast along `axis` of a rank-`rank`
/// tensor of extent `values.size()` there.
Value axisVector(OpBuilder &b, Location loc, ArrayRef<int64_t> values,
                 int64_t axis, int64_t rank) {
  SmallVector<int64_t> shape(rank, 1);
  shape[axis] = values.size();
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, values));
}

struct RequantizeLowering : OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    bool inUnsigned = isOperandUnsigned(op, 0);
    int64_t inZp = op.getInputZp(), outZp = op.getOutputZp();
    int64_t lo = op.getClampMin(), hi = op.getClampMax();
    Type outElement = type.getElementType();
    ArrayRef<int32_t> m = op.getMultiplier(), s = op.getShift();
    SmallVector<Value> inputs{adaptor.getInput()};
    if (m.size() > 1) {
      SmallVector<int64_t> mv(m.begin(), m.end()), sv(s.begin(), s.end()), rv;
      for (int64_t shift : sv)
        rv.push_back(roundingTerm(shift));
      int64_t rank = type.getRank(), axis = op.getAxis();
      inputs.push_back(axisVector(rewriter, loc, mv, axis, rank));
      inputs.push_back(axisVector(rewriter, loc, sv, axis, rank));
      inputs.push_back(axisVector(rewriter, loc, rv, axis, rank));
    }
    int64_t m0 = m[0], s0 = s[0];
    Value result = buildElementwise(
        rewriter, loc, type, inputs, [&](OpBuilder &b, Location l, ValueRange a) {
          Value mult, shift, rnd;
          if (a.size() > 1) {
            mult = a[1], shift = a[2], rnd = a[3];
          } else {
            mult = i64Const(b, l, m0);
            shift = i64Const(b, l, s0);
            rnd = i64Const(b, l, roundingTerm(s0));
          }
          Value v = centered(b, l, a[0], inUnsigned, inZp);
          v = b.create<arith::MulIOp>(l, v, mult);
          v = roundShift(b, l, v, rnd, shift);
          return finish(b, l, v, outZp, lo, hi, outElement);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct QAddLowering : OpConversionPattern<QAddOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QAddOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    bool ua = isOperandUnsigned(op, 0), ub = isOperandUnsigned(op, 1);
    int64_t shift = op.getShift();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = centered(b, l, a[0], ua, op.getAZp());
          Value y = centered(b, l, a[1], ub, op.getBZp());
          x = b.create<arith::MulIOp>(l, x, i64Const(b, l, op.getAMultiplier()));
          y = b.create<arith::MulIOp>(l, y, i64Const(b, l, op.getBMultiplier()));
          Value v = roundShift(b, l, b.create<arith::AddIOp>(l, x, y),
                               i64Const(b, l, roundingTerm(shift)),
                               i64Const(b, l, shift));
          return finish(b, l, v, op.getOutputZp(), op.getClampMin(),
                        op.getClampMax(), type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct QMulLowering : OpConversionPattern<QMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    bool ua = isOperandUnsigned(op, 0), ub = isOperandUnsigned(op, 1);
    int64_t shift = op.getShift();
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value x = centered(b, l, a[0], ua, op.getAZp());
          Value y = centered(b, l, a[1], ub, op.getBZp());
          Value v = b.create<arith::MulIOp>(l, x, y);
          v = b.create<arith::MulIOp>(l, v, i64Const(b, l, op.getMultiplier()));
          v = roundShift(b, l, v, i64Const(b, l, roundingTerm(shift)),
                         i64Const(b, l, shift));
          return finish(b, l, v, op.getOutputZp(), op.getClampMin(),
                        op.getClampMax(), type.getElementType());
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LutLowering : OpConversionPattern<LutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto table = dyn_cast<DenseElementsAttr>(op.getTable());
    if (!table)
      return rewriter.notifyMatchFailure(op, "table must be dense");
    Type element = type.getElementType();
    // Narrow entries are stored widened to i32: the loop vectorizer gathers
    // 32- and 64-bit elements only, and a gather keeps the whole fused loop
    // (requantize, table, qmul, ...) vectorized.
    unsigned width = element.getIntOrFloatBitWidth();
    Type stored = width < 32 ? rewriter.getI32Type() : element;
    SmallVector<APInt> entries;
    bool outUnsigned = hasUnsignedResults(op);
    for (const APInt &v : table.bitcast(element).getValues<APInt>())
      entries.push_back(outUnsigned ? v.zext(stored.getIntOrFloatBitWidth())
                                    : v.sext(stored.getIntOrFloatBitWidth()));
    int64_t n = cast<ShapedType>(table.getType()).getNumElements();
    if (table.isSplat())
      entries.assign(n, entries.front());
    auto tableType = RankedTensorType::get({n}, stored);
    Value tableValue = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(tableType, entries));
    bool inUnsigned = isOperandUnsigned(op, 0);
    unsigned inWidth =
        cast<ShapedType>(op.getInput().getType()).getElementTypeBitWidth();
    // The input value of table[0]; a window (`first`) clamps the index.
    std::optional<int64_t> first = op.getFirst();
    int64_t base =
        first ? *first : (inUnsigned ? 0 : -(int64_t(1) << (inWidth - 1)));
    Value result = buildElementwise(
        rewriter, loc, type, {adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value idx = widen(b, l, a[0], inUnsigned);
          if (first) {
            idx = b.create<arith::MaxSIOp>(l, idx, i64Const(b, l, *first));
            idx = b.create<arith::MinSIOp>(l, idx,
                                           i64Const(b, l, *first + n - 1));
          }
          if (base != 0)
            idx = b.create<arith::SubIOp>(l, idx, i64Const(b, l, base));
          idx = b.create<arith::IndexCastOp>(l, b.getIndexType(), idx);
          Value v = b.create<tensor::ExtractOp>(l, tableValue, ValueRange{idx});
          return stored == element ? v
                                   : b.create<arith::TruncIOp>(l, element, v)
                                         .getResult();
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// The zero-point-corrected integer product as one linalg.generic:
///   out[i, j] = sum_k (X[i, k] - xZp) * (W[j, k] - wZp[j])
/// over X [I, K] and W [J, K], into an i32 tensor of shape [I, J] or, with
/// `transposedOut`, [J, I] (NCHW convolution output). Tagged `qcc.qgemm`
/// with the operand signedness and activation zero point for the ukernel
/// conversion.
Value buildQGemm(OpBuilder &b, Location loc, Value x, bool xUnsigned,
                 int64_t xZp, Value w, bool wUnsigned, ArrayRef<int64_t> wZps,
                 bool transposedOut, bool sparse24 = false) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t rows = xt.getDimSize(0), cols = wt.getDimSize(0);
  Type i32 = b.getI32Type();
  // One weight zero point lives in the body (and the tag); several come in
  // as a vector operand.
  bool uniform = llvm::all_equal(wZps);
  SmallVector<Value> inputs{x, w};
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(1), d(2)}, ctx)};
  if (!uniform) {
    SmallVector<int32_t> zps(wZps.begin(), wZps.end());
    inputs.push_back(b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({cols}, i32),
                                    ArrayRef<int32_t>(zps))));
    maps.push_back(AffineMap::get(3, 0, {d(1)}, ctx));
  }
  maps.push_back(transposedOut ? AffineMap::get(3, 0, {d(1), d(0)}, ctx)
                               : AffineMap::get(3, 0, {d(0), d(1)}, ctx));
  SmallVector<int64_t> outShape =
      transposedOut ? SmallVector<int64_t>{cols, rows}
                    : SmallVector<int64_t>{rows, cols};
  auto outType = RankedTensorType::get(outShape, i32);
  Value init = filledTensor(b, loc, outType,
                            b.create<arith::ConstantIntOp>(loc, i32, 0));
  auto iters = parallel(3);
  iters[2] = utils::IteratorType::reduction;
  auto widen32 = [&](OpBuilder &nb, Location l, Value v, bool isUnsigned) -> Value {
    if (isUnsigned)
      return nb.create<arith::ExtUIOp>(l, i32, v);
    return nb.create<arith::ExtSIOp>(l, i32, v);
  };
  int64_t wZp0 = wZps[0];
  auto generic = b.create<linalg::GenericOp>(
      loc, outType, inputs, init, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value xv = nb.create<arith::SubIOp>(
            l, widen32(nb, l, a[0], xUnsigned),
            nb.create<arith::ConstantIntOp>(l, i32, xZp));
        Value zp = uniform ? nb.create<arith::ConstantIntOp>(l, i32, wZp0).getResult()
                           : a[2];
        Value wv = nb.create<arith::SubIOp>(l, widen32(nb, l, a[1], wUnsigned), zp);
        Value p = nb.create<arith::MulIOp>(l, xv, wv);
        nb.create<linalg::YieldOp>(l, ValueRange{nb.create<arith::AddIOp>(l, a.back(), p)});
      });
  SmallVector<NamedAttribute> tag{
      b.getNamedAttr("x_zp", b.getI64IntegerAttr(xZp)),
      b.getNamedAttr("x_unsigned", b.getBoolAttr(xUnsigned)),
      b.getNamedAttr("w_unsigned", b.getBoolAttr(wUnsigned))};
  if (uniform)
    tag.push_back(b.getNamedAttr("w_zp", b.getI64IntegerAttr(wZp0)));
  // W keeps at most 2 nonzeros per group of 4 along k: the ukernel
  // conversion packs it for the runtime's 2:4 kernel.
  if (sparse24)
    tag.push_back(b.getNamedAttr("sparse24", b.getUnitAttr()));
  generic->setAttr("qcc.qgemm", b.getDictionaryAttr(tag));
  return generic.getResult(0);
}

/// The 2-D convolution of a batch-1 NCHW input (already padded with its
/// zero point) by [F, C, KH, KW] filters with one zero point, as one
/// linalg.generic over (f, oy, ox, c, ky, kx) into an i32 [1, F, OH, OW]
/// tensor, tagged `qcc.qconv` (zero points, signedness, strides,
/// dilations) for the ukernel conversion's qcc_rt_qconv_s8 call. A
/// depthwise convolution (`depthwise`: [C, 1, KH, KW] filters, one per
/// channel) is the generic over (c, oy, ox, ky, kx), tagged alike plus
/// `depthwise`, for qcc_rt_qdwconv_s8.
Value buildQConv(OpBuilder &b, Location loc, Value input, bool xUnsigned,
                 int64_t xZp, Value weight, bool wUnsigned, int64_t wZp,
                 RankedTensorType ot, ArrayRef<int64_t> strides,
                 ArrayRef<int64_t> dilations, bool depthwise) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  AffineExpr zero = getAffineConstantExpr(0, ctx);
  // The reduction dims: (c, ky, kx), or (ky, kx) with c = f.
  unsigned loops = depthwise ? 5 : 6, ky = loops - 2, kx = loops - 1;
  AffineExpr c = depthwise ? d(0) : d(3);
  SmallVector<AffineMap> maps{
      AffineMap::get(loops, 0,
                     {zero, c, d(1) * strides[0] + d(ky) * dilations[0],
                      d(2) * strides[1] + d(kx) * dilations[1]},
                     ctx),
      AffineMap::get(loops, 0,
                     {d(0), depthwise ? zero : c, d(ky), d(kx)}, ctx),
      AffineMap::get(loops, 0, {zero, d(0), d(1), d(2)}, ctx)};
  auto outType = RankedTensorType::get(ot.getShape(), i32);
  Value init = filledTensor(b, loc, outType,
                            b.create<arith::ConstantIntOp>(loc, i32, 0));
  auto iters = parallel(loops);
  for (unsigned i = 3; i < loops; ++i)
    iters[i] = utils::IteratorType::reduction;
  auto ext = [&](OpBuilder &nb, Location l, Value v, bool isUnsigned) -> Value {
    if (isUnsigned)
      return nb.create<arith::ExtUIOp>(l, i32, v);
    return nb.create<arith::ExtSIOp>(l, i32, v);
  };
  auto generic = b.create<linalg::GenericOp>(
      loc, outType, ValueRange{input, weight}, init, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        Value xv = nb.create<arith::SubIOp>(
            l, ext(nb, l, a[0], xUnsigned),
            nb.create<arith::ConstantIntOp>(l, i32, xZp));
        Value wv = nb.create<arith::SubIOp>(
            l, ext(nb, l, a[1], wUnsigned),
            nb.create<arith::ConstantIntOp>(l, i32, wZp));
        Value p = nb.create<arith::MulIOp>(l, xv, wv);
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::AddIOp>(l, a[2], p)});
      });
  SmallVector<NamedAttribute> tag{
      b.getNamedAttr("x_zp", b.getI64IntegerAttr(xZp)),
      b.getNamedAttr("x_unsigned", b.getBoolAttr(xUnsigned)),
      b.getNamedAttr("w_zp", b.getI64IntegerAttr(wZp)),
      b.getNamedAttr("w_unsigned", b.getBoolAttr(wUnsigned)),
      b.getNamedAttr("strides", b.getDenseI64ArrayAttr(strides)),
      b.getNamedAttr("dilations", b.getDenseI64ArrayAttr(dilations))};
  if (depthwise)
    tag.push_back(b.getNamedAttr("depthwise", b.getUnitAttr()));
  generic->setAttr("qcc.qconv", b.getDictionaryAttr(tag));
  return generic.getResult(0);
}

/// Whether `w` is a constant whose values are all -1, 0 or 1 with zero
/// point 0 (the ternary kernel's operand).
bool isTernaryConstant(Value w, int64_t zp) {
  DenseElementsAttr dense;
  if (zp != 0 || !matchPattern(w, m_Constant(&dense)) ||
      !dense.getElementType().isInteger(8))
    return false;
  return llvm::all_of(dense.getValues<APInt>(), [](const APInt &v) {
    int64_t s = v.getSExtValue();
    return s >= -1 && s <= 1;
  });
}

/// Adds an i32 bias broadcast along `axis` of `acc`.
Value addBias(OpBuilder &b, Location loc, Value acc, Value bias, int64_t axis) {
  if (!bias)
    return acc;
  auto type = cast<RankedTensorType>(acc.getType());
  SmallVector<int64_t> shape(type.getRank(), 1);
  shape[axis] = type.getDimSize(axis);
  Value v = reshapeTo(b, loc, bias, RankedTensorType::get(shape, b.getI32Type()));
  return buildElementwise(b, loc, type, {acc, v},
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return nb.create<arith::AddIOp>(l, a[0], a[1])
                                .getResult();
                          });
}

/// W^T for a [K, N] operand: folded for constants, a linalg.transpose else.
Value transposeMatrix(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  auto outType = RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                       t.getElementType());
  DenseElementsAttr dense;
  if (matchPattern(v, m_Constant(&dense))) {
    int64_t rows = t.getDimSize(0), cols = t.getDimSize(1);
    auto values = llvm::to_vector(dense.getValues<APInt>());
    SmallVector<APInt> out;
    out.reserve(values.size());
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t i = 0; i < rows; ++i)
        out.push_back(dense.isSplat() ? values[0] : values[i * cols + j]);
    return b.create<arith::ConstantOp>(loc, DenseElementsAttr::get(outType, out));
  }
  Value empty = b.create<tensor::EmptyOp>(loc, outType.getShape(),
                                          outType.getElementType());
  return b.create<linalg::TransposeOp>(loc, v, empty, ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

struct MatMulIntegerLowering : OpConversionPattern<MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto at = cast<RankedTensorType>(adaptor.getA().getType());
    auto bt = cast<RankedTensorType>(adaptor.getB().getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (bt.getRank() != 2 || at.getRank() < 1)
      return rewriter.notifyMatchFailure(op, "batched right operand");
    int64_t k = bt.getDimSize(0);
    int64_t rows = at.getNumElements() / k;
    Value a = reshapeTo(rewriter, loc, adaptor.getA(),
                        RankedTensorType::get({rows, k}, at.getElementType()));
    Value w = transposeMatrix(rewriter, loc, adaptor.getB());
    Value acc = buildQGemm(rewriter, loc, a, isOperandUnsigned(op, 0),
                           op.getAZp(), w, isOperandUnsigned(op, 1), op.getBZp(),
                           /*transposedOut=*/false);
    acc = addBias(rewriter, loc, acc, adaptor.getBias(), 1);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, acc, type));
    return success();
  }
};

/// The 2:4 product: its packed constant weights are expanded here to the
/// dense [N, K] int8 matrix they stand for (zeros at the pruned positions),
/// so the generic computes the definition as it is; the `sparse24` tag lets
/// qcc-convert-linalg-to-ukernels pack them again for the runtime's 2:4
/// kernel, which does only the kept multiply-adds.
struct MatMulSparse24IntegerLowering
    : OpConversionPattern<MatMulSparse24IntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulSparse24IntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    DenseElementsAttr values, indices;
    if (!matchPattern(op.getValues(), m_Constant(&values)) ||
        !matchPattern(op.getIndices(), m_Constant(&indices)))
      return rewriter.notifyMatchFailure(op, "packed weights not constant");
    Location loc = op.getLoc();
    auto at = cast<RankedTensorType>(adaptor.getA().getType());
    int64_t n = op.getValues().getType().getDimSize(0),
            k = at.getShape().back();
    int64_t half = k / 2, ib = (k + 7) / 8;
    auto vs = llvm::to_vector(values.getValues<APInt>());
    auto is = llvm::to_vector(indices.getValues<APInt>());
    SmallVector<int8_t> dense(n * k, 0);
    for (int64_t j = 0; j < n; ++j)
      for (int64_t g = 0; g < k / 4; ++g) {
        unsigned nib =
            (is[indices.isSplat() ? 0 : j * ib + g / 2].getZExtValue() >>
             (4 * (g % 2))) &
            15;
        for (int t = 0; t < 2; ++t) {
          int8_t v = (int8_t)vs[values.isSplat() ? 0 : j * half + 2 * g + t]
                         .getSExtValue();
          // Equal positions (invalid 2:4, see qcc-verify-sparse-24) add up,
          // as the definition says.
          dense[j * k + 4 * g + ((nib >> (2 * t)) & 3)] += v;
        }
      }
    Value w = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 RankedTensorType::get({n, k}, rewriter.getI8Type()),
                 ArrayRef<int8_t>(dense)));
    int64_t rows = at.getNumElements() / k;
    Value a = reshapeTo(rewriter, loc, adaptor.getA(),
                        RankedTensorType::get({rows, k}, at.getElementType()));
    Value acc = buildQGemm(rewriter, loc, a, isOperandUnsigned(op, 0),
                           op.getAZp(), w, /*wUnsigned=*/false, {0},
                           /*transposedOut=*/false, /*sparse24=*/true);
    acc = addBias(rewriter, loc, acc, adaptor.getBias(), 1);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, acc,
                                     cast<RankedTensorType>(op.getType())));
    return success();
  }
};

/// The requantization (and table) after a convolution that the runtime can
/// apply as qcc_rt_qconv_s8_rq's epilogue: the convolution's only user is a
/// qnn.requantize with input zero point 0 to an 8-bit result, per filter
/// (axis 1) or per tensor; a qnn.lut that is the requantize's only user, 8
/// bits to 8 bits without a window, joins it. Anything else (an input zero
/// point, wider results, several users of the int32 sums, a windowed or
/// 16-bit table) keeps the separate generated loops.
struct ConvEpilogue {
  RequantizeOp rq;
  LutOp lut; // null when the requantized bytes are the result
};

std::optional<ConvEpilogue> matchConvEpilogue(ConvIntegerOp conv) {
  if (!conv->hasOneUse())
    return std::nullopt;
  auto rq = dyn_cast<RequantizeOp>(*conv->user_begin());
  if (!rq || rq.getInputZp() != 0)
    return std::nullopt;
  auto rt = cast<RankedTensorType>(rq.getType());
  if (!rt.getElementType().isInteger(8) || rt.getRank() != 4 ||
      (rq.getMultiplier().size() > 1 && rq.getAxis() != 1))
    return std::nullopt;
  ConvEpilogue ep{rq, nullptr};
  if (rq->hasOneUse())
    if (auto lut = dyn_cast<LutOp>(*rq->user_begin())) {
      auto table = dyn_cast<DenseElementsAttr>(lut.getTable());
      auto lt = cast<RankedTensorType>(lut.getType());
      if (!lut.getFirst() && table && lt.getElementType().isInteger(8) &&
          table.getNumElements() == 256)
        ep.lut = lut;
    }
  return ep;
}

/// The epilogue as one elementwise generic over the convolution's int32
/// sums, the exact arithmetic of qnn.requantize (and qnn.lut) in its body,
/// tagged `qcc.qconv_epilogue` with the per-filter multipliers and shifts,
/// zero point, clamp bounds and the table indexed by the requantized byte,
/// so that qcc-convert-linalg-to-ukernels can fold it into the
/// convolution's call. Operands: the sums, the bias (if any), then the
/// multipliers, shifts and rounding terms as i64 vectors.
Value buildConvEpilogue(OpBuilder &b, Location loc, Value acc, Value bias,
                        ConvEpilogue ep) {
  RequantizeOp rq = ep.rq;
  auto accType = cast<RankedTensorType>(acc.getType());
  int64_t filters = accType.getDimSize(1);
  ArrayRef<int32_t> m = rq.getMultiplier(), s = rq.getShift();
  SmallVector<int32_t> mult, shift;
  SmallVector<int64_t> mv, sv, rv;
  for (int64_t f = 0; f < filters; ++f) {
    size_t i = m.size() > 1 ? f : 0;
    mult.push_back(m[i]);
    shift.push_back(s[i]);
    mv.push_back(m[i]);
    sv.push_back(s[i]);
    rv.push_back(roundingTerm(s[i]));
  }
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  auto outType = RankedTensorType::get(accType.getShape(), i8);
  bool rqUnsigned = hasUnsignedResults(rq);
  SmallVector<Value> inputs{acc};
  if (bias)
    inputs.push_back(reshapeTo(b, loc, bias,
                               RankedTensorType::get({1, filters, 1, 1}, i32)));
  inputs.push_back(axisVector(b, loc, mv, 1, 4));
  inputs.push_back(axisVector(b, loc, sv, 1, 4));
  inputs.push_back(axisVector(b, loc, rv, 1, 4));
  // The table as qnn.lut reads it (by the value less the type's minimum),
  // widened to i32 for the generated loop (see LutLowering), and as the
  // runtime reads it: by the requantized value's byte.
  Value tableValue;
  SmallVector<int8_t> byByte;
  bool lutUnsigned = ep.lut && hasUnsignedResults(ep.lut);
  if (ep.lut) {
    auto table = cast<DenseElementsAttr>(ep.lut.getTable());
    auto entries = llvm::to_vector(table.bitcast(i8).getValues<APInt>());
    if (table.isSplat())
      entries.assign(256, entries.front());
    SmallVector<APInt> wide;
    for (const APInt &v : entries)
      wide.push_back(lutUnsigned ? v.zext(32) : v.sext(32));
    tableValue = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({256}, i32), wide));
    byByte.resize(256);
    for (int v = 0; v < 256; ++v) // byte v holds the value v - 128 (int8)
      byByte[v] = (int8_t)entries[rqUnsigned ? v : (v ^ 0x80)].getZExtValue();
  }
  int64_t outZp = rq.getOutputZp(), lo = rq.getClampMin(),
          hi = rq.getClampMax();
  bool withBias = static_cast<bool>(bias);
  Value result = buildElementwise(
      b, loc, outType, inputs, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value v = a[0];
        unsigned k = 1;
        if (withBias)
          v = nb.create<arith::AddIOp>(l, v, a[k++]);
        Value mult = a[k], shiftV = a[k + 1], rnd = a[k + 2];
        v = widen(nb, l, v, /*isUnsigned=*/false);
        v = nb.create<arith::MulIOp>(l, v, mult);
        v = roundShift(nb, l, v, rnd, shiftV);
        v = finish(nb, l, v, outZp, lo, hi, i8);
        if (!tableValue)
          return v;
        Value idx = widen(nb, l, v, rqUnsigned);
        if (!rqUnsigned)
          idx = nb.create<arith::SubIOp>(l, idx, i64Const(nb, l, -128));
        idx = nb.create<arith::IndexCastOp>(l, nb.getIndexType(), idx);
        Value t = nb.create<tensor::ExtractOp>(l, tableValue, ValueRange{idx});
        return nb.create<arith::TruncIOp>(l, i8, t).getResult();
      });
  SmallVector<NamedAttribute> tag{
      b.getNamedAttr("multiplier", b.getDenseI32ArrayAttr(mult)),
      b.getNamedAttr("shift", b.getDenseI32ArrayAttr(shift)),
      b.getNamedAttr("output_zp", b.getI64IntegerAttr(outZp)),
      b.getNamedAttr("clamp_min", b.getI64IntegerAttr(lo)),
      b.getNamedAttr("clamp_max", b.getI64IntegerAttr(hi))};
  if (withBias)
    tag.push_back(b.getNamedAttr("bias", b.getUnitAttr()));
  if (ep.lut)
    tag.push_back(b.getNamedAttr("table", b.getDenseI8ArrayAttr(byByte)));
  result.getDefiningOp()->setAttr("qcc.qconv_epilogue",
                                  b.getDictionaryAttr(tag));
  return result;
}

struct ConvIntegerLowering : OpConversionPattern<ConvIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    auto ot = cast<RankedTensorType>(op.getType());
    int64_t spatial = it.getRank() - 2, group = op.getGroup();
    bool xUnsigned = isOperandUnsigned(op, 0), wUnsigned = isOperandUnsigned(op, 1);
    int64_t xZp = op.getXZp();
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();

    // Pad with the zero point, so padded positions contribute nothing.
    Value input =
        padWithZeroPoint(rewriter, loc, adaptor.getInput(), pads, xZp, xUnsigned);
    it = cast<RankedTensorType>(input.getType());

    int64_t batch = it.getDimSize(0), filters = wt.getDimSize(0);
    int64_t cg = wt.getDimSize(1);
    int64_t window = 1, outSize = 1;
    for (int64_t i = 0; i < spatial; ++i) {
      window *= wt.getDimSize(2 + i);
      outSize *= ot.getDimSize(2 + i);
    }
    Value result;
    ArrayRef<int64_t> wZps = op.getWZp();
    // The runtime's implicit-im2col kernel (qcc_rt_qconv_s8): one group, a
    // few pixels at least, not ternary (ternary filters keep the patch rows
    // below: the ternary kernel multiplies those).
    bool implicitIm2col =
        batch == 1 && group == 1 && spatial == 2 && llvm::all_equal(wZps) &&
        outSize >= 8 && !isTernaryConstant(adaptor.getWeight(), wZps[0]);
    // Its depthwise kernel (qcc_rt_qdwconv_s8): one filter per channel, one
    // weight zero point. Channel multipliers above 1, batches, 1-D and 3-D
    // windows and per-filter weight zero points keep the grouped loops.
    bool depthwise = batch == 1 && spatial == 2 && group > 1 && cg == 1 &&
                     filters == group && it.getDimSize(1) == group &&
                     llvm::all_equal(wZps);
    if (implicitIm2col || depthwise) {
      // The convolution itself, on the padded input, tagged for the
      // runtime: the patch matrix is never materialized.
      result =
          buildQConv(rewriter, loc, input, xUnsigned, xZp, adaptor.getWeight(),
                     wUnsigned, wZps[0], ot, strides, dilations, depthwise);
      // The requantization (and table) that follows, as one tagged
      // generic that the ukernel conversion folds into the call.
      if (std::optional<ConvEpilogue> ep = matchConvEpilogue(op)) {
        Value bytes = buildConvEpilogue(rewriter, loc, result,
                                        adaptor.getBias(), *ep);
        if (ep->lut) {
          rewriter.replaceOp(ep->lut, bytes);
          rewriter.eraseOp(ep->rq);
        } else {
          rewriter.replaceOp(ep->rq, bytes);
        }
        rewriter.eraseOp(op);
        return success();
      }
    } else if (batch == 1 && group == 1) {
      // Patches as rows [outSize, C * K...] (the ukernel's X) times the
      // filters [F, C * K...] (its W) into F x outSize.
      Value cols = im2colRows(rewriter, loc, input, wt.getShape().drop_front(2),
                              ot.getShape().drop_front(2), strides, dilations);
      Value w = reshapeTo(rewriter, loc, adaptor.getWeight(),
                          RankedTensorType::get({filters, cg * window},
                                                wt.getElementType()));
      if (llvm::all_equal(wZps) && outSize >= 8) {
        // Filters as the kernel's rows: its output is then F x outSize row
        // by row (NCHW), stored contiguously, and its register tile spans
        // pixels rather than the few filters of a small layer. Needs one
        // weight zero point (the kernel's rows share one); a handful of
        // pixels (squeeze-excite) stays a product of rows of patches.
        result = buildQGemm(rewriter, loc, w, wUnsigned, wZps[0], cols,
                            xUnsigned, {xZp}, /*transposedOut=*/false);
      } else {
        result = buildQGemm(rewriter, loc, cols, xUnsigned, xZp, w, wUnsigned,
                            wZps, /*transposedOut=*/true);
      }
      result = reshapeTo(rewriter, loc, result,
                         RankedTensorType::get(ot.getShape(), rewriter.getI32Type()));
    } else {
      result = buildGroupedIntegerConv(rewriter, loc, input, adaptor.getWeight(),
                                       ot, op, xUnsigned, wUnsigned);
    }
    result = addBias(rewriter, loc, result, adaptor.getBias(), 1);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Direct grouped convolution (batches, depthwise), the float path's
  /// grouped form with the zero-point-corrected integer body.
  static Value buildGroupedIntegerConv(OpBuilder &b, Location loc, Value input,
                                       Value weight, RankedTensorType ot,
                                       ConvIntegerOp op, bool xUnsigned,
                                       bool wUnsigned) {
    Type i32 = b.getI32Type();
    int64_t filters = cast<RankedTensorType>(weight.getType()).getDimSize(0);
    SmallVector<int32_t> zps;
    ArrayRef<int64_t> wZps = op.getWZp();
    for (int64_t f = 0; f < filters; ++f)
      zps.push_back(wZps.size() == 1 ? wZps[0] : wZps[f]);
    Value zpVec = b.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({filters}, i32),
                                    ArrayRef<int32_t>(zps)));
    auto outType = RankedTensorType::get(ot.getShape(), i32);
    Value init = filledTensor(b, loc, outType, b.create<arith::ConstantIntOp>(loc, i32, 0));
    int64_t xZp = op.getXZp();
    auto ext = [&](OpBuilder &nb, Location l, Value v, bool isUnsigned) -> Value {
      if (isUnsigned)
        return nb.create<arith::ExtUIOp>(l, i32, v);
      return nb.create<arith::ExtSIOp>(l, i32, v);
    };
    return buildGroupedConv(
        b, loc, input, weight, init, op.getStrides(), op.getDilations(),
        op.getGroup(), zpVec, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value xv = nb.create<arith::SubIOp>(
              l, ext(nb, l, a[0], xUnsigned),
              nb.create<arith::ConstantIntOp>(l, i32, xZp));
          Value wv = nb.create<arith::SubIOp>(l, ext(nb, l, a[1], wUnsigned), a[2]);
          Value p = nb.create<arith::MulIOp>(l, xv, wv);
          return nb.create<arith::AddIOp>(l, a[3], p).getResult();
        });
  }
};

} // namespace

void qcc::populateQnnIntegerToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RequantizeLowering, QAddLowering, QMulLowering, LutLowering,
               MatMulIntegerLowering, MatMulSparse24IntegerLowering,
               ConvIntegerLowering>(patterns.getContext());
}
