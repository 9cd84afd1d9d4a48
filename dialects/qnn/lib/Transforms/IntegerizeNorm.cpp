//===- IntegerizeNorm.cpp - QDQ softmax / layer norm to integer ops --------===//
//
// Part of qcc-integerize. The constants chosen here (table scale, fraction
// bits, multipliers) are one valid choice; the integer results they give are
// defined by the ops themselves (docs/numerics.md).
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/Transforms/IntegerizeNorm.h"

#include "qcc/Dialect/Qnn/IR/FixedPoint.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/IR/Matchers.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// Fraction bits of the softmax table: exp(0) is 2^22.
constexpr int kExpTableBits = 22;
/// Fraction bits of the normalized value (x - mean) / std in layer norm.
constexpr int kNormShift = 16;

/// The per-tensor quantized value (8 to `maxBits` bits) behind a
/// qnn.dequantize result.
struct QInput {
  Value quantized;
  QuantParams params;
};

std::optional<QInput> dequantized(Value v, unsigned maxBits = 8) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  if (!dq)
    return std::nullopt;
  auto t = cast<RankedTensorType>(dq.getInput().getType());
  auto p = getQuantParams(t.getElementType(), t.getShape());
  if (failed(p) || !p->isPerTensor() || p->bits < 8 || p->bits > maxBits)
    return std::nullopt;
  return QInput{dq.getInput(), *p};
}

/// The storage integers of `q` (reading through a storage cast).
Value storageOf(PatternRewriter &rewriter, Location loc, const QInput &q) {
  auto t = cast<RankedTensorType>(q.quantized.getType());
  auto storage = RankedTensorType::get(
      t.getShape(), q.params.storageType(rewriter.getContext()));
  Operation *def = q.quantized.getDefiningOp();
  if (def && isa<StorageCastOp, quant::StorageCastOp>(def) &&
      def->getOperand(0).getType() == storage)
    return def->getOperand(0);
  return rewriter.create<StorageCastOp>(loc, storage, q.quantized);
}

/// Output parameters of a per-tensor quantize of at most 16 bits.
FailureOr<QuantParams> outputParams(QuantizeOp q) {
  auto t = cast<RankedTensorType>(q.getType());
  auto p = getQuantParams(t.getElementType(), t.getShape());
  if (failed(p) || !p->isPerTensor() || p->bits > 16)
    return failure();
  return p;
}

RankedTensorType storageTensor(MLIRContext *ctx, Type shaped,
                               const QuantParams &p) {
  return RankedTensorType::get(cast<ShapedType>(shaped).getShape(),
                               p.storageType(ctx));
}

struct IntegerizeSoftmax : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto sm = q.getInput().getDefiningOp<SoftmaxOp>();
    if (!sm || sm.getLog())
      return failure();
    // softmax(where(mask, x, c)) with c far below any score: a masked
    // integer softmax (attention over padded keys).
    Value input = sm.getInput(), mask;
    if (auto where = input.getDefiningOp<WhereOp>()) {
      DenseElementsAttr fill;
      if (!matchPattern(where.getY(), m_Constant(&fill)) || !fill.isSplat() ||
          !isa<FloatType>(fill.getElementType()) ||
          !(fill.getSplatValue<APFloat>().convertToDouble() <= -1e30) ||
          where.getX().getType() != where.getType())
        return rewriter.notifyMatchFailure(q, "softmax of a where that is not "
                                              "a mask with a very low fill");
      mask = where.getCondition();
      input = where.getX();
    }
    auto x = dequantized(input);
    auto out = outputParams(q);
    if (!x || failed(out))
      return rewriter.notifyMatchFailure(q, "softmax operands not 8-bit QDQ");
    auto type = cast<RankedTensorType>(sm.getType());
    int64_t axis = sm.getAxis();
    if (axis < 0)
      axis += type.getRank();
    int64_t n = type.getDimSize(axis);

    // table[d] = round(2^K exp(-s_x d)): the exponential of a distance d
    // below the row maximum, in the input's steps.
    double sx = x->params.scales[0];
    SmallVector<int32_t> table;
    for (int d = 0; d < 256; ++d)
      table.push_back((int32_t)std::nearbyint(std::ldexp(std::exp(-sx * d), kExpTableBits)));
    // 1 / s_y as C 2^-F, with F small enough for the 63-bit bounds.
    auto c = quantizeMultiplier(1.0 / out->scales[0]);
    if (!c)
      return rewriter.notifyMatchFailure(q, "output scale out of range");
    int64_t shift = c->shift;
    unsigned fixedBits = llvm::Log2_64_Ceil(std::max<int64_t>(n, 1)) +
                         llvm::Log2_64_Ceil((int64_t(1) << kExpTableBits) + 1) + 1;
    while (shift > 0 && fixedBits + shift > 62)
      --shift;
    if (fixedBits + shift > 62)
      return rewriter.notifyMatchFailure(q, "softmax row too long");
    int64_t mult = std::llround(std::ldexp(1.0 / out->scales[0], (int)shift));
    if (mult > INT32_MAX)
      return rewriter.notifyMatchFailure(q, "output scale out of range");

    Location loc = sm.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    if (mask) {
      // The op takes a mask of the input's rank (numpy aligns trailing
      // axes: leading 1s).
      auto mt = cast<RankedTensorType>(mask.getType());
      if (mt.getRank() < type.getRank()) {
        SmallVector<int64_t> shape(type.getRank() - mt.getRank(), 1);
        shape.append(mt.getShape().begin(), mt.getShape().end());
        mask = rewriter.create<ReshapeOp>(loc, mt.clone(shape), mask);
      }
    }
    Value y = rewriter.create<SoftmaxIntegerOp>(
        loc, storageTensor(ctx, type, *out), storageOf(rewriter, loc, *x),
        mask, axis, table, mult, shift, out->zeroPoints[0], out->qmin,
        out->qmax);
    rewriter.replaceOpWithNewOp<StorageCastOp>(q, q.getType(), y);
    return success();
  }
};

