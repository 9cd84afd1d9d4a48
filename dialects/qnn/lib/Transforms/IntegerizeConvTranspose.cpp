//===- IntegerizeConvTranspose.cpp - QDQ conv_transpose to integers -------===//
//
// Part of qcc-integerize. A transposed convolution is a stride-1 convolution
// of its input spread out by the strides (stride - 1 zero-point values
// between neighbours, which contribute nothing, as zero-point padding does),
// padded by dilation * (kernel - 1) - pads at the edges (negative: cropped),
// with the spatially flipped, channel-swapped filters. On integers every
// step is exact: the spread and the padding are data movement, the
// convolution is qnn.conv_integer, the accumulators are requantized per
// filter; so no op of its own is needed and the contract of
// docs/numerics.md covers it.
//
// When the kernel equals the stride (no overlap, no padding, dilation 1; the
// 2x upsampling of detection heads) the spread would multiply mostly padding:
// there every output phase is a 1x1 convolution, so one qnn.conv_integer
// with filters x phases runs on the input as it is, and the phases are
// interleaved by reshape/transpose after requantization.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/Transforms/IntegerizeConvTranspose.h"

#include "qcc/Dialect/Qnn/IR/FixedPoint.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// A quantized operand: its !quant.uniform value and parameters.
struct QValue {
  Value quantized;
  QuantParams params;
};

std::optional<QValue> dequantized(Value v) {
  auto dq = v.getDefiningOp<DequantizeOp>();
  if (!dq)
    return std::nullopt;
  auto t = cast<RankedTensorType>(dq.getInput().getType());
  auto p = getQuantParams(t.getElementType(), t.getShape());
  if (failed(p))
    return std::nullopt;
  return QValue{dq.getInput(), *p};
}

/// The storage integers of `q` (reading through a storage cast).
Value storageOf(PatternRewriter &rewriter, Location loc, const QValue &q) {
  auto t = cast<RankedTensorType>(q.quantized.getType());
  auto storage = RankedTensorType::get(
      t.getShape(), q.params.storageType(rewriter.getContext()));
  Operation *def = q.quantized.getDefiningOp();
  if (def && isa<StorageCastOp, quant::StorageCastOp>(def) &&
      def->getOperand(0).getType() == storage)
    return def->getOperand(0);
  return rewriter.create<StorageCastOp>(loc, storage, q.quantized);
}

/// The integer codes of a constant quantized weight, row-major.
std::optional<SmallVector<int64_t>> constantCodes(const QValue &w) {
  Operation *def = w.quantized.getDefiningOp();
  DenseElementsAttr dense;
  if (!def || !isa<StorageCastOp, quant::StorageCastOp>(def) ||
      !matchPattern(def->getOperand(0), m_Constant(&dense)))
    return std::nullopt;
  int64_t n = cast<ShapedType>(w.quantized.getType()).getNumElements();
  SmallVector<int64_t> codes;
  codes.reserve(n);
  auto values = dense.getValues<APInt>();
  for (int64_t i = 0; i < n; ++i) {
    APInt v = values[dense.isSplat() ? 0 : i];
    codes.push_back(w.params.isSigned ? v.getSExtValue()
                                      : (int64_t)v.getZExtValue());
  }
  return codes;
}

Value intConstant(PatternRewriter &rewriter, Location loc,
                  RankedTensorType type, ArrayRef<int64_t> values) {
  auto et = cast<IntegerType>(type.getElementType());
  SmallVector<APInt> ints;
  for (int64_t v : values)
    ints.push_back(APInt(et.getWidth(), (uint64_t)v, !et.isUnsigned()));
  return rewriter.create<arith::ConstantOp>(loc,
                                            DenseElementsAttr::get(type, ints));
}

/// Everything the rewrite needs, computed before any op is created (a
/// pattern that fails must leave the IR as it was).
struct Plan {
  SmallVector<int64_t> codes;     // weight codes [C, F/group, K...]
  SmallVector<int64_t> wZps;      // one, or one per filter
  SmallVector<int32_t> mult, shift; // one, or one per filter
  SmallVector<int64_t> bias;      // i32 values per filter, or empty
  int64_t lo, hi;                 // clamp bounds of the result
};

