//===- FoldBatchNorm.cpp - fold batch norm into (transposed) convolution ---===//

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

/// The same fold for a transposed convolution, whose weights are
/// C x F/group x K...: output channel g * F/group + f scales the slice
/// w[c, f, ...] of every input channel c of group g.
struct FoldBatchNormIntoConvTranspose : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp bn,
                                PatternRewriter &rewriter) const override {
    auto conv = bn.getInput().getDefiningOp<ConvTransposeOp>();
    if (!conv || !conv->hasOneUse())
      return rewriter.notifyMatchFailure(bn, "input is not a single-use conv_transpose");
    auto w = constantFloats(conv.getWeight());
    auto scale = constantFloats(bn.getScale());
    auto shift = constantFloats(bn.getBias());
    auto mean = constantFloats(bn.getMean());
    auto var = constantFloats(bn.getVariance());
    if (!w || !scale || !shift || !mean || !var)
      return rewriter.notifyMatchFailure(bn, "parameters are not f32 constants");
    auto wType = conv.getWeight().getType();
    int64_t filters = scale->size(), group = conv.getGroup();
    int64_t channels = wType.getDimSize(0), fg = wType.getDimSize(1);
    if (filters != fg * group)
      return rewriter.notifyMatchFailure(bn, "channel count mismatch");
    std::vector<float> bias(filters, 0.f);
    if (conv.getBias()) {
      auto b = constantFloats(conv.getBias());
      if (!b)
        return rewriter.notifyMatchFailure(bn, "conv_transpose bias is not constant");
      bias = *b;
    }
    double eps = bn.getEpsilon().convertToDouble();
    std::vector<double> k(filters);
    for (int64_t f = 0; f < filters; ++f) {
      k[f] = (*scale)[f] / std::sqrt((double)(*var)[f] + eps);
      bias[f] = (float)((bias[f] - (*mean)[f]) * k[f] + (*shift)[f]);
    }
    int64_t window = w->size() / (channels * fg), cg = channels / group;
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t f = 0; f < fg; ++f)
        for (int64_t i = 0; i < window; ++i) {
          float &v = (*w)[(c * fg + f) * window + i];
          v = (float)(v * k[(c / cg) * fg + f]);
        }
    Location loc = conv.getLoc();
    Value newW = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(wType, ArrayRef<float>(*w)));
    Value newB = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(
                 RankedTensorType::get({filters}, rewriter.getF32Type()),
                 ArrayRef<float>(bias)));
    auto folded = rewriter.create<ConvTransposeOp>(
        loc, conv.getType(), conv.getInput(), newW, newB, conv.getStridesAttr(),
        conv.getPadsAttr(), conv.getDilationsAttr(), conv.getGroupAttr());
    rewriter.replaceOp(bn, folded.getResult());
    rewriter.eraseOp(conv);
    return success();
  }
};

/// add(conv(x, w, b), c) with a constant c that varies along the channel
/// axis only ([1, F, 1, ...], [F, 1, ...] or one element) becomes
/// conv(x, w, b + c), for qnn.conv and qnn.conv_transpose alike (exporters
/// write transposed-convolution biases as such adds), so that a following
/// batch norm folds too and the quantizer sees one layer.
template <typename ConvLike>
struct FoldBiasAddIntoConv : OpRewritePattern<AddOp> {
  using OpRewritePattern<AddOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (int side = 0; side < 2; ++side) {
      auto conv = (side ? add.getRhs() : add.getLhs()).template getDefiningOp<ConvLike>();
      Value c = side ? add.getLhs() : add.getRhs();
      if (!conv || !conv->hasOneUse() || add.getType() != conv.getType())
        continue;
      auto values = constantFloats(c);
      auto ct = cast<RankedTensorType>(c.getType());
      int64_t filters = conv.getType().getDimSize(1), rank = conv.getType().getRank();
      // The channel axis of c once broadcast against the rank-`rank` result.
      int64_t channelAxis = 1 - (rank - ct.getRank());
      bool perChannel = values && (values->size() == 1 || values->size() == (size_t)filters);
      if (perChannel && values->size() > 1)
        perChannel = channelAxis >= 0 && ct.getDimSize(channelAxis) == filters;
      if (!perChannel)
        continue;
      std::vector<float> bias(filters, 0.f);
      if (conv.getBias()) {
        auto b = constantFloats(conv.getBias());
        if (!b)
          continue;
        bias = *b;
      }
      for (int64_t f = 0; f < filters; ++f)
        bias[f] += (*values)[values->size() == 1 ? 0 : f];
      Location loc = conv.getLoc();
      Value newB = rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(
                   RankedTensorType::get({filters}, rewriter.getF32Type()),
                   ArrayRef<float>(bias)));
      auto folded = rewriter.create<ConvLike>(
          loc, conv.getType(), conv.getInput(), conv.getWeight(), newB,
          conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
          conv.getGroupAttr());
      rewriter.replaceOp(add, folded.getResult());
      rewriter.eraseOp(conv);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not a conv plus a per-channel constant");
  }
};

struct FoldBatchNormPass
    : qcc::qnn::impl::FoldBatchNormBase<FoldBatchNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNormIntoConv, FoldBatchNormIntoConvTranspose,
                 FoldBiasAddIntoConv<ConvOp>,
                 FoldBiasAddIntoConv<ConvTransposeOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
