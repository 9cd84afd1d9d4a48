//===- DataMovement.cpp - qnn shape and data-movement ops to linalg -------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType type = op.getType();
    Value init = rewriter.create<tensor::EmptyOp>(op.getLoc(), type.getShape(),
                                                  type.getElementType());
    rewriter.replaceOp(op, rewriter
                               .create<linalg::TransposeOp>(
                                   op.getLoc(), adaptor.getInput(), init, op.getPerm())
                               .getResult()[0]);
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, reshapeTo(rewriter, op.getLoc(), adaptor.getInput(),
                                     op.getType()));
    return success();
  }
};

struct ConcatLowering : OpConversionPattern<ConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    int64_t axis = op.getAxis();
    Value result = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                    type.getElementType());
    int64_t offset = 0;
    for (Value in : adaptor.getInputs()) {
      auto t = cast<RankedTensorType>(in.getType());
      SmallVector<int64_t> offsets(type.getRank(), 0), strides(type.getRank(), 1);
      offsets[axis] = offset;
      offset += t.getDimSize(axis);
      if (t.getNumElements() == 0)
        continue;
      result = rewriter.create<tensor::InsertSliceOp>(
          loc, in, result, ValueRange{}, ValueRange{}, ValueRange{}, offsets,
          t.getShape(), strides);
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// A strided slice reads input[start + i * step] per axis; an affine input
/// map expresses it for positive and negative steps alike.
struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    if (llvm::all_of(op.getSteps(), [](int64_t s) { return s > 0; })) {
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(
          op, type, adaptor.getInput(), ValueRange{}, ValueRange{}, ValueRange{},
          op.getStarts(), type.getShape(), op.getSteps());
      return success();
    }
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> exprs;
    for (auto [i, start, step] :
         llvm::enumerate(op.getStarts(), op.getSteps()))
      exprs.push_back(getAffineDimExpr(i, ctx) * step + start);
    SmallVector<AffineMap> maps{AffineMap::get(type.getRank(), 0, exprs, ctx),
                                rewriter.getMultiDimIdentityMap(type.getRank())};
    Value init = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                  type.getElementType());
    rewriter.replaceOp(
        op, rewriter
                .create<linalg::GenericOp>(
                    loc, type, adaptor.getInput(), init, maps,
                    parallel(type.getRank()),
                    [](OpBuilder &b, Location l, ValueRange a) {
                      b.create<linalg::YieldOp>(l, a[0]);
                    })
                .getResult(0));
    return success();
  }
};

/// Index arithmetic on `index` values.
Value idxConst(OpBuilder &b, Location loc, int64_t v) {
  return b.create<arith::ConstantIndexOp>(loc, v);
}

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    Value input = adaptor.getInput();
    auto it = cast<RankedTensorType>(input.getType());
    auto idxT = cast<RankedTensorType>(adaptor.getIndices().getType());
    int64_t axis = op.getAxis(), q = idxT.getRank();
    SmallVector<AffineExpr> idxE;
    for (int64_t i = 0; i < q; ++i)
      idxE.push_back(getAffineDimExpr(axis + i, ctx));
    SmallVector<AffineMap> maps{AffineMap::get(type.getRank(), 0, idxE, ctx),
                                rewriter.getMultiDimIdentityMap(type.getRank())};
    Value init = rewriter.create<tensor::EmptyOp>(loc, type.getShape(),
                                                  type.getElementType());
    int64_t dim = it.getDimSize(axis);
    rewriter.replaceOp(
        op, rewriter
                .create<linalg::GenericOp>(
                    loc, type, adaptor.getIndices(), init, maps,
                    parallel(type.getRank()),
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      Value i = b.create<arith::IndexCastOp>(l, b.getIndexType(), a[0]);
                      // Negative indices count from the end; out-of-range
                      // ones are clamped so a bad index cannot read wild
                      // memory.
                      Value neg = b.create<arith::CmpIOp>(
                          l, arith::CmpIPredicate::slt, i, idxConst(b, l, 0));
                      i = b.create<arith::SelectOp>(
                          l, neg, b.create<arith::AddIOp>(l, i, idxConst(b, l, dim)), i);
                      i = b.create<arith::MaxSIOp>(l, i, idxConst(b, l, 0));
                      i = b.create<arith::MinSIOp>(l, i, idxConst(b, l, dim - 1));
                      SmallVector<Value> coords;
                      for (int64_t d = 0; d < axis; ++d)
                        coords.push_back(b.create<linalg::IndexOp>(l, d));
                      coords.push_back(i);
                      for (int64_t d = axis + q; d < type.getRank(); ++d)
                        coords.push_back(b.create<linalg::IndexOp>(l, d));
                      b.create<linalg::YieldOp>(
                          l, b.create<tensor::ExtractOp>(l, input, coords).getResult());
                    })
                .getResult(0));
    return success();
  }
};

