//===- PrepareQuantization.cpp - float ops into quantizable forms ---------===//
//
// qcc-prepare-quantization: rewrites that keep what the float model
// computes but spell it as ops the quantizer covers, so that calibration
// measures the tensors the quantized model will have. Gemm layers (as
// exporters write Linear and LSTM gates) become matmul + bias; reductions
// over extent-1 axes (a mean over one element) become reshapes.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_PREPAREQUANTIZATION
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

std::optional<SmallVector<float>> constantFloats(Value v) {
  DenseElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)) || !attr.getElementType().isF32())
    return std::nullopt;
  auto values = attr.getValues<float>();
  return SmallVector<float>(values.begin(), values.end());
}

/// gemm(A, B, C) with a constant B: matmul(op(A), alpha * op(B)) + beta * C.
struct GemmToMatMul : OpRewritePattern<GemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GemmOp gemm,
                                PatternRewriter &rewriter) const override {
    auto bt = gemm.getB().getType();
    auto b = constantFloats(gemm.getB());
    if (!b || bt.getRank() != 2)
      return rewriter.notifyMatchFailure(gemm, "B is not a constant matrix");
    RankedTensorType type = gemm.getType();
    int64_t n = type.getDimSize(1);
    double alpha = gemm.getAlpha().convertToDouble();
    double beta = gemm.getBeta().convertToDouble();
    Value c = gemm.getC();
    auto cValues = constantFloats(c);
    if (c && !cValues && beta != 1.0)
      return rewriter.notifyMatchFailure(gemm, "scaled runtime C");

    Location loc = gemm.getLoc();
    // W[k, n] = alpha * op(B)[k, n].
    int64_t k = gemm.getTransB() ? bt.getDimSize(1) : bt.getDimSize(0);
    SmallVector<float> w(k * n);
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < n; ++j)
        w[i * n + j] = (float)(alpha * (gemm.getTransB() ? (*b)[j * k + i]
                                                         : (*b)[i * n + j]));
    auto wType = RankedTensorType::get({k, n}, rewriter.getF32Type());
    Value weight = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(wType, ArrayRef<float>(w)));
    Value a = gemm.getA();
    if (gemm.getTransA()) {
      auto at = gemm.getA().getType();
      a = rewriter.create<TransposeOp>(
          loc,
          RankedTensorType::get({at.getDimSize(1), at.getDimSize(0)},
                                at.getElementType()),
          a, rewriter.getDenseI64ArrayAttr({1, 0}));
    }
    Value y = rewriter.create<MatMulOp>(loc, type, a, weight);
    if (c) {
      Value addend = c;
      if (cValues) {
        // A C that varies along N only becomes a bias vector [N].
        auto ct = cast<RankedTensorType>(c.getType());
        bool isVector = ct.getNumElements() == n &&
                        (ct.getRank() == 1 || ct.getDimSize(0) == 1);
        bool isScalar = ct.getNumElements() == 1;
        SmallVector<float> scaled;
        for (float v : *cValues)
          scaled.push_back((float)(beta * v));
        RankedTensorType addType = ct;
        if (isScalar || isVector) {
          if (isScalar)
            scaled.resize(n, scaled[0]);
          addType = RankedTensorType::get({n}, rewriter.getF32Type());
        }
        addend = rewriter.create<arith::ConstantOp>(
            loc, DenseElementsAttr::get(addType, ArrayRef<float>(scaled)));
      }
      y = rewriter.create<AddOp>(loc, type, y, addend);
    }
    rewriter.replaceOp(gemm, y);
    return success();
  }
};

/// A reduction over axes of extent 1 reads each element once: for sum,
/// mean, max, min and prod that is the element itself.
struct UnitReduceToReshape : OpRewritePattern<ReduceOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReduceOp op,
                                PatternRewriter &rewriter) const override {
    ReduceKind kind = op.getKind();
    if (kind != ReduceKind::sum && kind != ReduceKind::mean &&
        kind != ReduceKind::max && kind != ReduceKind::min &&
        kind != ReduceKind::prod)
      return rewriter.notifyMatchFailure(op, "not an identity on one element");
    auto it = cast<RankedTensorType>(op.getInput().getType());
    if (op.getAxes().empty() ||
        llvm::any_of(op.getAxes(), [&](int64_t a) { return it.getDimSize(a) != 1; }))
      return rewriter.notifyMatchFailure(op, "reduces more than one element");
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput());
    return success();
  }
};

struct PrepareQuantizationPass
    : qcc::qnn::impl::PrepareQuantizationBase<PrepareQuantizationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GemmToMatMul, UnitReduceToReshape>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
