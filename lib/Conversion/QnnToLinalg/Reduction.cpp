//===- Reduction.cpp - qnn reductions, softmax, layer norm to linalg ------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

using CombineFn =
    llvm::function_ref<Value(OpBuilder &, Location, Value elem, Value acc)>;

/// Reduces `axes` of `input` into a tensor without those axes, starting from
/// `initValue`.
Value reduceAxes(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                 Value initValue, CombineFn combine) {
  auto t = cast<RankedTensorType>(input.getType());
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> outShape;
  SmallVector<AffineExpr> outE;
  auto iters = parallel(t.getRank());
  for (int64_t i = 0; i < t.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      iters[i] = utils::IteratorType::reduction;
      continue;
    }
    outShape.push_back(t.getDimSize(i));
    outE.push_back(getAffineDimExpr(i, ctx));
  }
  auto outType = RankedTensorType::get(outShape, initValue.getType());
  Value init = filledTensor(b, loc, outType, initValue);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(t.getRank()),
                              AffineMap::get(t.getRank(), 0, outE, ctx)};
  return b
      .create<linalg::GenericOp>(loc, outType, input, init, maps, iters,
                                 [&](OpBuilder &nb, Location nl, ValueRange a) {
                                   nb.create<linalg::YieldOp>(
                                       nl, combine(nb, nl, a[0], a[1]));
                                 })
      .getResult(0);
}

/// The shape with `axes` kept as size 1.
RankedTensorType keptType(RankedTensorType t, ArrayRef<int64_t> axes,
                          Type et) {
  SmallVector<int64_t> shape(t.getShape());
  for (int64_t a : axes)
    shape[a] = 1;
  return RankedTensorType::get(shape, et);
}

struct ReduceLowering : OpConversionPattern<ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = it.getElementType();
    ReduceKind kind = op.getKind();
    bool isF = isa<FloatType>(et);
    bool u = hasUnsignedOperands(op);
    if (!isF && kind != ReduceKind::sum && kind != ReduceKind::max &&
        kind != ReduceKind::min && kind != ReduceKind::prod &&
        kind != ReduceKind::l1 && kind != ReduceKind::sum_square &&
        kind != ReduceKind::mean)
      return rewriter.notifyMatchFailure(op, "reduction needs floats");
    ArrayRef<int64_t> axes = op.getAxes();
    int64_t count = 1;
    for (int64_t a : axes)
      count *= it.getDimSize(a);

    Value input = adaptor.getInput();
    Value maxShift;
    if (kind == ReduceKind::log_sum_exp) {
      // log(sum(exp(x - m))) + m keeps exp in range.
      Value m = reduceAxes(rewriter, loc, input, axes, lowestValue(rewriter, loc, et),
                           [](OpBuilder &b, Location l, Value e, Value acc) {
                             return lowering::max(b, l, acc, e);
                           });
      maxShift = reshapeTo(rewriter, loc, m, keptType(it, axes, et));
    }
    Value init;
    switch (kind) {
    case ReduceKind::max:
      init = lowestValue(rewriter, loc, et, u);
      break;
    case ReduceKind::min:
      init = highestValue(rewriter, loc, et, u);
      break;
    case ReduceKind::prod:
      init = scalarConst(rewriter, loc, et, 1);
      break;
    default:
      init = scalarConst(rewriter, loc, et, 0);
    }
    Value reduced;
    if (maxShift) {
      Value shifted = buildElementwise(
          rewriter, loc, it, {input, maxShift},
          [](OpBuilder &b, Location l, ValueRange a) {
            return b.create<math::ExpOp>(l, b.create<arith::SubFOp>(l, a[0], a[1]))
                .getResult();
          });
      reduced = reduceAxes(rewriter, loc, shifted, axes, init,
                           [](OpBuilder &b, Location l, Value e, Value acc) {
                             return lowering::add(b, l, acc, e);
                           });
    } else {
      reduced = reduceAxes(
          rewriter, loc, input, axes, init,
          [&](OpBuilder &b, Location l, Value e, Value acc) -> Value {
            switch (kind) {
            case ReduceKind::max:
              return lowering::max(b, l, acc, e, u);
            case ReduceKind::min:
              return lowering::min(b, l, acc, e, u);
            case ReduceKind::prod:
              return lowering::mul(b, l, acc, e);
            case ReduceKind::l1:
              return lowering::add(b, l, acc,
                                   isF ? b.create<math::AbsFOp>(l, e).getResult()
                                   : u ? e
                                       : b.create<math::AbsIOp>(l, e).getResult());
            case ReduceKind::l2:
            case ReduceKind::sum_square:
              return lowering::add(b, l, acc, lowering::mul(b, l, e, e));
            default:
              return lowering::add(b, l, acc, e);
            }
          });
    }
    auto reducedType = cast<RankedTensorType>(reduced.getType());
    auto post = [&](auto fn) {
      reduced = buildElementwise(rewriter, loc, reducedType, {reduced},
                                 [&](OpBuilder &b, Location l, ValueRange a) {
                                   return fn(b, l, a[0]);
                                 });
    };
    switch (kind) {
    case ReduceKind::mean:
      post([&](OpBuilder &b, Location l, Value v) -> Value {
        Value n = scalarConst(b, l, et, (double)count);
        if (isF)
          return b.create<arith::DivFOp>(l, v, n);
        if (u)
          return b.create<arith::DivUIOp>(l, v, n);
        return b.create<arith::DivSIOp>(l, v, n);
      });
      break;
    case ReduceKind::l2:
      post([&](OpBuilder &b, Location l, Value v) -> Value {
        return b.create<math::SqrtOp>(l, v);
      });
      break;
    case ReduceKind::log_sum:
      post([&](OpBuilder &b, Location l, Value v) -> Value {
        return b.create<math::LogOp>(l, v);
      });
      break;
    case ReduceKind::log_sum_exp: {
      Value m = reshapeTo(rewriter, loc, maxShift, reducedType);
      reduced = buildElementwise(
          rewriter, loc, reducedType, {reduced, m},
          [](OpBuilder &b, Location l, ValueRange a) {
            return b.create<arith::AddFOp>(l, b.create<math::LogOp>(l, a[0]), a[1])
                .getResult();
          });
      break;
    }
    default:
      break;
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, reduced, op.getType()));
    return success();
  }
};