/// The float values of a constant, broadcast to `n` trailing elements (one
/// value if splat or of one element); std::nullopt otherwise.
std::optional<SmallVector<double>> rowConstant(Value v, int64_t n) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) ||
      !isa<FloatType>(dense.getElementType()))
    return std::nullopt;
  SmallVector<double> values;
  for (APFloat f : dense.getValues<APFloat>())
    values.push_back(f.convertToDouble());
  if (values.size() == 1 || llvm::all_equal(values))
    return SmallVector<double>{values[0]};
  if ((int64_t)values.size() != n)
    return std::nullopt;
  return values;
}

struct IntegerizeLayerNorm : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto ln = q.getInput().getDefiningOp<LayerNormOp>();
    if (!ln)
      return failure();
    // An 8- to 16-bit input (16 bits: a wide residual stream).
    auto x = dequantized(ln.getInput(), 16);
    auto out = outputParams(q);
    if (!x || failed(out))
      return rewriter.notifyMatchFailure(q, "layer norm operands not 8- to "
                                            "16-bit QDQ");
    auto type = cast<RankedTensorType>(ln.getType());
    int64_t axis = ln.getAxis(), n = 1;
    for (int64_t d = axis; d < type.getRank(); ++d)
      n *= type.getDimSize(d);
    if (n > (int64_t(1) << std::min(16, 31 - (int)x->params.bits)))
      return rewriter.notifyMatchFailure(q, "layer norm rows too long for "
                                            "the input's bits");
    auto gamma = rowConstant(ln.getScale(), n);
    std::optional<SmallVector<double>> beta = SmallVector<double>{0.0};
    if (ln.getBias())
      beta = rowConstant(ln.getBias(), n);
    if (!gamma || !beta)
      return rewriter.notifyMatchFailure(q, "scale and bias are not constants "
                                            "of the row's shape");
    size_t entries = std::max(gamma->size(), beta->size());
    double sx = x->params.scales[0], sy = out->scales[0];
    // eps in units of the integer statistics: V = N^2 var / s_x^2.
    double eps = std::nearbyint(ln.getEpsilon().convertToDouble() * double(n) *
                                double(n) / (sx * sx));
    if (!(eps < std::ldexp(1.0, 61)))
      return rewriter.notifyMatchFailure(q, "epsilon too large for the input scale");
    SmallVector<int64_t> mults, shifts, offsets;
    for (size_t c = 0; c < entries; ++c) {
      double g = (*gamma)[gamma->size() == 1 ? 0 : c];
      double b = (*beta)[beta->size() == 1 ? 0 : c];
      double r = g / (sy * std::ldexp(1.0, kNormShift));
      auto fp = quantizeMultiplier(std::fabs(r));
      if (!fp)
        return rewriter.notifyMatchFailure(q, "scale ratio out of range");
      int64_t shift = fp->shift;
      // Keep the offset beta 2^n / s_y within (-2^61, 2^61).
      while (shift > 0 && !(std::fabs(std::ldexp(b / sy, (int)shift)) < std::ldexp(1.0, 60)))
        --shift;
      int64_t m = std::llround(std::ldexp(std::fabs(r), (int)shift));
      if (m > INT32_MAX || !(std::fabs(std::ldexp(b / sy, (int)shift)) < std::ldexp(1.0, 60)))
        return rewriter.notifyMatchFailure(q, "affine part out of range");
      mults.push_back(r < 0 ? -m : m);
      shifts.push_back(shift);
      offsets.push_back((int64_t)std::nearbyint(std::ldexp(b / sy, (int)shift)));
    }
    Location loc = ln.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value y = rewriter.create<LayerNormIntegerOp>(
        loc, storageTensor(ctx, type, *out), storageOf(rewriter, loc, *x), axis,
        (int64_t)eps, kNormShift, mults, shifts, offsets, out->zeroPoints[0],
        out->qmin, out->qmax);
    rewriter.replaceOpWithNewOp<StorageCastOp>(q, q.getType(), y);
    return success();
  }
};

} // namespace

void qcc::qnn::populateIntegerizeNormPatterns(RewritePatternSet &patterns) {
  patterns.add<IntegerizeSoftmax, IntegerizeLayerNorm>(patterns.getContext());
}
