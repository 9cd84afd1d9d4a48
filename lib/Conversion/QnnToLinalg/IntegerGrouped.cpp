//===- IntegerGrouped.cpp - grouped integer products to linalg ------------===//
//
// qnn.matmul_grouped_integer and qnn.conv_grouped_integer as one
// linalg.generic each (convolutions through im2col rows):
//
//   out[i, j] = sum_k sc[j, k / g] * (X[i, k] - xZp) * (W[j, k] - zp[j, k / g])
//
// exact in int32, tagged `qcc.qgemm_grouped` so that the ukernel conversion
// packs the constant codes and calls the runtime's grouped sub-byte GEMM.
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"

#include "Utils.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

/// The grouped product over X [I, K] and codes W [J, K] with sub-scales and
/// zero points [J, K / group], into i32 [I, J] (or [J, I] when
/// `transposedOut`).
Value buildGroupedQGemm(OpBuilder &b, Location loc, Value x, bool xUnsigned,
                        int64_t xZp, Value w, bool wUnsigned, Value subScales,
                        Value zps, int64_t group, bool transposedOut) {
  MLIRContext *ctx = b.getContext();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t rows = xt.getDimSize(0), cols = wt.getDimSize(0);
  Type i32 = b.getI32Type();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // A splat sub-scale or zero point (one group per row usually has sub-scale
  // 1) lives in the body and the tag: linalg's fusion would fold it there
  // anyway, dropping the tag with the operand.
  auto splatOf = [&](Value v, bool isUnsigned) -> std::optional<int64_t> {
    DenseElementsAttr dense;
    if (!matchPattern(v, m_Constant(&dense)) || !dense.isSplat())
      return std::nullopt;
    APInt i = dense.getSplatValue<APInt>();
    return isUnsigned ? (int64_t)i.getZExtValue() : i.getSExtValue();
  };
  std::optional<int64_t> splatScale = splatOf(subScales, false);
  std::optional<int64_t> splatZp = splatOf(zps, wUnsigned);
  AffineMap perGroup = AffineMap::get(3, 0, {d(1), d(2).floorDiv(group)}, ctx);
  if (wt.getDimSize(1) == group) {
    // One group per row: parameters per row, without a unit axis that
    // unit-extent folding would rewrite (and untag) the generic over.
    perGroup = AffineMap::get(3, 0, {d(1)}, ctx);
    auto vec = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      return reshapeTo(b, loc, v, RankedTensorType::get({cols}, t.getElementType()));
    };
    subScales = vec(subScales);
    zps = vec(zps);
  }
  SmallVector<Value> inputs{x, w};
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                              AffineMap::get(3, 0, {d(1), d(2)}, ctx)};
  if (!splatScale) {
    inputs.push_back(subScales);
    maps.push_back(perGroup);
  }
  if (!splatZp) {
    inputs.push_back(zps);
    maps.push_back(perGroup);
  }
  maps.push_back(transposedOut ? AffineMap::get(3, 0, {d(1), d(0)}, ctx)
                               : AffineMap::get(3, 0, {d(0), d(1)}, ctx));
  SmallVector<int64_t> outShape =
      transposedOut ? SmallVector<int64_t>{cols, rows}
                    : SmallVector<int64_t>{rows, cols};
  auto outType = RankedTensorType::get(outShape, i32);
  Value init =
      filledTensor(b, loc, outType, b.create<arith::ConstantIntOp>(loc, i32, 0));
  auto iters = parallel(3);
  iters[2] = utils::IteratorType::reduction;
  auto widen = [&](OpBuilder &nb, Location l, Value v, bool isUnsigned) -> Value {
    if (isUnsigned)
      return nb.create<arith::ExtUIOp>(l, i32, v);
    return nb.create<arith::ExtSIOp>(l, i32, v);
  };
  auto generic = b.create<linalg::GenericOp>(
      loc, outType, inputs, init, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange a) {
        unsigned next = 2;
        Value sc = splatScale
                       ? nb.create<arith::ConstantIntOp>(l, i32, *splatScale).getResult()
                       : a[next++];
        Value zp = splatZp
                       ? nb.create<arith::ConstantIntOp>(l, i32, *splatZp).getResult()
                       : widen(nb, l, a[next++], wUnsigned);
        Value xv = nb.create<arith::SubIOp>(
            l, widen(nb, l, a[0], xUnsigned),
            nb.create<arith::ConstantIntOp>(l, i32, xZp));
        Value wv = nb.create<arith::SubIOp>(l, widen(nb, l, a[1], wUnsigned), zp);
        Value p = nb.create<arith::MulIOp>(l, sc, nb.create<arith::MulIOp>(l, xv, wv));
        nb.create<linalg::YieldOp>(
            l, ValueRange{nb.create<arith::AddIOp>(l, a.back(), p)});
      });
  unsigned bits = wt.getElementType().getIntOrFloatBitWidth();
  SmallVector<NamedAttribute> tag{
      b.getNamedAttr("x_zp", b.getI64IntegerAttr(xZp)),
      b.getNamedAttr("x_unsigned", b.getBoolAttr(xUnsigned)),
      b.getNamedAttr("w_unsigned", b.getBoolAttr(wUnsigned)),
      b.getNamedAttr("bits", b.getI64IntegerAttr(bits)),
      b.getNamedAttr("group", b.getI64IntegerAttr(group))};
  if (splatScale)
    tag.push_back(b.getNamedAttr("sub_scale", b.getI64IntegerAttr(*splatScale)));
  if (splatZp)
    tag.push_back(b.getNamedAttr("w_zp", b.getI64IntegerAttr(*splatZp)));
  generic->setAttr("qcc.qgemm_grouped", b.getDictionaryAttr(tag));
  return generic.getResult(0);
}