struct ArgReduceLowering : OpConversionPattern<ArgReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ArgReduceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = it.getElementType();
    int64_t axis = op.getAxis();
    bool isMax = op.getKind() == ArgKind::argmax;
    bool last = op.getSelectLastIndex();
    bool u = hasUnsignedOperands(op);
    SmallVector<int64_t> outShape;
    SmallVector<AffineExpr> outE;
    auto iters = parallel(it.getRank());
    for (int64_t i = 0; i < it.getRank(); ++i) {
      if (i == axis) {
        iters[i] = utils::IteratorType::reduction;
        continue;
      }
      outShape.push_back(it.getDimSize(i));
      outE.push_back(getAffineDimExpr(i, ctx));
    }
    auto valType = RankedTensorType::get(outShape, et);
    auto idxType = RankedTensorType::get(outShape, rewriter.getI64Type());
    Value vInit = filledTensor(rewriter, loc, valType,
                               isMax ? lowestValue(rewriter, loc, et, u)
                                     : highestValue(rewriter, loc, et, u));
    Value iInit =
        filledTensor(rewriter, loc, idxType, scalarConst(rewriter, loc, rewriter.getI64Type(), -1));
    auto outMap = AffineMap::get(it.getRank(), 0, outE, ctx);
    SmallVector<AffineMap> maps{rewriter.getMultiDimIdentityMap(it.getRank()),
                                outMap, outMap};
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{valType, idxType}, adaptor.getInput(),
        ValueRange{vInit, iInit}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value idx = b.create<arith::IndexCastOp>(
              l, b.getI64Type(), b.create<linalg::IndexOp>(l, axis));
          Value better;
          bool isF = isa<FloatType>(et);
          if (isF) {
            auto p = isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                           : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT);
            better = b.create<arith::CmpFOp>(l, p, a[0], a[1]);
          } else {
            using P = arith::CmpIPredicate;
            auto p = isMax ? (last ? (u ? P::uge : P::sge) : (u ? P::ugt : P::sgt))
                           : (last ? (u ? P::ule : P::sle) : (u ? P::ult : P::slt));
            better = b.create<arith::CmpIOp>(l, p, a[0], a[1]);
          }
          // The first element always wins over the initial sentinel.
          Value first = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, a[2],
                                                scalarConst(b, l, b.getI64Type(), 0));
          better = b.create<arith::OrIOp>(l, better, first);
          Value v = b.create<arith::SelectOp>(l, better, a[0], a[1]);
          Value i = b.create<arith::SelectOp>(l, better, idx, a[2]);
          b.create<linalg::YieldOp>(l, ValueRange{v, i});
        });
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, generic.getResult(1), op.getType()));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    int64_t axis = op.getAxis();
    Value x = adaptor.getInput();
    auto keep = keptType(type, {axis}, et);
    Value m = reshapeTo(rewriter, loc,
                        reduceAxes(rewriter, loc, x, {axis},
                                   lowestValue(rewriter, loc, et),
                                   [](OpBuilder &b, Location l, Value e, Value acc) {
                                     return lowering::max(b, l, acc, e);
                                   }),
                        keep);
    Value e = buildElementwise(rewriter, loc, type, {x, m},
                               [](OpBuilder &b, Location l, ValueRange a) {
                                 return b.create<math::ExpOp>(
                                            l, b.create<arith::SubFOp>(l, a[0], a[1]))
                                     .getResult();
                               });
    Value s = reshapeTo(rewriter, loc,
                        reduceAxes(rewriter, loc, e, {axis},
                                   scalarConst(rewriter, loc, et, 0),
                                   [](OpBuilder &b, Location l, Value v, Value acc) {
                                     return lowering::add(b, l, acc, v);
                                   }),
                        keep);
    Value r;
    if (op.getLog())
      r = buildElementwise(rewriter, loc, type, {x, m, s},
                           [](OpBuilder &b, Location l, ValueRange a) {
                             Value d = b.create<arith::SubFOp>(l, a[0], a[1]);
                             return b.create<arith::SubFOp>(
                                        l, d, b.create<math::LogOp>(l, a[2]))
                                 .getResult();
                           });
    else
      r = buildElementwise(rewriter, loc, type, {e, s},
                           [](OpBuilder &b, Location l, ValueRange a) {
                             return b.create<arith::DivFOp>(l, a[0], a[1]).getResult();
                           });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    SmallVector<int64_t> axes;
    int64_t n = 1;
    for (int64_t i = op.getAxis(); i < type.getRank(); ++i) {
      axes.push_back(i);
      n *= type.getDimSize(i);
    }
    auto keep = keptType(type, axes, et);
    Value x = adaptor.getInput();
    Value zero = scalarConst(rewriter, loc, et, 0);
    auto sumOf = [&](Value v) {
      return reshapeTo(rewriter, loc,
                       reduceAxes(rewriter, loc, v, axes, zero,
                                  [](OpBuilder &b, Location l, Value e, Value acc) {
                                    return lowering::add(b, l, acc, e);
                                  }),
                       keep);
    };
    double inv = 1.0 / (double)n;
    Value mean = buildElementwise(rewriter, loc, keep, {sumOf(x)},
                                  [&](OpBuilder &b, Location l, ValueRange a) {
                                    return b.create<arith::MulFOp>(
                                               l, a[0], scalarConst(b, l, et, inv))
                                        .getResult();
                                  });
    Value centered = buildElementwise(rewriter, loc, type, {x, mean},
                                      [](OpBuilder &b, Location l, ValueRange a) {
                                        return b.create<arith::SubFOp>(l, a[0], a[1])
                                            .getResult();
                                      });
    Value sq = buildElementwise(rewriter, loc, type, {centered},
                                [](OpBuilder &b, Location l, ValueRange a) {
                                  return b.create<arith::MulFOp>(l, a[0], a[0])
                                      .getResult();
                                });
    double eps = op.getEpsilon().convertToDouble();
    Value rstd = buildElementwise(
        rewriter, loc, keep, {sumOf(sq)}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value var = b.create<arith::MulFOp>(l, a[0], scalarConst(b, l, et, inv));
          Value v = b.create<arith::AddFOp>(l, var, scalarConst(b, l, et, eps));
          return b.create<math::RsqrtOp>(l, v).getResult();
        });
    SmallVector<Value> inputs{centered, rstd, adaptor.getScale()};
    if (adaptor.getBias())
      inputs.push_back(adaptor.getBias());
    Value r = buildElementwise(rewriter, loc, type, inputs,
                               [](OpBuilder &b, Location l, ValueRange a) {
                                 Value v = b.create<arith::MulFOp>(l, a[0], a[1]);
                                 v = b.create<arith::MulFOp>(l, v, a[2]);
                                 if (a.size() > 3)
                                   v = b.create<arith::AddFOp>(l, v, a[3]);
                                 return v;
                               });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void qcc::populateQnnReductionToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ReduceLowering, ArgReduceLowering, SoftmaxLowering,
               LayerNormLowering>(patterns.getContext());
}
