//===- FuseLayerNorm.cpp - decomposed layer normalization to one op -------===//
//
// qcc-fuse-layer-norm: exporters such as paddle2onnx write LayerNorm as
//   m = mean(x); c = x - m; v = mean(c^2); y = c / sqrt(v + eps) [* g] [+ b]
// over the trailing axes. As one qnn.layer_norm the quantizer sees a single
// op with one input and one output range (calibration and quantization
// points inside the decomposition would quantize the statistics to 8 bits),
// and qcc-integerize can give it an exact integer form.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_FUSELAYERNORM
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// The value of a one-element float constant.
std::optional<double> scalarConstant(Value v) {
  DenseElementsAttr c;
  if (!matchPattern(v, m_Constant(&c)) || c.getNumElements() != 1 ||
      !isa<FloatType>(c.getElementType()))
    return std::nullopt;
  return (*c.getValues<APFloat>().begin()).convertToDouble();
}

/// A keepdims mean over the trailing axes `axis ..` of its input, or null.
ReduceOp trailingMean(Value v, int64_t &axis) {
  auto r = v.getDefiningOp<ReduceOp>();
  if (!r || r.getKind() != ReduceKind::mean || !r.getKeepdims())
    return {};
  int64_t rank = r.getInput().getType().getRank();
  ArrayRef<int64_t> axes = r.getAxes();
  if (axes.empty() || axes.back() != rank - 1)
    return {};
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1)
      return {};
  axis = axes.front();
  return r;
}

/// The other operand of a binary op whose one side is `v`.
template <typename BinOp>
Value otherSide(BinOp op, Value v) {
  if (op.getLhs() == v)
    return op.getRhs();
  if (op.getRhs() == v)
    return op.getLhs();
  return {};
}

/// A constant that broadcasts to the normalized axes (and not beyond).
bool isAffineConstant(Value v, ArrayRef<int64_t> norm) {
  if (!matchPattern(v, m_Constant()))
    return false;
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() > (int64_t)norm.size())
    return false;
  auto shape = t.getShape();
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = norm[norm.size() - shape.size() + i];
    if (shape[i] != 1 && shape[i] != d)
      return false;
  }
  return true;
}

/// Rooted at the division c / sqrt(v + eps).
struct FuseDecomposedLayerNorm : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DivOp div,
                                PatternRewriter &rewriter) const override {
    auto centered = div.getLhs().getDefiningOp<SubOp>();
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    if (!centered || !sqrt)
      return rewriter.notifyMatchFailure(div, "not (x - m) / sqrt(...)");
    Value x = centered.getLhs();
    int64_t axis = -1, axis2 = -1;
    ReduceOp mean = trailingMean(centered.getRhs(), axis);
    if (!mean || mean.getInput() != x)
      return rewriter.notifyMatchFailure(div, "x - mean(x) not found");
    auto addEps = sqrt.getInput().getDefiningOp<AddOp>();
    if (!addEps)
      return failure();
    std::optional<double> eps;
    ReduceOp var;
    for (Value side : {addEps.getLhs(), addEps.getRhs()}) {
      if (auto e = scalarConstant(side))
        eps = e;
      else
        var = trailingMean(side, axis2);
    }
    if (!eps || !var || axis2 != axis || *eps < 0)
      return rewriter.notifyMatchFailure(div, "mean(c^2) + eps not found");
    Value sq = var.getInput();
    bool squares = false;
    if (auto pow = sq.getDefiningOp<PowOp>()) {
      auto p = scalarConstant(pow.getRhs());
      squares = pow.getLhs() == centered.getResult() && p && *p == 2.0;
    } else if (auto mul = sq.getDefiningOp<MulOp>()) {
      squares = mul.getLhs() == centered.getResult() &&
                mul.getRhs() == centered.getResult();
    }
    if (!squares)
      return rewriter.notifyMatchFailure(div, "variance is not mean(c^2)");
    auto xt = cast<RankedTensorType>(x.getType());
    if (div.getType() != xt || !xt.hasStaticShape() ||
        !isa<FloatType>(xt.getElementType()))
      return failure();

    // Optional affine part: * gamma, then + beta (constants on the
    // normalized axes), each only if the normalized value has no other use.
    ArrayRef<int64_t> norm = xt.getShape().drop_front(axis);
    Value root = div.getResult(), gamma, beta;
    if (root.hasOneUse())
      if (auto mul = dyn_cast<MulOp>(*root.getUsers().begin()))
        if (Value g = otherSide(mul, root); g && isAffineConstant(g, norm) &&
                                            mul.getType() == xt) {
          gamma = g;
          root = mul.getResult();
        }
    if (root.hasOneUse())
      if (auto add = dyn_cast<AddOp>(*root.getUsers().begin()))
        if (Value b = otherSide(add, root); b && isAffineConstant(b, norm) &&
                                            add.getType() == xt) {
          beta = b;
          root = add.getResult();
        }
    Operation *rootOp = root.getDefiningOp();
    rewriter.setInsertionPoint(rootOp);
    Location loc = rootOp->getLoc();
    if (!gamma) {
      auto ones = RankedTensorType::get({norm.back()}, xt.getElementType());
      gamma = rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(ones, rewriter.getFloatAttr(xt.getElementType(), 1.0)));
    }
    Value ln = rewriter.create<LayerNormOp>(loc, xt, x, gamma, beta,
                                            rewriter.getI64IntegerAttr(axis),
                                            rewriter.getF64FloatAttr(*eps));
    rewriter.replaceOp(rootOp, ln);
    return success();
  }
};

struct FuseLayerNormPass
    : qcc::qnn::impl::FuseLayerNormBase<FuseLayerNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseDecomposedLayerNorm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