/// Adds an i32 bias along `axis` of `acc`.
Value addGroupedBias(OpBuilder &b, Location loc, Value acc, Value bias,
                     int64_t axis) {
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

struct MatMulGroupedIntegerLowering
    : OpConversionPattern<MatMulGroupedIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatMulGroupedIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto at = cast<RankedTensorType>(adaptor.getA().getType());
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    int64_t k = wt.getDimSize(1);
    Value a = reshapeTo(rewriter, loc, adaptor.getA(),
                        RankedTensorType::get({at.getNumElements() / k, k},
                                              at.getElementType()));
    Value acc = buildGroupedQGemm(
        rewriter, loc, a, isOperandUnsigned(op, 0), op.getAZp(),
        adaptor.getWeight(), isOperandUnsigned(op, 1), adaptor.getSubScales(),
        adaptor.getWZp(), op.getGroupSize(), /*transposedOut=*/false);
    acc = addGroupedBias(rewriter, loc, acc, adaptor.getBias(), 1);
    rewriter.replaceOp(
        op, reshapeTo(rewriter, loc, acc, cast<RankedTensorType>(op.getType())));
    return success();
  }
};

struct ConvGroupedIntegerLowering : OpConversionPattern<ConvGroupedIntegerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConvGroupedIntegerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto wt = cast<RankedTensorType>(adaptor.getWeight().getType());
    auto ot = cast<RankedTensorType>(op.getType());
    bool xUnsigned = isOperandUnsigned(op, 0);
    Value input = padWithZeroPoint(rewriter, loc, adaptor.getInput(),
                                   op.getPads(), op.getXZp(), xUnsigned);
    auto it = cast<RankedTensorType>(input.getType());
    int64_t filters = wt.getDimSize(0), k = wt.getNumElements() / filters;
    Value w = reshapeTo(rewriter, loc, adaptor.getWeight(),
                        RankedTensorType::get({filters, k}, wt.getElementType()));
    Type i32 = rewriter.getI32Type();
    // One im2col product per batch element, written into its slice.
    SmallVector<int64_t> sliceShape(ot.getShape());
    sliceShape[0] = 1;
    SmallVector<int64_t> inSlice(it.getShape());
    inSlice[0] = 1;
    Value result = rewriter.create<tensor::EmptyOp>(loc, ot.getShape(), i32);
    int64_t rank = ot.getRank();
    for (int64_t n = 0; n < it.getDimSize(0); ++n) {
      SmallVector<OpFoldResult> inOffsets(rank, rewriter.getIndexAttr(0)),
          ones(rank, rewriter.getIndexAttr(1)), inSizes, outSizes;
      inOffsets[0] = rewriter.getIndexAttr(n);
      for (int64_t s : inSlice)
        inSizes.push_back(rewriter.getIndexAttr(s));
      for (int64_t s : sliceShape)
        outSizes.push_back(rewriter.getIndexAttr(s));
      Value x = it.getDimSize(0) == 1
                    ? input
                    : rewriter.create<tensor::ExtractSliceOp>(
                          loc, RankedTensorType::get(inSlice, it.getElementType()),
                          input, inOffsets, inSizes, ones);
      Value cols = im2colRows(rewriter, loc, x, wt.getShape().drop_front(2),
                              ot.getShape().drop_front(2), op.getStrides(),
                              op.getDilations());
      Value acc = buildGroupedQGemm(
          rewriter, loc, cols, xUnsigned, op.getXZp(), w,
          isOperandUnsigned(op, 1), adaptor.getSubScales(), adaptor.getWZp(),
          op.getGroupSize(), /*transposedOut=*/true);
      acc = reshapeTo(rewriter, loc, acc, RankedTensorType::get(sliceShape, i32));
      if (it.getDimSize(0) == 1) {
        result = acc;
        break;
      }
      result = rewriter.create<tensor::InsertSliceOp>(loc, acc, result,
                                                      inOffsets, outSizes, ones);
    }
    result = addGroupedBias(rewriter, loc, result, adaptor.getBias(), 1);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void qcc::populateQnnIntegerGroupedToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MatMulGroupedIntegerLowering, ConvGroupedIntegerLowering>(
      patterns.getContext());
}
