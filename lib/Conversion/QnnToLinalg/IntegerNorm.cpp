//===- IntegerNorm.cpp - batched integer matmul, softmax, layer norm ------===//
//
// Lowers the integer-level ops of attention blocks to linalg on signless
// integers, spelling out docs/numerics.md's definitions in i32/i64 scalar
// arithmetic:
//   * qnn.matmul_integer with a batched right operand (rank >= 3, both
//     operands activations): one linalg.generic over (batch..., i, j, k)
//     with numpy batch broadcasting in its indexing maps;
//   * qnn.softmax_integer: row max, sum of table entries, rounding division;
//   * qnn.layer_norm_integer: row sums, floor square root (bit by bit, a
//     fixed 30 steps), rounding division and per-position rescale.
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"

#include "Utils.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

Value i64c(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIntOp>(loc, b.getI64Type(), v);
}

Value widenTo(OpBuilder &b, Location loc, Value v, Type to, bool isUnsigned) {
  if (v.getType() == to)
    return v;
  if (isUnsigned)
    return b.create<arith::ExtUIOp>(loc, to, v);
  return b.create<arith::ExtSIOp>(loc, to, v);
}

/// clamp(v + zp, lo, hi) truncated to `to`.
Value finishOutput(OpBuilder &b, Location loc, Value v, int64_t zp, int64_t lo,
                   int64_t hi, Type to) {
  v = b.create<arith::AddIOp>(loc, v, i64c(b, loc, zp));
  v = b.create<arith::MaxSIOp>(loc, v, i64c(b, loc, lo));
  v = b.create<arith::MinSIOp>(loc, v, i64c(b, loc, hi));
  return to == v.getType() ? v : b.create<arith::TruncIOp>(loc, to, v);
}

/// A zero-filled (or `init`-filled) i64 tensor of `shape`.
Value i64Tensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                int64_t init) {
  return filledTensor(b, loc, RankedTensorType::get(shape, b.getI64Type()),
                      i64c(b, loc, init));
}

/// table[idx] from a constant i64 vector, idx an i64 scalar.
Value lookup(OpBuilder &b, Location loc, Value table, Value idx) {
  idx = b.create<arith::IndexCastOp>(loc, b.getIndexType(), idx);
  return b.create<tensor::ExtractOp>(loc, table, ValueRange{idx});
}

//===----------------------------------------------------------------------===//
// Batched matmul_integer
//===----------------------------------------------------------------------===//