struct IntegerizeConvTranspose : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(q.getType());
    auto out = getQuantParams(outType.getElementType(), outType.getShape());
    if (failed(out) || !out->isPerTensor() || out->bits > 16)
      return failure();
    Plan plan;
    plan.lo = out->qmin;
    plan.hi = out->qmax;
    Value inner = lookThroughActivation(q.getInput(), *out, plan);
    auto convT = inner.getDefiningOp<ConvTransposeOp>();
    if (!convT)
      return failure();
    auto x = dequantized(convT.getInput()), w = dequantized(convT.getWeight());
    if (!x || !w || !x->params.isPerTensor() || x->params.bits > 8 ||
        w->params.bits > 8 ||
        (!w->params.isPerTensor() && w->params.perAxisDim() != 1))
      return rewriter.notifyMatchFailure(q, "conv_transpose operands not 8-bit QDQ");
    auto codes = constantCodes(*w);
    if (!codes)
      return rewriter.notifyMatchFailure(q, "conv_transpose weights not constant");
    plan.codes = std::move(*codes);

    // Per filter f (output channel g * F/group + j): weight parameters of
    // column j, accumulator scale sx * sw, requantization sx * sw / sy.
    auto wt = convT.getWeight().getType();
    int64_t fg = wt.getDimSize(1), filters = fg * convT.getGroup();
    double sx = x->params.scales[0];
    int64_t cells = w->params.isPerTensor() ? 1 : filters;
    SmallVector<double> accScales;
    for (int64_t f = 0; f < cells; ++f) {
      int64_t i = w->params.isPerTensor() ? 0 : f % fg;
      accScales.push_back(sx * w->params.scales[i]);
      plan.wZps.push_back(w->params.zeroPoints[i]);
      auto fp = quantizeMultiplier(accScales.back() / out->scales[0]);
      if (!fp)
        return rewriter.notifyMatchFailure(q, "scale ratio out of range");
      plan.mult.push_back(fp->multiplier);
      plan.shift.push_back(fp->shift);
    }
    if (Value b = convT.getBias()) {
      DenseElementsAttr dense;
      if (!matchPattern(b, m_Constant(&dense)) || !dense.getElementType().isF32())
        return rewriter.notifyMatchFailure(q, "conv_transpose bias not a constant");
      auto values = llvm::to_vector(dense.getValues<float>());
      for (int64_t f = 0; f < filters; ++f) {
        double v = std::nearbyint(values[dense.isSplat() ? 0 : f] /
                                  accScales[cells == 1 ? 0 : f]);
        if (!(std::fabs(v) < 2147483647.0))
          return rewriter.notifyMatchFailure(q, "bias does not fit in i32");
        plan.bias.push_back((int64_t)v);
      }
    }

    Value y = isPhaseSplit(convT) ? rewritePhases(rewriter, convT, *x, *w, *out, plan)
                                  : rewriteSpread(rewriter, convT, *x, *w, *out, plan);
    rewriter.replaceOpWithNewOp<StorageCastOp>(q, q.getType(), y);
    return success();
  }