/// The block goes in with tensor.insert_slice at offsets read from the
/// offsets tensor and clamped so it fits; bufferization writes it in place
/// where the input's buffer may be reused.
struct UpdateSliceLowering : OpConversionPattern<UpdateSliceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UpdateSliceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    auto upd = cast<RankedTensorType>(adaptor.getUpdate().getType());
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      Value raw = rewriter.create<tensor::ExtractOp>(loc, adaptor.getOffsets(),
                                                     ValueRange{idxConst(rewriter, loc, d)});
      Value i = rewriter.create<arith::IndexCastOp>(loc, rewriter.getIndexType(), raw);
      i = rewriter.create<arith::MaxSIOp>(loc, i, idxConst(rewriter, loc, 0));
      i = rewriter.create<arith::MinSIOp>(
          loc, i, idxConst(rewriter, loc, type.getDimSize(d) - upd.getDimSize(d)));
      offsets.push_back(i);
      sizes.push_back(rewriter.getIndexAttr(upd.getDimSize(d)));
      strides.push_back(rewriter.getIndexAttr(1));
    }
    rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
        op, adaptor.getUpdate(), adaptor.getInput(), offsets, sizes, strides);
    return success();
  }
};

struct PadLowering : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PadOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    Value input = adaptor.getInput();
    auto it = cast<RankedTensorType>(input.getType());
    int64_t rank = type.getRank();
    ArrayRef<int64_t> pads = op.getPads();

    // Negative pads crop first; what remains is non-negative padding.
    SmallVector<int64_t> cropOff(rank, 0), cropSize(it.getShape()),
        ones(rank, 1), lo(rank), hi(rank);
    bool crop = false;
    for (int64_t i = 0; i < rank; ++i) {
      lo[i] = pads[i];
      hi[i] = pads[rank + i];
      if (lo[i] < 0) {
        cropOff[i] = -lo[i];
        cropSize[i] += lo[i];
        lo[i] = 0;
        crop = true;
      }
      if (hi[i] < 0) {
        cropSize[i] += hi[i];
        hi[i] = 0;
        crop = true;
      }
    }
    if (crop) {
      input = rewriter.create<tensor::ExtractSliceOp>(
          loc, RankedTensorType::get(cropSize, et), input, ValueRange{},
          ValueRange{}, ValueRange{}, cropOff, cropSize, ones);
      it = cast<RankedTensorType>(input.getType());
    }
    if (op.getMode() == PadMode::constant) {
      Value v = scalarConst(rewriter, loc, et, op.getValue().convertToDouble());
      if (llvm::any_of(lo, [](int64_t p) { return p; }) ||
          llvm::any_of(hi, [](int64_t p) { return p; }))
        input = padTensor(rewriter, loc, type, input, lo, hi, v);
      rewriter.replaceOp(op, input);
      return success();
    }
    PadMode mode = op.getMode();
    Value init = rewriter.create<tensor::EmptyOp>(loc, type.getShape(), et);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, type, ValueRange{}, init,
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        parallel(rank), [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> coords;
          for (int64_t d = 0; d < rank; ++d) {
            int64_t n = it.getDimSize(d);
            Value i = b.create<arith::SubIOp>(l, b.create<linalg::IndexOp>(l, d),
                                              idxConst(b, l, lo[d]));
            Value zero = idxConst(b, l, 0), last = idxConst(b, l, n - 1);
            if (mode == PadMode::edge) {
              i = b.create<arith::MaxSIOp>(l, i, zero);
              i = b.create<arith::MinSIOp>(l, i, last);
            } else if (mode == PadMode::reflect) {
              Value neg = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, i, zero);
              i = b.create<arith::SelectOp>(l, neg, b.create<arith::SubIOp>(l, zero, i), i);
              Value over = b.create<arith::CmpIOp>(l, arith::CmpIPredicate::sgt, i, last);
              Value mirrored = b.create<arith::SubIOp>(l, idxConst(b, l, 2 * (n - 1)), i);
              i = b.create<arith::SelectOp>(l, over, mirrored, i);
            } else {
              Value nn = idxConst(b, l, n);
              i = b.create<arith::RemSIOp>(l, b.create<arith::AddIOp>(
                                                  l, b.create<arith::RemSIOp>(l, i, nn), nn),
                                           nn);
            }
            coords.push_back(i);
          }
          b.create<linalg::YieldOp>(
              l, b.create<tensor::ExtractOp>(l, input, coords).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void qcc::populateQnnDataMovementToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering, ConcatLowering,
               SliceLowering, GatherLowering, UpdateSliceLowering,
               PadLowering>(patterns.getContext());
}
