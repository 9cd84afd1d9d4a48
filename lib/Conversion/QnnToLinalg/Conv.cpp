//===- Conv.cpp - qnn convolutions and batch norm to linalg ---------------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

/// Reshape a per-channel vector to broadcast along axis 1 of a rank-`rank`
/// tensor: (C) -> (1, C, 1, ...).
Value channelVector(OpBuilder &b, Location loc, Value v, int64_t rank) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(rank, 1);
  shape[1] = t.getDimSize(0);
  return reshapeTo(b, loc, v, RankedTensorType::get(shape, t.getElementType()));
}

/// Zero (or `padValue`) padding of the spatial axes of an NC... tensor.
Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> begin, ArrayRef<int64_t> end,
                 Value padValue) {
  if (llvm::all_of(begin, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(end, [](int64_t p) { return p == 0; }))
    return input;
  auto t = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> lo{0, 0}, hi{0, 0}, shape(t.getShape());
  for (size_t i = 0; i < begin.size(); ++i) {
    lo.push_back(begin[i]);
    hi.push_back(end[i]);
    shape[2 + i] += begin[i] + end[i];
  }
  auto type = RankedTensorType::get(shape, t.getElementType());
  return padTensor(b, loc, type, input, lo, hi, padValue);
}

} // namespace

namespace qcc::lowering {
Value buildGroupedConv(OpBuilder &b, Location loc, Value input, Value weight,
                       Value init, ArrayRef<int64_t> strides,
                       ArrayRef<int64_t> dilations, int64_t group,
                       Value perFilter, ConvBodyFn body) {
  auto it = cast<RankedTensorType>(input.getType());
  auto wt = cast<RankedTensorType>(weight.getType());
  auto ot = cast<RankedTensorType>(init.getType());
  int64_t spatial = it.getRank() - 2;
  int64_t cg = wt.getDimSize(1), fg = wt.getDimSize(0) / group;

  SmallVector<int64_t> inShape{it.getDimSize(0), group, cg};
  SmallVector<int64_t> wShape{group, fg, cg};
  SmallVector<int64_t> outShape{ot.getDimSize(0), group, fg};
  for (int64_t i = 0; i < spatial; ++i) {
    inShape.push_back(it.getDimSize(2 + i));
    wShape.push_back(wt.getDimSize(2 + i));
    outShape.push_back(ot.getDimSize(2 + i));
  }
  Value in = reshapeToGrouped(b, loc, input, inShape, it.getElementType());
  Value w = reshapeToGrouped(b, loc, weight, wShape, wt.getElementType());
  Value out = reshapeToGrouped(b, loc, init, outShape, ot.getElementType());

  // Loop order (N, G, F/G, C/G, K..., O...): the window reductions sit
  // outside the output's spatial loops, so the innermost loop walks
  // consecutive outputs and vectorizes (this path serves depthwise
  // convolutions, which have little else to vectorize over).
  MLIRContext *ctx = b.getContext();
  unsigned loops = 3 + 1 + 2 * spatial;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  unsigned cDim = 3, kDim = 4, oDim = 4 + spatial;
  SmallVector<AffineExpr> inE{d(0), d(1), d(cDim)}, wE{d(1), d(2), d(cDim)},
      outE{d(0), d(1), d(2)};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = d(oDim + i), k = d(kDim + i);
    inE.push_back(o * strides[i] + k * dilations[i]);
    wE.push_back(k);
    outE.push_back(o);
  }
  SmallVector<Value> inputs{in, w};
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inE, ctx),
                              AffineMap::get(loops, 0, wE, ctx)};
  if (perFilter) {
    // [F] -> [G, F/G], read per (group, filter).
    auto pt = cast<RankedTensorType>(perFilter.getType());
    inputs.push_back(reshapeToGrouped(b, loc, perFilter, {group, fg},
                                      pt.getElementType()));
    maps.push_back(AffineMap::get(loops, 0, {d(1), d(2)}, ctx));
  }
  maps.push_back(AffineMap::get(loops, 0, outE, ctx));
  auto iters = parallel(loops);
  for (unsigned i = cDim; i < oDim; ++i)
    iters[i] = utils::IteratorType::reduction;
  Value result =
      b.create<linalg::GenericOp>(
           loc, out.getType(), inputs, out, maps, iters,
           [&](OpBuilder &nb, Location nl, ValueRange a) {
             Value r = body ? body(nb, nl, a)
                            : add(nb, nl, a[2], mul(nb, nl, a[0], a[1]));
             nb.create<linalg::YieldOp>(nl, r);
           })
          .getResult(0);
  return reshapeTo(b, loc, result, ot);
}
} // namespace qcc::lowering