struct BatchedMatMulIntegerLowering : OpConversionPattern<MatMulIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto at = cast<RankedTensorType>(adaptor.getA().getType());
    auto bt = cast<RankedTensorType>(adaptor.getB().getType());
    auto type = cast<RankedTensorType>(op.getType());
    if (bt.getRank() < 3 || at.getRank() < 2)
      return rewriter.notifyMatchFailure(op, "not a batched product");
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = type.getRank(), batch = rank - 2, loops = rank + 1;
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    // Batch axes align from the right; unit axes of an operand broadcast.
    auto operandMap = [&](RankedTensorType t, AffineExpr r, AffineExpr c) {
      SmallVector<AffineExpr> exprs;
      int64_t ob = t.getRank() - 2;
      for (int64_t i = 0; i < ob; ++i) {
        int64_t od = batch - ob + i;
        exprs.push_back(t.getDimSize(i) == 1 && type.getDimSize(od) != 1
                            ? getAffineConstantExpr(0, ctx)
                            : d(od));
      }
      exprs.push_back(r);
      exprs.push_back(c);
      return AffineMap::get(loops, 0, exprs, ctx);
    };
    AffineExpr i = d(batch), j = d(batch + 1), k = d(batch + 2);
    SmallVector<Value> inputs{adaptor.getA(), adaptor.getB()};
    SmallVector<AffineMap> maps{operandMap(at, i, k), operandMap(bt, k, j)};
    ArrayRef<int64_t> bZps = op.getBZp();
    bool uniform = llvm::all_equal(bZps);
    Type i32 = rewriter.getI32Type();
    if (!uniform) {
      SmallVector<int32_t> zps(bZps.begin(), bZps.end());
      inputs.push_back(rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(
                   RankedTensorType::get({(int64_t)zps.size()}, i32),
                   ArrayRef<int32_t>(zps))));
      maps.push_back(AffineMap::get(loops, 0, {j}, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    for (int64_t o = 0; o < rank; ++o)
      outExprs.push_back(d(o));
    maps.push_back(AffineMap::get(loops, 0, outExprs, ctx));
    auto accType = RankedTensorType::get(type.getShape(), i32);
    Value init = filledTensor(rewriter, loc, accType,
                              rewriter.create<arith::ConstantIntOp>(loc, i32, 0));
    auto iters = parallel(loops);
    iters.back() = utils::IteratorType::reduction;
    bool ua = isOperandUnsigned(op, 0), ub = isOperandUnsigned(op, 1);
    int64_t aZp = op.getAZp(), bZp0 = bZps[0];
    Value acc =
        rewriter
            .create<linalg::GenericOp>(
                loc, accType, inputs, init, maps, iters,
                [&](OpBuilder &nb, Location l, ValueRange a) {
                  Value x = nb.create<arith::SubIOp>(
                      l, widenTo(nb, l, a[0], i32, ua),
                      nb.create<arith::ConstantIntOp>(l, i32, aZp));
                  Value zp = uniform ? nb.create<arith::ConstantIntOp>(l, i32, bZp0)
                                           .getResult()
                                     : a[2];
                  Value y = nb.create<arith::SubIOp>(
                      l, widenTo(nb, l, a[1], i32, ub), zp);
                  Value p = nb.create<arith::MulIOp>(l, x, y);
                  nb.create<linalg::YieldOp>(
                      l, ValueRange{nb.create<arith::AddIOp>(l, a.back(), p)});
                })
            .getResult(0);
    if (Value bias = adaptor.getBias())
      acc = buildElementwise(rewriter, loc, accType, {acc, bias},
                             [](OpBuilder &nb, Location l, ValueRange a) {
                               return nb.create<arith::AddIOp>(l, a[0], a[1])
                                   .getResult();
                             });
    rewriter.replaceOp(op, acc);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// softmax_integer
//===----------------------------------------------------------------------===//

struct SoftmaxIntegerLowering : OpConversionPattern<SoftmaxIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t axis = op.getAxis(), outer = 1, inner = 1, n = it.getDimSize(axis);
    for (int64_t dd = 0; dd < it.getRank(); ++dd)
      (dd < axis ? outer : inner) *= dd == axis ? 1 : it.getDimSize(dd);
    // Rows as the middle axis of [outer, n, inner].
    Value x = reshapeTo(rewriter, loc, adaptor.getInput(),
                        RankedTensorType::get({outer, n, inner}, it.getElementType()));
    // The mask broadcast to the input's shape, as rows too.
    Value mask;
    if (adaptor.getMask()) {
      auto full = RankedTensorType::get(it.getShape(), rewriter.getI1Type());
      mask = buildElementwise(rewriter, loc, full, adaptor.getMask(),
                              [](OpBuilder &, Location, ValueRange a) {
                                return a[0];
                              });
      mask = reshapeTo(rewriter, loc, mask,
                       RankedTensorType::get({outer, n, inner}, rewriter.getI1Type()));
    }
    bool unsignedIn = isOperandUnsigned(op, 0);
    Type i64 = rewriter.getI64Type();
    SmallVector<int64_t> tableValues(op.getExpTable().begin(), op.getExpTable().end());
    Value table = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(RankedTensorType::get({256}, i64),
                                    ArrayRef<int64_t>(tableValues)));
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap full = AffineMap::get(3, 0, {d(0), d(1), d(2)}, ctx);
    AffineMap row = AffineMap::get(3, 0, {d(0), d(2)}, ctx);
    SmallVector<utils::IteratorType> reduce = parallel(3);
    reduce[1] = utils::IteratorType::reduction;
    // Operands and maps of the per-element generics: x, [mask], row values.
    auto inputs = [&](ValueRange rows) {
      SmallVector<Value> v = {x};
      if (mask)
        v.push_back(mask);
      v.append(rows.begin(), rows.end());
      return v;
    };
    auto maps = [&](unsigned rows, unsigned outputs, AffineMap out) {
      SmallVector<AffineMap> m = {full};
      if (mask)
        m.push_back(full);
      m.append(rows, row);
      m.append(outputs, out);
      return m;
    };
    unsigned k = mask ? 1 : 0; // block arguments after x: [mask], rows...
    // e = table[m - x]; with a mask: 0 where masked out, table[0] on rows
    // with nothing kept (m = INT64_MIN).
    auto term = [&](OpBuilder &b, Location l, Value v, Value keep, Value m) {
      Value diff = b.create<arith::SubIOp>(l, m, v);
      if (!keep)
        return lookup(b, l, table, diff);
      Value none = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, m,
                                           i64c(b, l, INT64_MIN));
      Value useIt = b.create<arith::AndIOp>(
          l, keep, b.create<arith::XOrIOp>(
                       l, none, b.create<arith::ConstantIntOp>(l, b.getI1Type(), 1)));
      Value idx = b.create<arith::SelectOp>(l, useIt, diff, i64c(b, l, 0));
      Value e = lookup(b, l, table, idx);
      Value counts = b.create<arith::OrIOp>(l, keep, none);
      return b.create<arith::SelectOp>(l, counts, e, i64c(b, l, 0)).getResult();
    };

    // m = row max (of the kept elements), S = sum of the terms.
    Value m = rewriter
                  .create<linalg::GenericOp>(
                      loc, TypeRange{RankedTensorType::get({outer, inner}, i64)},
                      inputs({}), i64Tensor(rewriter, loc, {outer, inner}, INT64_MIN),
                      maps(0, 1, row), reduce,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value v = widenTo(b, l, a[0], i64, unsignedIn);
                        if (mask)
                          v = b.create<arith::SelectOp>(l, a[1], v,
                                                        i64c(b, l, INT64_MIN));
                        b.create<linalg::YieldOp>(
                            l, ValueRange{b.create<arith::MaxSIOp>(l, v, a[1 + k])});
                      })
                  .getResult(0);
    Value s = rewriter
                  .create<linalg::GenericOp>(
                      loc, TypeRange{RankedTensorType::get({outer, inner}, i64)},
                      inputs({m}), i64Tensor(rewriter, loc, {outer, inner}, 0),
                      maps(1, 1, row), reduce,
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value v = widenTo(b, l, a[0], i64, unsignedIn);
                        Value e = term(b, l, v, mask ? a[1] : Value(), a[1 + k]);
                        b.create<linalg::YieldOp>(
                            l, ValueRange{b.create<arith::AddIOp>(l, a[2 + k], e)});
                      })
                  .getResult(0);
    // y = clamp(zp + (2 e C + S 2^F) / (2 S 2^F)), all terms non-negative.
    Type outElement = type.getElementType();
    auto outType = RankedTensorType::get({outer, n, inner}, outElement);
    Value empty = rewriter.create<tensor::EmptyOp>(loc, outType.getShape(), outElement);
    int64_t c = op.getMultiplier(), f = op.getShift();
    int64_t zp = op.getOutputZp(), lo = op.getClampMin(), hi = op.getClampMax();
    Value y = rewriter
                  .create<linalg::GenericOp>(
                      loc, TypeRange{outType}, inputs({m, s}), empty,
                      maps(2, 1, full), parallel(3),
                      [&](OpBuilder &b, Location l, ValueRange a) {
                        Value v = widenTo(b, l, a[0], i64, unsignedIn);
                        Value e = term(b, l, v, mask ? a[1] : Value(), a[1 + k]);
                        Value den = b.create<arith::ShLIOp>(l, a[2 + k], i64c(b, l, f));
                        Value num = b.create<arith::MulIOp>(l, e, i64c(b, l, 2 * c));
                        num = b.create<arith::AddIOp>(l, num, den);
                        den = b.create<arith::ShLIOp>(l, den, i64c(b, l, 1));
                        Value q = b.create<arith::DivSIOp>(l, num, den);
                        b.create<linalg::YieldOp>(
                            l, finishOutput(b, l, q, zp, lo, hi, outElement));
                      })
                  .getResult(0);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, y, type));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// layer_norm_integer
