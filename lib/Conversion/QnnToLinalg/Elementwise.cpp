//===- Elementwise.cpp - qnn elementwise ops to linalg.generic ------------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/IR/Matchers.h"
#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

/// Scalar bodies of the binary operators, float or integer by operand type.
template <typename OpTy>
Value binaryBody(OpTy op, OpBuilder &b, Location loc, Value x, Value y);

#define FLOAT_INT_BODY(OP, FOP, IOP)                                           \
  template <>                                                                  \
  Value binaryBody(OP, OpBuilder &b, Location loc, Value x, Value y) {         \
    if (isFloat(x))                                                            \
      return b.create<FOP>(loc, x, y);                                         \
    return b.create<IOP>(loc, x, y);                                           \
  }
FLOAT_INT_BODY(AddOp, arith::AddFOp, arith::AddIOp)
FLOAT_INT_BODY(SubOp, arith::SubFOp, arith::SubIOp)
FLOAT_INT_BODY(MulOp, arith::MulFOp, arith::MulIOp)
#undef FLOAT_INT_BODY

template <>
Value binaryBody(DivOp op, OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return b.create<arith::DivFOp>(loc, x, y);
  if (hasUnsignedOperands(op))
    return b.create<arith::DivUIOp>(loc, x, y);
  return b.create<arith::DivSIOp>(loc, x, y);
}
template <>
Value binaryBody(MaxOp op, OpBuilder &b, Location loc, Value x, Value y) {
  return lowering::max(b, loc, x, y, hasUnsignedOperands(op));
}
template <>
Value binaryBody(MinOp op, OpBuilder &b, Location loc, Value x, Value y) {
  return lowering::min(b, loc, x, y, hasUnsignedOperands(op));
}
template <>
Value binaryBody(AndOp, OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::AndIOp>(loc, x, y);
}
template <>
Value binaryBody(OrOp, OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::OrIOp>(loc, x, y);
}
template <>
Value binaryBody(XorOp, OpBuilder &b, Location loc, Value x, Value y) {
  return b.create<arith::XOrIOp>(loc, x, y);
}
template <>
Value binaryBody(PowOp, OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return b.create<math::PowFOp>(loc, x, y);
  return b.create<math::IPowIOp>(loc, x, y);
}
template <>
Value binaryBody(ModOp op, OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return b.create<arith::RemFOp>(loc, x, y);
  if (hasUnsignedOperands(op))
    return b.create<arith::RemUIOp>(loc, x, y);
  Value r = b.create<arith::RemSIOp>(loc, x, y);
  if (op.getFmod())
    return r;
  // Python-style modulo: the result takes the divisor's sign.
  Value zero = scalarConst(b, loc, x.getType(), 0);
  Value rNonZero = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, r, zero);
  Value rNeg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, r, zero);
  Value yNeg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, y, zero);
  Value signsDiffer = b.create<arith::XOrIOp>(loc, rNeg, yNeg);
  Value fix = b.create<arith::AndIOp>(loc, rNonZero, signsDiffer);
  return b.create<arith::SelectOp>(loc, fix, b.create<arith::AddIOp>(loc, r, y), r);
}

