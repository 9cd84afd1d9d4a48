//===- MatMul.cpp - qnn.matmul and qnn.gemm to linalg ---------------------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

/// Batched matrix product with numpy broadcasting of the batch dimensions,
/// as one linalg.generic; 2-D products become linalg.matmul so that backends
/// can pick their GEMM kernels.
Value buildMatMul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  RankedTensorType resultType) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  Type et = resultType.getElementType();
  // Promote vectors to matrices, then squeeze the result back.
  SmallVector<int64_t> ls(lt.getShape()), rs(rt.getShape());
  bool vecL = ls.size() == 1, vecR = rs.size() == 1;
  if (vecL) {
    ls.insert(ls.begin(), 1);
    lhs = reshapeTo(b, loc, lhs, RankedTensorType::get(ls, et));
  }
  if (vecR) {
    rs.push_back(1);
    rhs = reshapeTo(b, loc, rhs, RankedTensorType::get(rs, et));
  }
  int64_t batchRank = std::max(ls.size(), rs.size()) - 2;
  SmallVector<int64_t> outShape;
  auto batch = broadcastShapes(ArrayRef<int64_t>(ls).drop_back(2),
                               ArrayRef<int64_t>(rs).drop_back(2));
  outShape = *batch;
  int64_t m = ls[ls.size() - 2], k = ls.back(), n = rs.back();
  outShape.push_back(m);
  outShape.push_back(n);
  auto outType = RankedTensorType::get(outShape, et);
  Value zero = filledTensor(b, loc, outType, scalarConst(b, loc, et, 0));

  Value product;
  auto batchOf = [](ArrayRef<int64_t> shape) {
    int64_t n = 1;
    for (int64_t d : shape.drop_back(2))
      n *= d;
    return n;
  };
  int64_t outBatch = batchOf(outShape), rhsBatch = batchOf(rs);
  bool lhsFull = batchOf(ls) == outBatch, rhsFull = rhsBatch == outBatch;
  auto flat = [&](Value v, ArrayRef<int64_t> shape) {
    return reshapeTo(b, loc, v, RankedTensorType::get(shape, et));
  };
  if (batchRank == 0) {
    product = b.create<linalg::MatmulOp>(loc, ValueRange{lhs, rhs}, zero)
                  .getResult(0);
  } else if (rhsBatch == 1 && lhsFull) {
    // Shared weights: fold the batch into the rows of one matrix product.
    Value p = b.create<linalg::MatmulOp>(
                   loc, ValueRange{flat(lhs, {outBatch * m, k}), flat(rhs, {k, n})},
                   flat(zero, {outBatch * m, n}))
                  .getResult(0);
    product = reshapeTo(b, loc, p, outType);
  } else if (lhsFull && rhsFull) {
    Value p = b.create<linalg::BatchMatmulOp>(
                   loc, ValueRange{flat(lhs, {outBatch, m, k}), flat(rhs, {outBatch, k, n})},
                   flat(zero, {outBatch, m, n}))
                  .getResult(0);
    product = reshapeTo(b, loc, p, outType);
  } else {
    MLIRContext *ctx = b.getContext();
    unsigned loops = batchRank + 3; // batch..., m, n, k
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    auto operandMap = [&](ArrayRef<int64_t> shape, AffineExpr r0,
                          AffineExpr r1) {
      SmallVector<AffineExpr> exprs;
      int64_t offset = batchRank - (shape.size() - 2);
      for (size_t i = 0; i + 2 < shape.size(); ++i)
        exprs.push_back(shape[i] == 1 && outShape[offset + i] != 1
                            ? getAffineConstantExpr(0, ctx)
                            : d(offset + i));
      exprs.push_back(r0);
      exprs.push_back(r1);
      return AffineMap::get(loops, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (unsigned i = 0; i < batchRank + 2; ++i)
      outExprs.push_back(d(i));
    SmallVector<AffineMap> maps = {
        operandMap(ls, d(batchRank), d(batchRank + 2)),
        operandMap(rs, d(batchRank + 2), d(batchRank + 1)),
        AffineMap::get(loops, 0, outExprs, ctx)};
    auto iters = parallel(loops);
    iters.back() = utils::IteratorType::reduction;
    product = b.create<linalg::GenericOp>(
                   loc, outType, ValueRange{lhs, rhs}, zero, maps, iters,
                   [&](OpBuilder &nb, Location nl, ValueRange a) {
                     Value p = mul(nb, nl, a[0], a[1]);
                     nb.create<linalg::YieldOp>(nl, add(nb, nl, a[2], p));
                   })
                  .getResult(0);
  }
  return reshapeTo(b, loc, product, resultType);
}

struct MatMulLowering : OpConversionPattern<MatMulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, buildMatMul(rewriter, op.getLoc(), adaptor.getLhs(),
                                       adaptor.getRhs(), op.getType()));
    return success();
  }
};

struct GemmLowering : OpConversionPattern<GemmOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GemmOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto transpose = [&](Value v) -> Value {
      auto t = cast<RankedTensorType>(v.getType());
      Value init = rewriter.create<tensor::EmptyOp>(
          loc, ArrayRef<int64_t>{t.getDimSize(1), t.getDimSize(0)},
          t.getElementType());
      return rewriter
          .create<linalg::TransposeOp>(loc, v, init, ArrayRef<int64_t>{1, 0})
          .getResult()[0];
    };
    Value a = op.getTransA() ? transpose(adaptor.getA()) : adaptor.getA();
    Value bm = op.getTransB() ? transpose(adaptor.getB()) : adaptor.getB();
    RankedTensorType type = op.getType();
    Value product = buildMatMul(rewriter, loc, a, bm, type);
    double alpha = op.getAlpha().convertToDouble();
    double beta = op.getBeta().convertToDouble();
    Value c = adaptor.getC();
    if (alpha == 1.0 && (!c || beta == 0.0)) {
      rewriter.replaceOp(op, product);
      return success();
    }
    SmallVector<Value> inputs{product};
    if (c && beta != 0.0)
      inputs.push_back(c);
    Value result = buildElementwise(
        rewriter, loc, type, inputs,
        [&](OpBuilder &b, Location l, ValueRange v) {
          Value r = v[0];
          if (alpha != 1.0)
            r = mul(b, l, r, scalarConst(b, l, r.getType(), alpha));
          if (v.size() > 1) {
            Value cv = v[1];
            if (beta != 1.0)
              cv = mul(b, l, cv, scalarConst(b, l, cv.getType(), beta));
            r = add(b, l, r, cv);
          }
          return r;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void qcc::populateQnnMatMulToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulLowering, GemmLowering>(patterns.getContext());
}