//===----------------------------------------------------------------------===//

/// Bit length of w >= 1 (floor(log2 w) + 1) by binary search on shifts.
Value bitLength(OpBuilder &b, Location loc, Value w) {
  Value l = i64c(b, loc, 0), zero = i64c(b, loc, 0);
  for (int64_t step : {32, 16, 8, 4, 2, 1}) {
    Value cand = b.create<arith::AddIOp>(loc, l, i64c(b, loc, step));
    Value high = b.create<arith::ShRUIOp>(loc, w, cand);
    Value nonzero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, high, zero);
    l = b.create<arith::SelectOp>(loc, nonzero, cand, l);
  }
  return b.create<arith::AddIOp>(loc, l, i64c(b, loc, 1));
}

/// floor(sqrt(w)) for 2^60 <= w < 2^62: bit 30 set, then bits 29..0 kept
/// where the square stays <= w (the reference interpreter's loop).
Value floorSqrt(OpBuilder &b, Location loc, Value w) {
  Value r = i64c(b, loc, int64_t(1) << 30);
  for (int bit = 29; bit >= 0; --bit) {
    Value t = b.create<arith::OrIOp>(loc, r, i64c(b, loc, int64_t(1) << bit));
    Value sq = b.create<arith::MulIOp>(loc, t, t);
    Value fits = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sle, sq, w);
    r = b.create<arith::SelectOp>(loc, fits, t, r);
  }
  return r;
}