template <typename OpTy>
struct BinaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    // x ** 2 and x ** 0.5 are common in normalization; avoid powf there.
    if constexpr (std::is_same_v<OpTy, PowOp>) {
      DenseElementsAttr dense;
      if (matchPattern(op.getRhs(), m_Constant(&dense)) && dense.isSplat() &&
          isa<FloatType>(dense.getElementType()) &&
          type.getShape() == op.getLhs().getType().getShape()) {
        double e = dense.getSplatValue<APFloat>().convertToDouble();
        if (e == 2.0 || e == 1.0 || e == 0.5) {
          rewriter.replaceOp(
              op, buildElementwise(rewriter, op.getLoc(), type, {adaptor.getLhs()},
                                   [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
                                     if (e == 2.0)
                                       return b.create<arith::MulFOp>(loc, a[0], a[0]);
                                     if (e == 0.5)
                                       return b.create<math::SqrtOp>(loc, a[0]);
                                     return a[0];
                                   }));
          return success();
        }
      }
    }
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return binaryBody(op, b, loc, a[0], a[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CompareLowering : OpConversionPattern<CompareOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CompareOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    CompareKind kind = op.getKind();
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), {adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          if (isFloat(a[0])) {
            arith::CmpFPredicate p[] = {
                arith::CmpFPredicate::OEQ, arith::CmpFPredicate::OLT,
                arith::CmpFPredicate::OLE, arith::CmpFPredicate::OGT,
                arith::CmpFPredicate::OGE};
            return b.create<arith::CmpFOp>(loc, p[(int)kind], a[0], a[1]);
          }
          bool isBool = a[0].getType().isInteger(1) || hasUnsignedOperands(op);
          arith::CmpIPredicate p[] = {
              arith::CmpIPredicate::eq,
              isBool ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt,
              isBool ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle,
              isBool ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt,
              isBool ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge};
          return b.create<arith::CmpIOp>(loc, p[(int)kind], a[0], a[1]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct WhereLowering : OpConversionPattern<WhereOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WhereOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Scalar bodies of the unary operators.
template <typename OpTy>
Value unaryBody(OpTy op, OpBuilder &b, Location loc, Value x);

Value cst(OpBuilder &b, Location loc, Value like, double v) {
  return scalarConst(b, loc, like.getType(), v);
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = cst(b, loc, x, 1.0);
  Value e = b.create<math::ExpOp>(loc, b.create<arith::NegFOp>(loc, x));
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
}

#define UNARY_BODY(OP) template <> Value unaryBody(OP op, OpBuilder &b, Location loc, Value x)
UNARY_BODY(ReluOp) {
  if (hasUnsignedOperands(op))
    return x;
  return lowering::max(b, loc, x, cst(b, loc, x, 0));
}
UNARY_BODY(SigmoidOp) { return sigmoid(b, loc, x); }
UNARY_BODY(TanhOp) { return b.create<math::TanhOp>(loc, x); }
UNARY_BODY(SqrtOp) { return b.create<math::SqrtOp>(loc, x); }
UNARY_BODY(ExpOp) { return b.create<math::ExpOp>(loc, x); }
UNARY_BODY(LogOp) { return b.create<math::LogOp>(loc, x); }
UNARY_BODY(ErfOp) { return b.create<math::ErfOp>(loc, x); }
UNARY_BODY(FloorOp) { return b.create<math::FloorOp>(loc, x); }
UNARY_BODY(CeilOp) { return b.create<math::CeilOp>(loc, x); }
UNARY_BODY(RoundOp) { return b.create<math::RoundEvenOp>(loc, x); }
UNARY_BODY(SinOp) { return b.create<math::SinOp>(loc, x); }
UNARY_BODY(CosOp) { return b.create<math::CosOp>(loc, x); }
UNARY_BODY(NotOp) { return b.create<arith::XOrIOp>(loc, x, cst(b, loc, x, 1)); }
UNARY_BODY(AbsOp) {
  if (hasUnsignedOperands(op))
    return x;
  if (isFloat(x))
    return b.create<math::AbsFOp>(loc, x);
  return b.create<math::AbsIOp>(loc, x);
}
UNARY_BODY(NegOp) {
  if (isFloat(x))
    return b.create<arith::NegFOp>(loc, x);
  return b.create<arith::SubIOp>(loc, cst(b, loc, x, 0), x);
}
UNARY_BODY(ReciprocalOp) {
  return b.create<arith::DivFOp>(loc, cst(b, loc, x, 1), x);
}
UNARY_BODY(SignOp) {
  Value zero = cst(b, loc, x, 0);
  Value pos, neg;
  if (isFloat(x)) {
    pos = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x, zero);
    neg = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, zero);
  } else if (hasUnsignedOperands(op)) {
    pos = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, x, zero);
    neg = b.create<arith::ConstantOp>(loc, b.getBoolAttr(false));
  } else {
    pos = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, x, zero);
    neg = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, x, zero);
  }
  Value r = b.create<arith::SelectOp>(loc, neg, cst(b, loc, x, -1), zero);
  return b.create<arith::SelectOp>(loc, pos, cst(b, loc, x, 1), r);
}
UNARY_BODY(SoftplusOp) {
  // log(1 + exp(x)), written to stay finite for large x.
  Value zero = cst(b, loc, x, 0);
  Value m = b.create<arith::MaximumFOp>(loc, x, zero);
  Value negAbs = b.create<arith::NegFOp>(loc, b.create<math::AbsFOp>(loc, x));
  Value l = b.create<math::Log1pOp>(loc, b.create<math::ExpOp>(loc, negAbs));
  return b.create<arith::AddFOp>(loc, m, l);
}
UNARY_BODY(SoftsignOp) {
  Value d = b.create<arith::AddFOp>(loc, cst(b, loc, x, 1),
                                    b.create<math::AbsFOp>(loc, x));
  return b.create<arith::DivFOp>(loc, x, d);
}
UNARY_BODY(HardSwishOp) {
  Value t = b.create<arith::AddFOp>(
      loc, b.create<arith::MulFOp>(loc, x, cst(b, loc, x, 1.0 / 6.0)),
      cst(b, loc, x, 0.5));
  t = b.create<arith::MinimumFOp>(loc, b.create<arith::MaximumFOp>(loc, t, cst(b, loc, x, 0)),
                                  cst(b, loc, x, 1));
  return b.create<arith::MulFOp>(loc, x, t);
}
UNARY_BODY(ClipOp) {
  Value r = x;
  bool u = hasUnsignedOperands(op);
  if (auto lo = op.getMinAttr())
    r = lowering::max(b, loc, r, cst(b, loc, x, lo.getValueAsDouble()), u);
  if (auto hi = op.getMaxAttr())
    r = lowering::min(b, loc, r, cst(b, loc, x, hi.getValueAsDouble()), u);
  return r;
}
UNARY_BODY(HardSigmoidOp) {
  Value t = b.create<arith::AddFOp>(
      loc,
      b.create<arith::MulFOp>(loc, x, cst(b, loc, x, op.getAlpha().convertToDouble())),
      cst(b, loc, x, op.getBeta().convertToDouble()));
  return b.create<arith::MinimumFOp>(
      loc, b.create<arith::MaximumFOp>(loc, t, cst(b, loc, x, 0)), cst(b, loc, x, 1));
}
UNARY_BODY(LeakyReluOp) {
  Value neg = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, cst(b, loc, x, 0));
  Value scaled = b.create<arith::MulFOp>(loc, x, cst(b, loc, x, op.getAlpha().convertToDouble()));
  return b.create<arith::SelectOp>(loc, neg, scaled, x);
}
Value expm1Scaled(OpBuilder &b, Location loc, Value x, double alpha) {
  Value e = b.create<math::ExpM1Op>(loc, x);
  return b.create<arith::MulFOp>(loc, e, cst(b, loc, x, alpha));
}
UNARY_BODY(EluOp) {
  Value neg = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, x, cst(b, loc, x, 0));
  return b.create<arith::SelectOp>(loc, neg,
                                   expm1Scaled(b, loc, x, op.getAlpha().convertToDouble()), x);
}
UNARY_BODY(SeluOp) {
  Value le = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLE, x, cst(b, loc, x, 0));
  Value r = b.create<arith::SelectOp>(
      loc, le, expm1Scaled(b, loc, x, op.getAlpha().convertToDouble()), x);
  return b.create<arith::MulFOp>(loc, r, cst(b, loc, x, op.getGamma().convertToDouble()));
}
UNARY_BODY(CeluOp) {
  double alpha = op.getAlpha().convertToDouble();
  Value zero = cst(b, loc, x, 0);
  Value pos = b.create<arith::MaximumFOp>(loc, x, zero);
  Value e = expm1Scaled(b, loc, b.create<arith::DivFOp>(loc, x, cst(b, loc, x, alpha)), alpha);
  return b.create<arith::AddFOp>(loc, pos, b.create<arith::MinimumFOp>(loc, e, zero));
}
UNARY_BODY(ThresholdedReluOp) {
  Value gt = b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, x,
                                     cst(b, loc, x, op.getAlpha().convertToDouble()));
  return b.create<arith::SelectOp>(loc, gt, x, cst(b, loc, x, 0));
}
UNARY_BODY(GeluOp) {
  Value half = cst(b, loc, x, 0.5), one = cst(b, loc, x, 1);
  Value inner;
  if (op.getTanhApproximation()) {
    Value x3 = b.create<arith::MulFOp>(loc, b.create<arith::MulFOp>(loc, x, x), x);
    Value t = b.create<arith::AddFOp>(
        loc, x, b.create<arith::MulFOp>(loc, x3, cst(b, loc, x, 0.044715)));
    t = b.create<arith::MulFOp>(loc, t, cst(b, loc, x, std::sqrt(2.0 / M_PI)));
    inner = b.create<math::TanhOp>(loc, t);
  } else {
    inner = b.create<math::ErfOp>(
        loc, b.create<arith::MulFOp>(loc, x, cst(b, loc, x, M_SQRT1_2)));
  }
  Value r = b.create<arith::MulFOp>(loc, half, x);
  return b.create<arith::MulFOp>(loc, r, b.create<arith::AddFOp>(loc, one, inner));
}
#undef UNARY_BODY

