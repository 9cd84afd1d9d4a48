//===- Pool.cpp - qnn.pool to linalg --------------------------------------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

/// Pooling as one linalg.generic over (N, C, out..., window...), the window
/// bounds coming from an unused kernel-shaped operand. Average pooling then
/// divides by a compile-time table of per-position element counts.
struct PoolLowering : OpConversionPattern<PoolOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PoolOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    Type et = type.getElementType();
    int64_t spatial = type.getRank() - 2;
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      dil = op.getDilations(), pads = op.getPads();
    PoolKind kind = op.getKind();
    if (kind != PoolKind::max && !isa<FloatType>(et))
      return rewriter.notifyMatchFailure(op, "average and Lp pooling need floats");

    // Pad so every window, including ceil-mode partial ones, is in bounds.
    SmallVector<int64_t> lo{0, 0}, hi{0, 0}, padded(it.getShape());
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t need = (type.getDimSize(2 + i) - 1) * strides[i] +
                     dil[i] * (kernel[i] - 1) + 1;
      int64_t end = std::max(pads[spatial + i],
                             need - it.getDimSize(2 + i) - pads[i]);
      lo.push_back(pads[i]);
      hi.push_back(end);
      padded[2 + i] += pads[i] + end;
    }
    bool u = hasUnsignedOperands(op);
    Value padValue = kind == PoolKind::max ? lowestValue(rewriter, loc, et, u)
                                           : scalarConst(rewriter, loc, et, 0);
    Value input = adaptor.getInput();
    if (padded != SmallVector<int64_t>(it.getShape()))
      input = padTensor(rewriter, loc, RankedTensorType::get(padded, et), input, lo, hi, padValue);

    unsigned loops = 2 + 2 * spatial;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inE{d(0), d(1)}, winE, outE{d(0), d(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      inE.push_back(d(2 + i) * strides[i] + d(2 + spatial + i) * dil[i]);
      winE.push_back(d(2 + spatial + i));
      outE.push_back(d(2 + i));
    }
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inE, ctx),
                                AffineMap::get(loops, 0, winE, ctx),
                                AffineMap::get(loops, 0, outE, ctx)};
    auto iters = parallel(loops);
    for (unsigned i = 2 + spatial; i < loops; ++i)
      iters[i] = utils::IteratorType::reduction;
    Value window = rewriter.create<tensor::EmptyOp>(loc, kernel, et);
    Value init = filledTensor(rewriter, loc, type, padValue);
    double p = (double)op.getP();
    Value acc =
        rewriter
            .create<linalg::GenericOp>(
                loc, type, ValueRange{input, window}, init, maps, iters,
                [&](OpBuilder &b, Location l, ValueRange a) {
                  Value r;
                  if (kind == PoolKind::max) {
                    r = lowering::max(b, l, a[2], a[0], u);
                  } else if (kind == PoolKind::avg) {
                    r = b.create<arith::AddFOp>(l, a[2], a[0]);
                  } else {
                    Value x = b.create<math::AbsFOp>(l, a[0]);
                    Value xp = p == 2.0 ? b.create<arith::MulFOp>(l, x, x).getResult()
                                        : b.create<math::PowFOp>(
                                               l, x, scalarConst(b, l, et, p))
                                              .getResult();
                    r = b.create<arith::AddFOp>(l, a[2], xp);
                  }
                  b.create<linalg::YieldOp>(l, r);
                })
            .getResult(0);
    if (kind == PoolKind::max) {
      rewriter.replaceOp(op, acc);
      return success();
    }
    if (kind == PoolKind::lp) {
      Value r = buildElementwise(
          rewriter, loc, type, {acc}, [&](OpBuilder &b, Location l, ValueRange a) {
            if (p == 2.0)
              return b.create<math::SqrtOp>(l, a[0]).getResult();
            return b.create<math::PowFOp>(l, a[0], scalarConst(b, l, et, 1.0 / p))
                .getResult();
          });
      rewriter.replaceOp(op, r);
      return success();
    }

    // Divisor per output position: the window elements inside the input
    // (or inside input plus explicit pads with count_include_pad).
    SmallVector<int64_t> outSpatial(type.getShape().drop_front(2));
    int64_t count = 1;
    for (int64_t s : outSpatial)
      count *= s;
    SmallVector<float> divisor(count);
    for (int64_t flat = 0; flat < count; ++flat) {
      int64_t rem = flat;
      double n = 1;
      for (int64_t i = spatial - 1; i >= 0; --i) {
        int64_t o = rem % outSpatial[i];
        rem /= outSpatial[i];
        int64_t lower = op.getCountIncludePad() ? -pads[i] : 0;
        int64_t upper = it.getDimSize(2 + i) +
                        (op.getCountIncludePad() ? pads[spatial + i] : 0);
        int64_t inside = 0;
        for (int64_t k = 0; k < kernel[i]; ++k) {
          int64_t pos = o * strides[i] + k * dil[i] - pads[i];
          inside += pos >= lower && pos < upper;
        }
        n *= inside;
      }
      divisor[flat] = (float)n;
    }
    SmallVector<int64_t> divShape{1, 1};
    llvm::append_range(divShape, outSpatial);
    auto divType = RankedTensorType::get(divShape, rewriter.getF32Type());
    Value div = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(divType, ArrayRef<float>(divisor)));
    Value r = buildElementwise(
        rewriter, loc, type, {acc, div}, [&](OpBuilder &b, Location l, ValueRange a) {
          Value dv = convertScalar(b, l, a[1], et);
          return b.create<arith::DivFOp>(l, a[0], dv).getResult();
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void qcc::populateQnnPoolToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PoolLowering>(patterns.getContext());
}