namespace {
} // namespace

namespace qcc::lowering {
Value reshapeToGrouped(OpBuilder &b, Location loc, Value v,
                       ArrayRef<int64_t> shape, Type et) {
  // Splitting axis 1 into (G, C/G) is a row-major reinterpretation.
  return reshapeTo(b, loc, v, RankedTensorType::get(shape, et));
}
} // namespace qcc::lowering

namespace {

Value initWithBias(OpBuilder &b, Location loc, RankedTensorType type,
                   Value bias) {
  Type et = type.getElementType();
  if (!bias)
    return filledTensor(b, loc, type, scalarConst(b, loc, et, 0));
  Value v = channelVector(b, loc, bias, type.getRank());
  return buildElementwise(b, loc, type, {v},
                          [](OpBuilder &, Location, ValueRange a) { return a[0]; });
}

/// Convolution as a matrix product for batch 1: the (padded) input is
/// unfolded into columns [G, C/G * K..., O...] (a free reshape for 1x1,
/// stride-1 kernels), and each group's filters [F/G, C/G * K...] multiply it
/// with linalg.matmul / linalg.batch_matmul, which CPU backends hand to
/// their GEMM kernels. Returns null when the direct form fits better
/// (batches > 1, or too few filters per group as in depthwise convolution).
Value buildIm2ColConv(OpBuilder &b, Location loc, Value input, Value weight,
                      Value init, ArrayRef<int64_t> strides,
                      ArrayRef<int64_t> dilations, int64_t group) {
  auto it = cast<RankedTensorType>(input.getType());
  auto wt = cast<RankedTensorType>(weight.getType());
  auto ot = cast<RankedTensorType>(init.getType());
  Type et = it.getElementType();
  int64_t spatial = it.getRank() - 2;
  int64_t cg = wt.getDimSize(1), fg = wt.getDimSize(0) / group;
  if (it.getDimSize(0) != 1 || fg < 4 || !isa<FloatType>(et))
    return nullptr;
  int64_t window = 1, outSize = 1;
  bool pointwise = true;
  SmallVector<int64_t> colShape{group, cg};
  for (int64_t i = 0; i < spatial; ++i) {
    window *= wt.getDimSize(2 + i);
    colShape.push_back(wt.getDimSize(2 + i));
    pointwise &= wt.getDimSize(2 + i) == 1 && strides[i] == 1 &&
                 it.getDimSize(2 + i) == ot.getDimSize(2 + i);
  }
  for (int64_t i = 0; i < spatial; ++i) {
    outSize *= ot.getDimSize(2 + i);
    colShape.push_back(ot.getDimSize(2 + i));
  }
  auto colType = RankedTensorType::get({group, cg * window, outSize}, et);
  Value col;
  if (pointwise) {
    col = reshapeTo(b, loc, input, colType);
  } else {
    MLIRContext *ctx = b.getContext();
    unsigned loops = 2 + 2 * spatial;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inE{getAffineConstantExpr(0, ctx), d(0) * cg + d(1)};
    for (int64_t i = 0; i < spatial; ++i)
      inE.push_back(d(2 + spatial + i) * strides[i] + d(2 + i) * dilations[i]);
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inE, ctx),
                                b.getMultiDimIdentityMap(loops)};
    Value empty = b.create<tensor::EmptyOp>(loc, colShape, et);
    Value unfolded =
        b.create<linalg::GenericOp>(loc, empty.getType(), input, empty, maps,
                                    parallel(loops),
                                    [](OpBuilder &nb, Location nl, ValueRange a) {
                                      nb.create<linalg::YieldOp>(nl, a[0]);
                                    })
            .getResult(0);
    col = reshapeTo(b, loc, unfolded, colType);
  }
  auto accType = RankedTensorType::get({group, fg, outSize}, et);
  Value acc = reshapeTo(b, loc, init, accType);
  Value w = reshapeTo(b, loc, weight,
                      RankedTensorType::get({group, fg, cg * window}, et));
  Value product;
  if (group == 1) {
    auto flat = [&](Value v, ArrayRef<int64_t> shape) {
      return reshapeTo(b, loc, v, RankedTensorType::get(shape, et));
    };
    product = b.create<linalg::MatmulOp>(
                   loc, ValueRange{flat(w, {fg, cg * window}),
                                   flat(col, {cg * window, outSize})},
                   flat(acc, {fg, outSize}))
                  .getResult(0);
  } else {
    product = b.create<linalg::BatchMatmulOp>(loc, ValueRange{w, col}, acc)
                  .getResult(0);
  }
  return reshapeTo(b, loc, product, ot);
}