struct LayerNormIntegerLowering : OpConversionPattern<LayerNormIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto type = cast<RankedTensorType>(op.getType());
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rows = 1, n = 1;
    for (int64_t dd = 0; dd < it.getRank(); ++dd)
      (dd < op.getAxis() ? rows : n) *= it.getDimSize(dd);
    Value x = reshapeTo(rewriter, loc, adaptor.getInput(),
                        RankedTensorType::get({rows, n}, it.getElementType()));
    bool unsignedIn = isOperandUnsigned(op, 0);
    Type i64 = rewriter.getI64Type();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    AffineMap full = AffineMap::get(2, 0, {d(0), d(1)}, ctx);
    AffineMap row = AffineMap::get(2, 0, {d(0)}, ctx);
    AffineMap pos = AffineMap::get(2, 0, {d(1)}, ctx);
    auto rowType = RankedTensorType::get({rows}, i64);

    // T = sum x, Q = sum x^2.
    SmallVector<utils::IteratorType> reduce{utils::IteratorType::parallel,
                                            utils::IteratorType::reduction};
    auto sums = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowType, rowType}, x,
        ValueRange{i64Tensor(rewriter, loc, {rows}, 0),
                   i64Tensor(rewriter, loc, {rows}, 0)},
        ArrayRef<AffineMap>{full, row, row}, reduce,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value v = widenTo(b, l, a[0], i64, unsignedIn);
          Value t = b.create<arith::AddIOp>(l, a[1], v);
          Value q = b.create<arith::AddIOp>(l, a[2], b.create<arith::MulIOp>(l, v, v));
          b.create<linalg::YieldOp>(l, ValueRange{t, q});
        });
    // Per row: k and s = isqrt(W << 2k), W = max(N Q - T^2 + eps, 1).
    int64_t eps = op.getEpsilon();
    AffineMap id1 = AffineMap::get(1, 0, {d(0)}, ctx);
    auto stats = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{rowType, rowType}, sums.getResults(),
        ValueRange{i64Tensor(rewriter, loc, {rows}, 0),
                   i64Tensor(rewriter, loc, {rows}, 0)},
        ArrayRef<AffineMap>{id1, id1, id1, id1}, parallel(1),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value nq = b.create<arith::MulIOp>(l, a[1], i64c(b, l, n));
          Value tt = b.create<arith::MulIOp>(l, a[0], a[0]);
          Value w = b.create<arith::SubIOp>(l, nq, tt);
          w = b.create<arith::AddIOp>(l, w, i64c(b, l, eps));
          w = b.create<arith::MaxSIOp>(l, w, i64c(b, l, 1));
          Value k = b.create<arith::SubIOp>(l, i64c(b, l, 62), bitLength(b, l, w));
          k = b.create<arith::ShRSIOp>(l, k, i64c(b, l, 1));
          Value w2 = b.create<arith::ShLIOp>(l, w, b.create<arith::AddIOp>(l, k, k));
          b.create<linalg::YieldOp>(l, ValueRange{k, floorSqrt(b, l, w2)});
        });

    // z = floor((((N x - T) << k) 2^(F+1) + s) / 2s);
    // y = clamp(zp + round_shift(z M + B, n)).
    ArrayRef<int64_t> mult = op.getMultiplier(), shift = op.getShift(),
                      offset = op.getOffset();
    bool perPosition = mult.size() > 1;
    SmallVector<Value> inputs{x, sums.getResult(0), stats.getResult(0),
                              stats.getResult(1)};
    SmallVector<AffineMap> maps{full, row, row, row};
    if (perPosition) {
      SmallVector<int64_t> rnd;
      for (int64_t sh : shift)
        rnd.push_back(sh > 0 ? int64_t(1) << (sh - 1) : 0);
      for (ArrayRef<int64_t> v : {mult, shift, offset, ArrayRef<int64_t>(rnd)}) {
        inputs.push_back(rewriter.create<arith::ConstantOp>(
            loc, DenseElementsAttr::get(RankedTensorType::get({n}, i64), v)));
        maps.push_back(pos);
      }
    }
    Type outElement = type.getElementType();
    auto outType = RankedTensorType::get({rows, n}, outElement);
    maps.push_back(full);
    Value empty = rewriter.create<tensor::EmptyOp>(loc, outType.getShape(), outElement);
    int64_t f = op.getNormShift(), zp = op.getOutputZp(), lo = op.getClampMin(),
            hi = op.getClampMax();
    int64_t m0 = mult[0], s0 = shift[0], b0 = offset[0];
    Value y =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{outType}, inputs, empty, maps, parallel(2),
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value v = widenTo(b, l, a[0], i64, unsignedIn);
                  Value u = b.create<arith::SubIOp>(
                      l, b.create<arith::MulIOp>(l, v, i64c(b, l, n)), a[1]);
                  u = b.create<arith::ShLIOp>(l, u, a[2]);
                  u = b.create<arith::MulIOp>(l, u, i64c(b, l, int64_t(1) << (f + 1)));
                  Value twoS = b.create<arith::AddIOp>(l, a[3], a[3]);
                  Value z = b.create<arith::FloorDivSIOp>(
                      l, b.create<arith::AddIOp>(l, u, a[3]), twoS);
                  Value m, sh, off, rnd;
                  if (perPosition) {
                    m = a[4], sh = a[5], off = a[6], rnd = a[7];
                  } else {
                    m = i64c(b, l, m0), sh = i64c(b, l, s0), off = i64c(b, l, b0);
                    rnd = i64c(b, l, s0 > 0 ? int64_t(1) << (s0 - 1) : 0);
                  }
                  Value r = b.create<arith::AddIOp>(
                      l, b.create<arith::MulIOp>(l, z, m), off);
                  r = b.create<arith::ShRSIOp>(l, b.create<arith::AddIOp>(l, r, rnd), sh);
                  b.create<linalg::YieldOp>(
                      l, finishOutput(b, l, r, zp, lo, hi, outElement));
                })
            .getResult(0);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, y, type));
    return success();
  }
};

} // namespace

void qcc::populateQnnIntegerNormToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<BatchedMatMulIntegerLowering, SoftmaxIntegerLowering,
               LayerNormIntegerLowering>(patterns.getContext());
}
