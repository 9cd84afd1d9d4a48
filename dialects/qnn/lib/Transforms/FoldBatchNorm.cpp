//===- FoldBatchNorm.cpp - fold batch norm into convolution ---------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_FOLDBATCHNORM
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

std::optional<std::vector<float>> constantFloats(Value v) {
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) ||
      !attr.getElementType().isF32())
    return std::nullopt;
  auto values = attr.getValues<float>();
  return std::vector<float>(values.begin(), values.end());
}

struct FoldBatchNormIntoConv : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv");
    auto w = constantFloats(conv.getWeight());
    auto scale = constantFloats(bn.getScale());
    auto shift = constantFloats(bn.getBias());
    auto mean = constantFloats(bn.getMean());
    auto var = constantFloats(bn.getVariance());
    if (!w || !scale || !shift || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "parameters are not f32 constants");
    int64_t filters = scale->size();
    std::vector<float> bias(filters, 0.f);
    if (conv.getBias()) {
      auto b = constantFloats(conv.getBias());
      if (!b)
        return rewriter.notifyMatchFailure(bn, "conv bias is not constant");
      bias = *b;
    }
    double eps = bn.getEpsilon().convertToDouble();
    int64_t perFilter = w->size() / filters;
    for (int64_t f = 0; f < filters; ++f) {
      double k = (*scale)[f] / std::sqrt((double)(*var)[f] + eps);
      for (int64_t i = 0; i < perFilter; ++i)
        (*w)[f * perFilter + i] = (float)((*w)[f * perFilter + i] * k);
      bias[f] = (float)((bias[f] - (*mean)[f]) * k + (*shift)[f]);
    }
    Location loc = conv.getLoc();
    auto wType = conv.getWeight().getType();
    Value newW = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(wType, ArrayRef<float>(*w)));
    Value newB = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 RankedTensorType::get({filters}, rewriter.getF32Type()),
                 ArrayRef<float>(bias)));
    auto folded = rewriter.create<ConvOp>(
        loc, conv.getType(), conv.getInput(), newW, newB, conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

struct FoldBatchNormPass
    : qcc::qnn::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