struct ConvLowering : OpConversionPattern<ConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t spatial = type.getRank() - 2;
    ArrayRef<int64_t> pads = op.getPads();
    Type et = type.getElementType();
    Value input = padSpatial(rewriter, loc, adaptor.getInput(),
                             pads.take_front(spatial), pads.drop_front(spatial),
                             scalarConst(rewriter, loc, et, 0));
    Value init = initWithBias(rewriter, loc, type, adaptor.getBias());
    if (Value gemm = buildIm2ColConv(rewriter, loc, input, adaptor.getWeight(),
                                     init, op.getStrides(), op.getDilations(),
                                     op.getGroup())) {
      rewriter.replaceOp(op, gemm);
      return success();
    }
    rewriter.replaceOp(op, buildGroupedConv(rewriter, loc, input,
                                            adaptor.getWeight(), init,
                                            op.getStrides(), op.getDilations(),
                                            op.getGroup()));
    return success();
  }
};

/// Transposed convolution = stride-1 convolution of the zero-interleaved,
/// fully padded input with the spatially flipped, channel-swapped weights;
/// the requested window of that full result is then cut out.
struct ConvTransposeLowering : OpConversionPattern<ConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    auto it = cast<RankedTensorType>(adaptor.getInput().getType());
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    Type et = type.getElementType();
    int64_t spatial = type.getRank() - 2, group = op.getGroup();
    int64_t c = it.getDimSize(1), cg = c / group, fg = wt.getDimSize(1);
    ArrayRef<int64_t> strides = op.getStrides(), dil = op.getDilations(),
                      pads = op.getPads();
    Value zero = scalarConst(rewriter, loc, et, 0);

    // 1. Interleave zeros (stride) and pad fully by dilation * (k - 1).
    SmallVector<int64_t> fullShape(it.getShape()), offsets(it.getRank(), 0),
        steps(it.getRank(), 1), fullOut(type.getShape());
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = it.getDimSize(2 + i), k = wt.getDimSize(2 + i);
      int64_t edge = dil[i] * (k - 1);
      int64_t full = (in - 1) * strides[i] + edge + 1;
      int64_t extra = std::max<int64_t>(0, pads[i] + type.getDimSize(2 + i) - full);
      fullOut[2 + i] = full + extra;
      fullShape[2 + i] = (in - 1) * strides[i] + 1 + 2 * edge + extra;
      offsets[2 + i] = edge;
      steps[2 + i] = strides[i];
    }
    auto fullType = RankedTensorType::get(fullShape, et);
    Value canvas = filledTensor(rewriter, loc, fullType, zero);
    SmallVector<int64_t> sizes(it.getShape());
    Value spread = rewriter.create<tensor::InsertSliceOp>(
        loc, adaptor.getInput(), canvas, ValueRange{}, ValueRange{}, ValueRange{},
        offsets, sizes, steps);

    // 2. W'[g*Fg + f, c, k] = W[g*Cg + c, f, K-1-k].
    SmallVector<int64_t> wgShape{group, cg, fg}, flipShape{group, fg, cg};
    for (int64_t i = 0; i < spatial; ++i) {
      wgShape.push_back(wt.getDimSize(2 + i));
      flipShape.push_back(wt.getDimSize(2 + i));
    }
    Value wg = reshapeToGrouped(rewriter, loc, adaptor.getWeight(), wgShape, et);
    unsigned loops = 3 + spatial;
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> inE{d(0), d(2), d(1)};
    for (int64_t i = 0; i < spatial; ++i)
      inE.push_back(getAffineConstantExpr(wt.getDimSize(2 + i) - 1, ctx) - d(3 + i));
    SmallVector<AffineMap> maps{AffineMap::get(loops, 0, inE, ctx),
                                rewriter.getMultiDimIdentityMap(loops)};
    Value flipInit = rewriter.create<tensor::EmptyOp>(loc, flipShape, et);
    Value flipped =
        rewriter
            .create<linalg::GenericOp>(
                loc, flipInit.getType(), wg, flipInit, maps, parallel(loops),
                [](OpBuilder &nb, Location nl, ValueRange a) {
                  nb.create<linalg::YieldOp>(nl, a[0]);
                })
            .getResult(0);
    SmallVector<int64_t> convW{group * fg, cg};
    for (int64_t i = 0; i < spatial; ++i)
      convW.push_back(wt.getDimSize(2 + i));
    Value w = reshapeTo(rewriter, loc, flipped, RankedTensorType::get(convW, et));

    // 3. Stride-1 dilated convolution, then the window the op asked for.
    auto fullOutType = RankedTensorType::get(fullOut, et);
    Value init = initWithBias(rewriter, loc, fullOutType, adaptor.getBias());
    SmallVector<int64_t> ones(spatial, 1);
    Value conv = buildIm2ColConv(rewriter, loc, spread, w, init, ones, dil, group);
    if (!conv)
      conv = buildGroupedConv(rewriter, loc, spread, w, init, ones, dil, group);
    SmallVector<int64_t> cropOff(type.getRank(), 0), cropStep(type.getRank(), 1);
    for (int64_t i = 0; i < spatial; ++i)
      cropOff[2 + i] = pads[i];
    Value result = rewriter.create<tensor::ExtractSliceOp>(
        loc, type, conv, ValueRange{}, ValueRange{}, ValueRange{}, cropOff,
        type.getShape(), cropStep);
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BatchNormLowering : OpConversionPattern<BatchNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BatchNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = op.getType().getRank();
    double eps = op.getEpsilon().convertToDouble();
    SmallVector<Value> inputs{adaptor.getInput()};
    for (Value v : {adaptor.getScale(), adaptor.getBias(), adaptor.getMean(),
                    adaptor.getVariance()})
      inputs.push_back(channelVector(rewriter, loc, v, rank));
    Value result = buildElementwise(
        rewriter, loc, op.getType(), inputs,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value e = scalarConst(b, l, a[0].getType(), eps);
          Value inv = b.create<math::SqrtOp>(l, b.create<arith::AddFOp>(l, a[4], e));
          Value centered = b.create<arith::SubFOp>(l, a[0], a[3]);
          Value norm = b.create<arith::DivFOp>(l, centered, inv);
          return b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, norm, a[1]),
                                         a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void qcc::populateQnnConvToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ConvLowering, ConvTransposeLowering, BatchNormLowering>(
      patterns.getContext());
}