template <typename OpTy>
struct UnaryLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), type, {adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return unaryBody(op, b, loc, a[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct CastLowering : OpConversionPattern<CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type to = op.getType().getElementType();
    bool fromU = hasUnsignedOperands(op), toU = hasUnsignedResults(op);
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), {adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return convertScalar(b, loc, a[0], to, fromU, toU);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct BroadcastLowering : OpConversionPattern<BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BroadcastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value result = buildElementwise(
        rewriter, op.getLoc(), op.getType(), {adaptor.getInput()},
        [&](OpBuilder &, Location, ValueRange a) { return a[0]; });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void qcc::populateQnnElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<BinaryLowering<AddOp>, BinaryLowering<SubOp>,
               BinaryLowering<MulOp>, BinaryLowering<DivOp>,
               BinaryLowering<PowOp>, BinaryLowering<MaxOp>,
               BinaryLowering<MinOp>, BinaryLowering<ModOp>,
               BinaryLowering<AndOp>, BinaryLowering<OrOp>,
               BinaryLowering<XorOp>>(ctx);
  patterns.add<CompareLowering, WhereLowering, CastLowering,
               BroadcastLowering>(ctx);
  patterns.add<UnaryLowering<ReluOp>, UnaryLowering<SigmoidOp>,
               UnaryLowering<TanhOp>, UnaryLowering<SqrtOp>,
               UnaryLowering<ExpOp>, UnaryLowering<LogOp>,
               UnaryLowering<AbsOp>, UnaryLowering<NegOp>,
               UnaryLowering<ErfOp>, UnaryLowering<FloorOp>,
               UnaryLowering<CeilOp>, UnaryLowering<RoundOp>,
               UnaryLowering<ReciprocalOp>, UnaryLowering<SinOp>,
               UnaryLowering<CosOp>, UnaryLowering<NotOp>,
               UnaryLowering<SignOp>, UnaryLowering<SoftplusOp>,
               UnaryLowering<SoftsignOp>, UnaryLowering<HardSwishOp>,
               UnaryLowering<ClipOp>, UnaryLowering<HardSigmoidOp>,
               UnaryLowering<LeakyReluOp>, UnaryLowering<EluOp>,
               UnaryLowering<SeluOp>, UnaryLowering<CeluOp>,
               UnaryLowering<ThresholdedReluOp>, UnaryLowering<GeluOp>>(ctx);
}