private:
  /// A ReLU or constant Clip between the op and its quantize narrows the
  /// clamp bounds (as the other contractions of qcc-integerize do).
  static Value lookThroughActivation(Value v, const QuantParams &out, Plan &plan) {
    double s = out.scales[0];
    int64_t zp = out.zeroPoints[0];
    if (auto relu = v.getDefiningOp<ReluOp>()) {
      plan.lo = std::max(plan.lo, zp);
      return relu.getInput();
    }
    if (auto clip = v.getDefiningOp<ClipOp>()) {
      double lo = clip.getMin() ? clip.getMin()->convertToDouble() : -INFINITY;
      double hi = clip.getMax() ? clip.getMax()->convertToDouble() : INFINITY;
      if (std::isfinite(lo))
        plan.lo = std::max(plan.lo, zp + (int64_t)std::nearbyint(lo / s));
      if (std::isfinite(hi))
        plan.hi = std::min(plan.hi, zp + (int64_t)std::nearbyint(hi / s));
      if (plan.lo > plan.hi)
        plan.hi = plan.lo;
      return clip.getInput();
    }
    return v;
  }

  /// Kernel == stride on every axis, no padding, dilation 1, one group, and
  /// an output of exactly input * stride: the phases do not overlap.
  static bool isPhaseSplit(ConvTransposeOp op) {
    auto it = op.getInput().getType(), wt = op.getWeight().getType();
    RankedTensorType ot = op.getType();
    if (op.getGroup() != 1)
      return false;
    for (int64_t i = 0, e = it.getRank() - 2; i < e; ++i)
      if (op.getDilations()[i] != 1 || op.getStrides()[i] != wt.getDimSize(2 + i) ||
          op.getPads()[i] != 0 || op.getPads()[e + i] != 0 ||
          ot.getDimSize(2 + i) != it.getDimSize(2 + i) * op.getStrides()[i])
        return false;
    return true;
  }

  static Value requantized(PatternRewriter &rewriter, Location loc, Value acc,
                           const QuantParams &out, const Plan &plan,
                           ArrayRef<int32_t> mult, ArrayRef<int32_t> shift) {
    auto at = cast<RankedTensorType>(acc.getType());
    auto type = RankedTensorType::get(at.getShape(),
                                      out.storageType(rewriter.getContext()));
    return rewriter.create<RequantizeOp>(
        loc, type, acc, 0, rewriter.getDenseI32ArrayAttr(mult),
        rewriter.getDenseI32ArrayAttr(shift), 1, out.zeroPoints[0], plan.lo,
        plan.hi);
  }

  static Value biasConstant(PatternRewriter &rewriter, Location loc,
                            ArrayRef<int64_t> bias) {
    if (bias.empty())
      return Value();
    return intConstant(
        rewriter, loc,
        RankedTensorType::get({(int64_t)bias.size()}, rewriter.getI32Type()),
        bias);
  }

  /// General form: spread, pad, flipped filters, qnn.conv_integer.
  static Value rewriteSpread(PatternRewriter &rewriter, ConvTransposeOp op,
                             const QValue &x, const QValue &w,
                             const QuantParams &out, const Plan &plan) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto it = op.getInput().getType(), wt = op.getWeight().getType();
    RankedTensorType ot = op.getType();
    int64_t spatial = it.getRank() - 2, group = op.getGroup();
    int64_t channels = it.getDimSize(1), cg = channels / group;
    int64_t fg = wt.getDimSize(1), filters = fg * group;
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                      dil = op.getDilations();
    Type xe = x.params.storageType(ctx);
    int64_t xZp = x.params.zeroPoints[0];
    auto constantPad = PadModeAttr::get(ctx, PadMode::constant);
    auto fill = rewriter.getF64FloatAttr((double)xZp);

    // 1. Spread: [N, C, H, 1, W, 1] padded at the end of the unit axes by
    // stride - 1, then flattened to [N, C, H * sh, W * sw].
    Value xs = storageOf(rewriter, loc, x);
    SmallVector<int64_t> length;
    for (int64_t i = 0; i < spatial; ++i)
      length.push_back(it.getDimSize(2 + i));
    if (llvm::any_of(strides, [](int64_t s) { return s > 1; })) {
      SmallVector<int64_t> unit{it.getDimSize(0), channels}, spread(unit);
      for (int64_t i = 0; i < spatial; ++i) {
        unit.append({length[i], 1});
        spread.append({length[i], strides[i]});
      }
      SmallVector<int64_t> padAmounts(2 * unit.size(), 0);
      for (int64_t i = 0; i < spatial; ++i)
        padAmounts[unit.size() + 3 + 2 * i] = strides[i] - 1;
      xs = rewriter.create<ReshapeOp>(loc, RankedTensorType::get(unit, xe), xs);
      xs = rewriter.create<PadOp>(loc, RankedTensorType::get(spread, xe),
                                  constantPad, xs,
                                  rewriter.getDenseI64ArrayAttr(padAmounts), fill);
      SmallVector<int64_t> flat{it.getDimSize(0), channels};
      for (int64_t i = 0; i < spatial; ++i) {
        length[i] *= strides[i];
        flat.push_back(length[i]);
      }
      xs = rewriter.create<ReshapeOp>(loc, RankedTensorType::get(flat, xe), xs);
    }

    // 2. Edges: dilation * (kernel - 1) - pad before; after, whatever makes
    // the stride-1 convolution's output the requested size (this also
    // crops the spread's trailing stride - 1 and adds output_padding).
    SmallVector<int64_t> edge(2 * (spatial + 2), 0), padded{it.getDimSize(0), channels};
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t reach = dil[i] * (wt.getDimSize(2 + i) - 1);
      int64_t before = reach - pads[i];
      int64_t after = ot.getDimSize(2 + i) + reach - length[i] - before;
      edge[2 + i] = before;
      edge[spatial + 4 + i] = after;
      padded.push_back(length[i] + before + after);
    }
    if (llvm::any_of(edge, [](int64_t p) { return p != 0; }))
      xs = rewriter.create<PadOp>(loc, RankedTensorType::get(padded, xe),
                                  constantPad, xs,
                                  rewriter.getDenseI64ArrayAttr(edge), fill);

    // 3. W'[g * Fg + f, c, k] = W[g * Cg + c, f, K - 1 - k]: flipping every
    // spatial axis reverses the row-major index within the window.
    int64_t window = wt.getNumElements() / (channels * fg);
    SmallVector<int64_t> flipped(filters * cg * window);
    for (int64_t g = 0; g < group; ++g)
      for (int64_t f = 0; f < fg; ++f)
        for (int64_t c = 0; c < cg; ++c)
          for (int64_t k = 0; k < window; ++k)
            flipped[((g * fg + f) * cg + c) * window + k] =
                plan.codes[((g * cg + c) * fg + f) * window + window - 1 - k];
    SmallVector<int64_t> wShape{filters, cg};
    for (int64_t i = 0; i < spatial; ++i)
      wShape.push_back(wt.getDimSize(2 + i));
    Value weight = intConstant(
        rewriter, loc, RankedTensorType::get(wShape, w.params.storageType(ctx)),
        flipped);

    SmallVector<int64_t> ones(spatial, 1), zeros(2 * spatial, 0);
    auto accType = RankedTensorType::get(ot.getShape(), rewriter.getI32Type());
    Value acc = rewriter.create<ConvIntegerOp>(
        loc, accType, xs, weight, biasConstant(rewriter, loc, plan.bias), xZp,
        rewriter.getDenseI64ArrayAttr(plan.wZps),
        rewriter.getDenseI64ArrayAttr(ones), rewriter.getDenseI64ArrayAttr(zeros),
        rewriter.getDenseI64ArrayAttr(dil), group);
    return requantized(rewriter, loc, acc, out, plan, plan.mult, plan.shift);
  }

  /// Non-overlapping form: a 1x1 qnn.conv_integer with filters x phases,
  /// requantized, then the phases interleaved.
  static Value rewritePhases(PatternRewriter &rewriter, ConvTransposeOp op,
                             const QValue &x, const QValue &w,
                             const QuantParams &out, const Plan &plan) {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto it = op.getInput().getType(), wt = op.getWeight().getType();
    RankedTensorType ot = op.getType();
    int64_t spatial = it.getRank() - 2, batch = it.getDimSize(0);
    int64_t channels = it.getDimSize(1), filters = wt.getDimSize(1);
    int64_t phases = wt.getNumElements() / (channels * filters);

    // W''[f * P + p, c, 1...] = W[c, f, p]; per-filter parameters repeat
    // over the phases of their filter.
    SmallVector<int64_t> w1(filters * phases * channels);
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t f = 0; f < filters; ++f)
        for (int64_t p = 0; p < phases; ++p)
          w1[(f * phases + p) * channels + c] =
              plan.codes[(c * filters + f) * phases + p];
    SmallVector<int64_t> wShape{filters * phases, channels}, wZps, bias;
    SmallVector<int32_t> mult, shift;
    wShape.append(spatial, 1);
    bool perFilter = plan.mult.size() > 1;
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t p = 0; p < phases; ++p) {
        if (perFilter) {
          wZps.push_back(plan.wZps[f]);
          mult.push_back(plan.mult[f]);
          shift.push_back(plan.shift[f]);
        }
        if (!plan.bias.empty())
          bias.push_back(plan.bias[f]);
      }
    if (!perFilter) {
      wZps.assign(plan.wZps);
      mult.assign(plan.mult);
      shift.assign(plan.shift);
    }
    Value weight = intConstant(
        rewriter, loc, RankedTensorType::get(wShape, w.params.storageType(ctx)), w1);
    SmallVector<int64_t> accShape{batch, filters * phases}, ones(spatial, 1),
        zeros(2 * spatial, 0);
    for (int64_t i = 0; i < spatial; ++i)
      accShape.push_back(it.getDimSize(2 + i));
    Value acc = rewriter.create<ConvIntegerOp>(
        loc, RankedTensorType::get(accShape, rewriter.getI32Type()),
        storageOf(rewriter, loc, x), weight, biasConstant(rewriter, loc, bias),
        x.params.zeroPoints[0], rewriter.getDenseI64ArrayAttr(wZps),
        rewriter.getDenseI64ArrayAttr(ones), rewriter.getDenseI64ArrayAttr(zeros),
        rewriter.getDenseI64ArrayAttr(ones), 1);
    Value y = requantized(rewriter, loc, acc, out, plan, mult, shift);

    // [N, F*P, H, W] -> [N, F, sh, sw, H, W] -> [N, F, H, sh, W, sw] -> output.
    Type ye = out.storageType(ctx);
    SmallVector<int64_t> split{batch, filters}, perm{0, 1}, interleaved{batch, filters};
    for (int64_t i = 0; i < spatial; ++i)
      split.push_back(op.getStrides()[i]);
    for (int64_t i = 0; i < spatial; ++i)
      split.push_back(it.getDimSize(2 + i));
    for (int64_t i = 0; i < spatial; ++i) {
      perm.append({2 + spatial + i, 2 + i});
      interleaved.append({it.getDimSize(2 + i), op.getStrides()[i]});
    }
    y = rewriter.create<ReshapeOp>(loc, RankedTensorType::get(split, ye), y);
    y = rewriter.create<TransposeOp>(loc, RankedTensorType::get(interleaved, ye), y,
                                     rewriter.getDenseI64ArrayAttr(perm));
    return rewriter.create<ReshapeOp>(
        loc, RankedTensorType::get(ot.getShape(), ye), y);
  }
};

} // namespace

void qcc::qnn::populateIntegerizeConvTransposePatterns(RewritePatternSet &patterns) {
  patterns.add<IntegerizeConvTranspose>(patterns.getContext());
}
