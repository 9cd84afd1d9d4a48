//===- Integerize.cpp - QDQ patterns to integer-level qnn ops -------------===//
//
// qcc-integerize: every float op whose inputs come from qnn.dequantize and
// whose result goes to a qnn.quantize (the QDQ form of a quantized op, as
// qcc's quantizer and ONNX QDQ models write it) becomes an op of the integer
// level on storage integers, with its scales folded into fixed-point
// multipliers (docs/numerics.md). The patterns are rooted at the quantize.
// What matches nothing is left as it was; qcc-verify-integer-only reports it.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/FixedPoint.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"
#include "qcc/Dialect/Qnn/Transforms/IntegerizeConvTranspose.h"
#include "qcc/Dialect/Qnn/Transforms/IntegerizeNorm.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/ScalarFunctions.h"
#include "qcc/Dialect/Qnn/Transforms/WeightQuantization.h"
#include "qcc/Quant/WeightQuantizers.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_INTEGERIZE
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

/// A quantized operand: its storage integers and parameters.
struct QValue {
  Value quantized; // the !quant.uniform value
  QuantParams params;
};

/// The quantized value behind `v` if `v` is a qnn.dequantize result.
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

/// The storage integers of a quantized value, typed as the integer level
/// spells them (uiN for unsigned storage); reads through storage casts.
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

/// Replaces `q` (a qnn.quantize) by integers `storage` reinterpreted as its
/// quantized result type.
void replaceQuantize(PatternRewriter &rewriter, QuantizeOp q, Value storage) {
  rewriter.replaceOpWithNewOp<StorageCastOp>(q, q.getType(), storage);
}

std::optional<double> perTensorScale(const QuantParams &p) {
  if (!p.isPerTensor())
    return std::nullopt;
  return p.scales[0];
}

RankedTensorType withElement(Type shaped, Type element) {
  return RankedTensorType::get(cast<ShapedType>(shaped).getShape(), element);
}

/// The clamp bounds that a ReLU / Clip between the op and its quantize
/// imposes, in the output's integers.
struct Clamp {
  int64_t lo, hi;
};

/// Emits `requantize(acc)` into the output parameters `out` with per-channel
/// real factors `ratios` (one, or one per index of `axis`).
FailureOr<Value> requantize(PatternRewriter &rewriter, Operation *anchor,
                            Value acc, int64_t inputZp,
                            ArrayRef<double> ratios, int64_t axis,
                            const QuantParams &out, Clamp clamp) {
  SmallVector<int32_t> m, s;
  for (double r : ratios) {
    auto fp = quantizeMultiplier(r);
    if (!fp)
      return rewriter.notifyMatchFailure(anchor, "scale ratio out of range");
    m.push_back(fp->multiplier);
    s.push_back(fp->shift);
  }
  auto type = withElement(acc.getType(), out.storageType(rewriter.getContext()));
  return rewriter
      .create<RequantizeOp>(anchor->getLoc(), type, acc, inputZp,
                            rewriter.getDenseI32ArrayAttr(m),
                            rewriter.getDenseI32ArrayAttr(s), axis,
                            out.zeroPoints[0], clamp.lo, clamp.hi)
      .getResult();
}

/// Looks through a ReLU or constant Clip feeding the quantize: returns the
/// op below it and narrows `clamp`.
Value throughActivation(Value v, const QuantParams &out, Clamp &clamp) {
  double s = out.scales[0];
  int64_t zp = out.zeroPoints[0];
  if (auto relu = v.getDefiningOp<ReluOp>()) {
    clamp.lo = std::max(clamp.lo, zp);
    return relu.getInput();
  }
  if (auto clip = v.getDefiningOp<ClipOp>()) {
    double lo = clip.getMin() ? clip.getMin()->convertToDouble() : -INFINITY;
    double hi = clip.getMax() ? clip.getMax()->convertToDouble() : INFINITY;
    if (std::isfinite(lo))
      clamp.lo = std::max(clamp.lo, zp + (int64_t)std::nearbyint(lo / s));
    if (std::isfinite(hi))
      clamp.hi = std::min(clamp.hi, zp + (int64_t)std::nearbyint(hi / s));
    if (clamp.lo > clamp.hi)
      clamp.hi = clamp.lo;
    return clip.getInput();
  }
  return v;
}

/// An i32 bias from a float constant `b` (per output channel) and the
/// accumulator scales sx * sw[c]; or the integers of a dequantized i32
/// constant whose scales match. Null bias in, null out; failure if the bias
/// is not constant.
FailureOr<Value> integerBias(PatternRewriter &rewriter, Location loc, Value bias,
                             ArrayRef<double> accScales, int64_t channels) {
  if (!bias)
    return Value();
  auto scaleOf = [&](int64_t c) {
    return accScales.size() == 1 ? accScales[0] : accScales[c];
  };
  SmallVector<double> values;
  DenseElementsAttr dense;
  if (auto q = dequantized(bias)) {
    // Quantized bias: use its value, requantized to the accumulator scale.
    Value s = q->quantized;
    Operation *cast = s.getDefiningOp();
    if (!cast || !isa<StorageCastOp, quant::StorageCastOp>(cast) ||
        !matchPattern(cast->getOperand(0), m_Constant(&dense)))
      return failure();
    int64_t i = 0;
    for (APInt v : dense.getValues<APInt>()) {
      int64_t idx = q->params.paramIndexOfElement(dense.isSplat() ? 0 : i++);
      values.push_back(double(v.getSExtValue() - q->params.zeroPoints[idx]) *
                       q->params.scales[idx]);
    }
  } else if (matchPattern(bias, m_Constant(&dense)) &&
             isa<FloatType>(dense.getElementType())) {
    for (APFloat v : dense.getValues<APFloat>())
      values.push_back(v.convertToDouble());
  } else {
    return failure();
  }
  if (values.size() == 1)
    values.resize(channels, values[0]);
  if ((int64_t)values.size() != channels)
    return failure();
  SmallVector<int32_t> ints;
  for (int64_t c = 0; c < channels; ++c) {
    double v = std::nearbyint(values[c] / scaleOf(c));
    if (!(std::fabs(v) < 2147483647.0))
      return failure();
    ints.push_back((int32_t)v);
  }
  auto type = RankedTensorType::get({channels}, rewriter.getI32Type());
  return rewriter
      .create<arith::ConstantOp>(loc, DenseElementsAttr::get(type, ArrayRef<int32_t>(ints)))
      .getResult();
}

Clamp fullRange(const QuantParams &p) { return {p.qmin, p.qmax}; }

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

/// A pattern rooted at a per-tensor qnn.quantize: it reads the output
/// parameters and looks through a ReLU/Clip that folds into the clamp
/// bounds, then hands the value below (`inner`) to rewriteRoot.
struct QuantizeRootPattern : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const final {
    auto outType = cast<RankedTensorType>(q.getType());
    auto out = getQuantParams(outType.getElementType(), outType.getShape());
    if (failed(out) || !out->isPerTensor())
      return failure();
    Clamp clamp = fullRange(*out);
    Value inner = throughActivation(q.getInput(), *out, clamp);
    return rewriteRoot(q, *out, clamp, inner, rewriter);
  }
  virtual LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out,
                                    Clamp clamp, Value inner,
                                    PatternRewriter &rewriter) const = 0;

  /// Requantizes the accumulator `acc` into the output parameters and
  /// replaces the quantize with it.
  LogicalResult replaceRequantized(PatternRewriter &rewriter, QuantizeOp q,
                                   Value acc, int64_t inputZp,
                                   ArrayRef<double> ratios, int64_t axis,
                                   const QuantParams &out, Clamp clamp) const {
    auto y = requantize(rewriter, q, acc, inputZp, ratios, axis, out, clamp);
    if (failed(y))
      return failure();
    replaceQuantize(rewriter, q, *y);
    return success();
  }
};

struct IntegerizeConv : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    auto conv = inner.getDefiningOp<ConvOp>();
    if (!conv)
      return failure();
    auto x = dequantized(conv.getInput()), w = dequantized(conv.getWeight());
    if (!x || !w || !x->params.isPerTensor() ||
        (!w->params.isPerTensor() && w->params.perAxisDim() != 0) ||
        x->params.bits > 8 || w->params.bits > 8)
      return rewriter.notifyMatchFailure(q, "conv operands not 8-bit QDQ");
    int64_t filters = conv.getWeight().getType().getDimSize(0);
    double sx = x->params.scales[0];
    SmallVector<double> accScales, ratios;
    SmallVector<int64_t> wZps;
    for (int64_t f = 0; f < filters; ++f) {
      int64_t i = w->params.isPerTensor() ? 0 : f;
      accScales.push_back(sx * w->params.scales[i]);
      ratios.push_back(accScales.back() / out.scales[0]);
      wZps.push_back(w->params.zeroPoints[i]);
    }
    if (w->params.isPerTensor())
      wZps.resize(1);
    auto bias = integerBias(rewriter, conv.getLoc(), conv.getBias(), accScales, filters);
    if (failed(bias))
      return rewriter.notifyMatchFailure(q, "conv bias is not constant");
    Location loc = conv.getLoc();
    auto accType = withElement(conv.getType(), rewriter.getI32Type());
    Value acc = rewriter.create<ConvIntegerOp>(
        loc, accType, storageOf(rewriter, loc, *x), storageOf(rewriter, loc, *w),
        *bias, x->params.zeroPoints[0], rewriter.getDenseI64ArrayAttr(wZps),
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(),
        conv.getGroup());
    // 2:4-pruned weights (qcc-sparsify-24) stay marked for packing.
    if (Attribute sparse = conv->getAttr(kSparse24Attr))
      acc.getDefiningOp()->setAttr(kSparse24Attr, sparse);
    return replaceRequantized(rewriter, q, acc, 0, ratios, 1, out, clamp);
  }
};

struct IntegerizeMatMul : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    Value biasValue;
    if (auto add = inner.getDefiningOp<AddOp>()) {
      // matmul + constant bias along the last axis.
      for (int side = 0; side < 2; ++side) {
        Value mm = side ? add.getRhs() : add.getLhs();
        Value b = side ? add.getLhs() : add.getRhs();
        auto bt = cast<RankedTensorType>(b.getType());
        if (mm.getDefiningOp<MatMulOp>() && bt.getRank() == 1 &&
            (matchPattern(b, m_Constant()) || dequantized(b))) {
          inner = mm;
          biasValue = b;
          break;
        }
      }
    }
    auto mm = inner.getDefiningOp<MatMulOp>();
    if (!mm)
      return failure();
    auto a = dequantized(mm.getLhs()), b = dequantized(mm.getRhs());
    auto bt = mm.getRhs().getType();
    // B [..., K, N] (weights or an activation, batched with numpy batch
    // broadcast) per tensor or per column (QLinearMatMul's 1-D b_scale):
    // one zero point and one multiplier per column serve every batch.
    if (!a || !b || !a->params.isPerTensor() || bt.getRank() < 2 ||
        (!b->params.isPerTensor() &&
         b->params.perAxisDim() != bt.getRank() - 1) ||
        a->params.bits > 8 || b->params.bits > 8)
      return rewriter.notifyMatchFailure(q, "matmul operands not 8-bit QDQ");
    int64_t n = bt.getDimSize(bt.getRank() - 1);
    double sa = a->params.scales[0];
    SmallVector<double> accScales, ratios;
    SmallVector<int64_t> bZps;
    for (int64_t j = 0; j < n; ++j) {
      int64_t i = b->params.isPerTensor() ? 0 : j;
      accScales.push_back(sa * b->params.scales[i]);
      ratios.push_back(accScales.back() / out.scales[0]);
      bZps.push_back(b->params.zeroPoints[i]);
    }
    if (b->params.isPerTensor()) {
      bZps.resize(1);
      ratios.resize(1); // one multiplier for every column
    }
    Location loc = mm.getLoc();
    auto bias = integerBias(rewriter, loc, biasValue, accScales, n);
    if (failed(bias))
      return failure();
    auto accType = withElement(mm.getType(), rewriter.getI32Type());
    Value acc = rewriter.create<MatMulIntegerOp>(
        loc, accType, storageOf(rewriter, loc, *a), storageOf(rewriter, loc, *b),
        *bias, a->params.zeroPoints[0], rewriter.getDenseI64ArrayAttr(bZps));
    if (Attribute sparse = mm->getAttr(kSparse24Attr))
      acc.getDefiningOp()->setAttr(kSparse24Attr, sparse);
    return replaceRequantized(rewriter, q, acc, 0, ratios, accType.getRank() - 1, out,
                        clamp);
  }
};

//===----------------------------------------------------------------------===//
// Contractions with grouped (sub-channel) weights
//===----------------------------------------------------------------------===//

/// A sub-channel weight as the grouped integer ops take it: signed codes
/// [rows][K] (a convolution keeps its filter layout), i32 sub-scales and
/// zero points [rows][K / groupSize], and the per-row scale d with
/// weight = d[row] * sub * (code - zp).
struct GroupedWeight {
  Value codes, subScales, zeroPoints;
  SmallVector<double> rowScales;
  int64_t groupSize = 0;
};

/// Reads a constant sub-channel weight: a matmul's B [K, N] blocked along K
/// (transposed to rows [N, K] here) or a filter [F, C, kernel...] blocked
/// along C with whole kernels per group. Unsigned codes become signed by
/// subtracting 2^(bits-1) from codes and zero points alike.
FailureOr<GroupedWeight> groupedWeight(PatternRewriter &rewriter, Location loc,
                                       const QValue &w, bool isConv) {
  const QuantParams &p = w.params;
  if (p.bits > 8 || p.shape.size() < 2 || p.isPerTensor())
    return failure();
  int64_t rank = p.shape.size();
  int64_t rows, k, groupSize;
  if (isConv) {
    // [F, C, kernel...] with blocks [1, b, kernel...].
    if (p.blockSize[0] != 1)
      return failure();
    for (int64_t d = 2; d < rank; ++d)
      if (p.blockSize[d] != p.shape[d])
        return failure();
    rows = p.shape[0];
    k = 1;
    for (int64_t d = 1; d < rank; ++d)
      k *= p.shape[d];
    groupSize = p.blockSize[1] * (k / p.shape[1]);
  } else {
    if (rank != 2 || p.blockSize[1] != 1)
      return failure();
    rows = p.shape[1];
    k = p.shape[0];
    groupSize = p.blockSize[0];
  }
  if (groupSize <= 0 || k % groupSize != 0 || (p.bits == 8 && groupSize == k))
    return failure(); // 8-bit per channel: the int8 patterns' business
  DenseElementsAttr dense;
  Value storage = storageOf(rewriter, loc, w);
  Operation *def = storage.getDefiningOp();
  // Unsigned storage arrives as a bitcast of signless constants.
  while (def && def->getNumOperands() == 1 &&
         !matchPattern(def->getResult(0), m_Constant(&dense)) &&
         isa<tensor::BitcastOp>(def))
    def = def->getOperand(0).getDefiningOp();
  if (!dense && !(def && matchPattern(def->getResult(0), m_Constant(&dense))))
    return failure();
  int64_t groups = k / groupSize;
  int64_t off = p.isSigned ? 0 : int64_t(1) << (p.bits - 1);
  auto codeValue = [&](const APInt &v) {
    return (p.isSigned ? v.getSExtValue() : (int64_t)v.getZExtValue()) - off;
  };
  auto raw = llvm::to_vector(dense.getValues<APInt>());
  SmallVector<APInt> codes(rows * k, APInt(p.bits, 0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < k; ++c) {
      int64_t src = isConv ? r * k + c : c * rows + r;
      codes[r * k + c] = APInt(p.bits, (uint64_t)codeValue(
                                           raw[dense.isSplat() ? 0 : src]),
                               /*isSigned=*/true);
    }
  // Parameters in [rows][groups] order.
  std::vector<float> scales(rows * groups);
  SmallVector<APInt> zps(rows * groups, APInt(p.bits, 0));
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t g = 0; g < groups; ++g) {
      int64_t cell = isConv ? r * groups + g : g * rows + r;
      scales[r * groups + g] = (float)p.scales[cell];
      zps[r * groups + g] =
          APInt(p.bits, (uint64_t)(p.zeroPoints[cell] - off), /*isSigned=*/true);
    }
  auto integer = qcc::quant::integerizeGroupScales(
      scales.data(), rows, groups, subScaleBits(k, p.bits));
  GroupedWeight gw;
  gw.groupSize = groupSize;
  Type codeType = rewriter.getIntegerType(p.bits);
  SmallVector<int64_t> codeShape =
      isConv ? SmallVector<int64_t>(p.shape) : SmallVector<int64_t>{rows, k};
  gw.codes = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get(codeShape, codeType), codes));
  gw.zeroPoints = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get({rows, groups}, codeType), zps));
  gw.subScales = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(
               RankedTensorType::get({rows, groups}, rewriter.getI32Type()),
               ArrayRef<int32_t>(integer.subScales)));
  for (float d : integer.rowScales)
    gw.rowScales.push_back(d > 0 ? d : 1e-30);
  return gw;
}

struct IntegerizeGroupedConv : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    auto conv = inner.getDefiningOp<ConvOp>();
    if (!conv || conv.getGroup() != 1)
      return failure();
    auto x = dequantized(conv.getInput()), w = dequantized(conv.getWeight());
    if (!x || !w || !x->params.isPerTensor() || x->params.bits > 8)
      return failure();
    Location loc = conv.getLoc();
    auto gw = groupedWeight(rewriter, loc, *w, /*isConv=*/true);
    if (failed(gw))
      return rewriter.notifyMatchFailure(q, "conv weight is not grouped QDQ");
    double sx = x->params.scales[0];
    SmallVector<double> accScales, ratios;
    for (double d : gw->rowScales) {
      accScales.push_back(sx * d);
      ratios.push_back(accScales.back() / out.scales[0]);
    }
    auto bias = integerBias(rewriter, loc, conv.getBias(), accScales,
                            gw->rowScales.size());
    if (failed(bias))
      return rewriter.notifyMatchFailure(q, "conv bias is not constant");
    auto accType = withElement(conv.getType(), rewriter.getI32Type());
    Value acc = rewriter.create<ConvGroupedIntegerOp>(
        loc, accType, storageOf(rewriter, loc, *x), gw->codes, gw->subScales,
        gw->zeroPoints, *bias, x->params.zeroPoints[0], gw->groupSize,
        conv.getStridesAttr(), conv.getPadsAttr(), conv.getDilationsAttr(), 1);
    return replaceRequantized(rewriter, q, acc, 0, ratios, 1, out, clamp);
  }
};

struct IntegerizeGroupedMatMul : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    Value biasValue;
    if (auto add = inner.getDefiningOp<AddOp>()) {
      for (int side = 0; side < 2; ++side) {
        Value mm = side ? add.getRhs() : add.getLhs();
        Value b = side ? add.getLhs() : add.getRhs();
        if (mm.getDefiningOp<MatMulOp>() &&
            cast<RankedTensorType>(b.getType()).getRank() == 1 &&
            (matchPattern(b, m_Constant()) || dequantized(b))) {
          inner = mm;
          biasValue = b;
          break;
        }
      }
    }
    auto mm = inner.getDefiningOp<MatMulOp>();
    if (!mm)
      return failure();
    auto a = dequantized(mm.getLhs()), b = dequantized(mm.getRhs());
    if (!a || !b || !a->params.isPerTensor() || a->params.bits > 8 ||
        mm.getLhs().getType().getRank() < 2)
      return failure();
    Location loc = mm.getLoc();
    auto gw = groupedWeight(rewriter, loc, *b, /*isConv=*/false);
    if (failed(gw))
      return rewriter.notifyMatchFailure(q, "matmul weight is not grouped QDQ");
    double sa = a->params.scales[0];
    SmallVector<double> accScales, ratios;
    for (double d : gw->rowScales) {
      accScales.push_back(sa * d);
      ratios.push_back(accScales.back() / out.scales[0]);
    }
    auto bias = integerBias(rewriter, loc, biasValue, accScales,
                            gw->rowScales.size());
    if (failed(bias))
      return failure();
    auto accType = withElement(mm.getType(), rewriter.getI32Type());
    Value acc = rewriter.create<MatMulGroupedIntegerOp>(
        loc, accType, storageOf(rewriter, loc, *a), gw->codes, gw->subScales,
        gw->zeroPoints, *bias, a->params.zeroPoints[0], gw->groupSize);
    return replaceRequantized(rewriter, q, acc, 0, ratios,
                              accType.getRank() - 1, out, clamp);
  }
};

//===----------------------------------------------------------------------===//
// Elementwise arithmetic
//===----------------------------------------------------------------------===//

/// A shared shift for two ratios: the largest that keeps both multipliers
/// below 2^31.
std::optional<std::tuple<int64_t, int64_t, int64_t>>
sharedMultipliers(double ra, double rb) {
  auto fa = quantizeMultiplier(std::max(ra, rb));
  if (!fa)
    return std::nullopt;
  int64_t shift = fa->shift;
  int64_t ma = std::llround(std::ldexp(ra, shift));
  int64_t mb = std::llround(std::ldexp(rb, shift));
  if (ma > INT32_MAX || mb > INT32_MAX) {
    --shift;
    ma = std::llround(std::ldexp(ra, shift));
    mb = std::llround(std::ldexp(rb, shift));
  }
  return std::make_tuple(ma, mb, shift);
}

/// A float constant operand of a binary op as a per-tensor quantized value
/// over its own range (int8, symmetric), so that the op's other side and its
/// result decide nothing about it.
std::optional<QValue> constantOperand(PatternRewriter &rewriter, Value v) {
  DenseElementsAttr dense;
  if (!matchPattern(v, m_Constant(&dense)) || !dense.getElementType().isF32())
    return std::nullopt;
  double absmax = 0;
  for (float f : dense.getValues<float>())
    absmax = std::max(absmax, (double)std::fabs(f));
  double scale = absmax > 0 ? (double)(float)(absmax / 127.0) : 1.0;
  MLIRContext *ctx = rewriter.getContext();
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<APInt> codes;
  for (float f : dense.getValues<float>())
    codes.push_back(APInt(8, (uint64_t)(int64_t)std::nearbyint(f / scale), true));
  auto qtype = quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), scale, 0, -128, 127);
  Location loc = v.getLoc();
  Value c = rewriter.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get(t.getShape(), IntegerType::get(ctx, 8)),
                                  codes));
  Value qv = rewriter.create<StorageCastOp>(
      loc, RankedTensorType::get(t.getShape(), qtype), c);
  auto p = getQuantParams(qtype, t.getShape());
  return QValue{qv, *p};
}

template <typename FloatOp>
struct IntegerizeBinary : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    if (out.bits > 16)
      return failure();
    auto op = inner.getDefiningOp<FloatOp>();
    if (!op)
      return failure();
    auto a = dequantized(op.getLhs()), b = dequantized(op.getRhs());
    // Each side dequantized or a float constant, checked before
    // constantOperand creates IR: a failing pattern must leave none behind
    // (the greedy driver would erase it and retry forever), e.g. for a
    // float side that was never quantized (qcc.keep_float preprocessing).
    auto quantizable = [](std::optional<QValue> &q, Value v) {
      DenseElementsAttr dense;
      return q || (matchPattern(v, m_Constant(&dense)) &&
                   dense.getElementType().isF32());
    };
    if (!quantizable(a, op.getLhs()) || !quantizable(b, op.getRhs()))
      return rewriter.notifyMatchFailure(q, "an operand is neither QDQ nor a "
                                            "float constant");
    if (!a)
      a = constantOperand(rewriter, op.getLhs());
    if (!b)
      b = constantOperand(rewriter, op.getRhs());
    if (!a || !b || !a->params.isPerTensor() || !b->params.isPerTensor() ||
        a->params.bits > 16 || b->params.bits > 16)
      return rewriter.notifyMatchFailure(q, "operands not per-tensor QDQ");
    Location loc = op.getLoc();
    Value sa = storageOf(rewriter, loc, *a), sb = storageOf(rewriter, loc, *b);
    auto type = withElement(op.getType(), out.storageType(rewriter.getContext()));
    double so = out.scales[0];
    int64_t za = a->params.zeroPoints[0], zb = b->params.zeroPoints[0];
    Value y;
    if constexpr (std::is_same_v<FloatOp, AddOp>) {
      auto shared = sharedMultipliers(a->params.scales[0] / so,
                                      b->params.scales[0] / so);
      if (!shared)
        return failure();
      auto [ma, mb, shift] = *shared;
      y = rewriter.create<QAddOp>(loc, type, sa, sb, za, ma, zb, mb, shift,
                                  out.zeroPoints[0], clamp.lo, clamp.hi);
    } else {
      auto fp = quantizeMultiplier(a->params.scales[0] * b->params.scales[0] / so);
      if (!fp)
        return failure();
      y = rewriter.create<QMulOp>(loc, type, sa, sb, za, zb, fp->multiplier,
                                  fp->shift, out.zeroPoints[0], clamp.lo,
                                  clamp.hi);
    }
    replaceQuantize(rewriter, q, y);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Unary functions as tables
//===----------------------------------------------------------------------===//

/// Whether `v` is computed from `leaf` by float elementwise ops and scalar
/// constants only (a function of one quantized input).
bool isUnaryCluster(Value v, Value leaf, int depth = 0) {
  if (v == leaf)
    return true;
  if (depth > 8)
    return false;
  Operation *op = v.getDefiningOp();
  if (!op || !isScalarFunction(op))
    return false;
  for (Value operand : op->getOperands()) {
    DenseElementsAttr c;
    if (matchPattern(operand, m_Constant(&c)) && c.getNumElements() == 1)
      continue;
    if (!isUnaryCluster(operand, leaf, depth + 1))
      return false;
  }
  return true;
}

/// Finds the one dequantize feeding a unary cluster rooted at `v`.
Value findLeaf(Value v, int depth = 0) {
  if (v.getDefiningOp<DequantizeOp>())
    return v;
  Operation *op = v.getDefiningOp();
  if (!op || depth > 8 || !isScalarFunction(op))
    return nullptr;
  for (Value operand : op->getOperands()) {
    if (matchPattern(operand, m_Constant()))
      continue;
    return findLeaf(operand, depth + 1);
  }
  return nullptr;
}

/// A unary function of one per-tensor quantized input as a table: 256
/// entries for an 8-bit input; for 9 to 16 bits, the window of inputs
/// outside which the table is constant (`first`), so a saturating function
/// (tanh, sigmoid) of a 16-bit tensor keeps a few thousand entries.
struct IntegerizeTable : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp q,
                                PatternRewriter &rewriter) const override {
    auto outType = cast<RankedTensorType>(q.getType());
    auto out = getQuantParams(outType.getElementType(), outType.getShape());
    if (failed(out) || !out->isPerTensor() || out->bits > 16)
      return failure();
    Value root = q.getInput();
    if (root.getDefiningOp<DequantizeOp>() || !root.getDefiningOp() ||
        !isScalarFunction(root.getDefiningOp()))
      return failure();
    Value leaf = findLeaf(root);
    if (!leaf || !isUnaryCluster(root, leaf))
      return failure();
    auto x = dequantized(leaf);
    if (!x || !x->params.isPerTensor() || x->params.bits > 16 ||
        cast<ShapedType>(leaf.getType()).getShape() != outType.getShape())
      return rewriter.notifyMatchFailure(q, "not a table-able unary function");
    int64_t lowest = x->params.qmin,
            count = x->params.qmax - x->params.qmin + 1;
    if (x->params.bits == 8)
      lowest = x->params.isSigned ? -128 : 0, count = 256;
    SmallVector<APInt> table;
    for (int64_t i = 0; i < count; ++i) {
      double in = double(float(i + lowest - x->params.zeroPoints[0]) *
                         float(x->params.scales[0]));
      auto value = evaluateScalarCluster(root, leaf, in);
      if (!value)
        return rewriter.notifyMatchFailure(q, "cannot evaluate the function");
      double r = std::nearbyint(*value / out->scales[0]);
      int64_t v = std::isnan(r) ? out->zeroPoints[0]
                                : (int64_t)std::clamp(
                                      r + out->zeroPoints[0], (double)out->qmin,
                                      (double)out->qmax);
      table.push_back(APInt(out->bits, (uint64_t)v, out->isSigned));
    }
    std::optional<int64_t> first;
    if (x->params.bits != 8) {
      // Trim the constant ends: inputs beyond the window read its end.
      size_t lo = 0, hi = table.size() - 1;
      while (lo < hi && table[lo + 1] == table[0])
        ++lo;
      while (hi > lo && table[hi - 1] == table.back())
        --hi;
      table = SmallVector<APInt>(table.begin() + lo, table.begin() + hi + 1);
      first = lowest + (int64_t)lo;
    }
    Type element = out->storageType(rewriter.getContext());
    auto tableAttr = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)table.size()}, element), table);
    Location loc = q.getLoc();
    IntegerAttr firstAttr =
        first ? rewriter.getI64IntegerAttr(*first) : IntegerAttr();
    Value lut = rewriter.create<LutOp>(loc, withElement(outType, element),
                                       storageOf(rewriter, loc, *x), tableAttr,
                                       firstAttr);
    replaceQuantize(rewriter, q, lut);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Data movement and requantization
//===----------------------------------------------------------------------===//

/// An op that moves or selects values without arithmetic: the same op on
/// the storage integers is the quantized op (with identical input/output
/// parameters; else a requantize follows).
bool movesValues(Operation *op) {
  if (isa<ReshapeOp, TransposeOp, SliceOp, BroadcastOp, GatherOp>(op))
    return true;
  if (auto pool = dyn_cast<PoolOp>(op))
    return pool.getKind() == PoolKind::max;
  if (auto resize = dyn_cast<ResizeOp>(op))
    return resize.getMode() == "nearest";
  return false;
}

struct IntegerizeDataMovement : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    Operation *op = inner.getDefiningOp();
    if (!op)
      return failure();
    Location loc = q.getLoc();
    Value moved;
    std::optional<QValue> x;
    if (auto dq = dyn_cast<DequantizeOp>(op)) {
      // quantize(dequantize(x)) (possibly through an activation): requantize.
      x = dequantized(dq.getResult());
      if (!x || !x->params.isPerTensor())
        return failure();
      moved = storageOf(rewriter, loc, *x);
    } else if (movesValues(op) && op->getNumOperands() >= 1) {
      x = dequantized(op->getOperand(0));
      if (!x || !x->params.isPerTensor())
        return failure();
      IRMapping map;
      map.map(op->getOperand(0), storageOf(rewriter, loc, *x));
      Operation *clone = rewriter.clone(*op, map);
      clone->getResult(0).setType(withElement(
          op->getResult(0).getType(), x->params.storageType(rewriter.getContext())));
      moved = clone->getResult(0);
    } else if (auto pad = dyn_cast<PadOp>(op)) {
      x = dequantized(pad.getInput());
      if (!x || !x->params.isPerTensor())
        return failure();
      double fill = std::nearbyint(pad.getValue().convertToDouble() / x->params.scales[0]) +
                    x->params.zeroPoints[0];
      fill = std::clamp(fill, (double)x->params.qmin, (double)x->params.qmax);
      moved = rewriter.create<PadOp>(
          loc, withElement(pad.getType(), x->params.storageType(rewriter.getContext())),
          pad.getModeAttr(), storageOf(rewriter, loc, *x), pad.getPadsAttr(),
          rewriter.getF64FloatAttr(fill));
    } else if (auto concat = dyn_cast<ConcatOp>(op)) {
      SmallVector<Value> parts;
      for (Value in : concat.getInputs()) {
        auto xi = dequantized(in);
        if (!xi || !xi->params.isPerTensor())
          return failure();
        Value s = storageOf(rewriter, loc, *xi);
        // A part of other parameters or storage (an 8-bit part of a 16-bit
        // concatenation) is requantized to the result's.
        if (xi->params.scales[0] != out.scales[0] ||
            xi->params.zeroPoints[0] != out.zeroPoints[0] ||
            xi->params.bits != out.bits ||
            xi->params.isSigned != out.isSigned) {
          auto r = requantize(rewriter, q, s, xi->params.zeroPoints[0],
                              {xi->params.scales[0] / out.scales[0]}, 0, out,
                              fullRange(out));
          if (failed(r))
            return failure();
          s = *r;
        }
        parts.push_back(s);
      }
      Value y = rewriter.create<ConcatOp>(
          loc, withElement(concat.getType(), out.storageType(rewriter.getContext())),
          parts, concat.getAxis());
      if (clamp.lo != out.qmin || clamp.hi != out.qmax) {
        auto r = requantize(rewriter, q, y, out.zeroPoints[0], {1.0}, 0, out, clamp);
        if (failed(r))
          return failure();
        y = *r;
      }
      replaceQuantize(rewriter, q, y);
      return success();
    } else {
      return failure();
    }

    bool sameParams = x->params.scales[0] == out.scales[0] &&
                      x->params.zeroPoints[0] == out.zeroPoints[0] &&
                      x->params.bits == out.bits &&
                      x->params.isSigned == out.isSigned;
    if (!sameParams || clamp.lo != out.qmin || clamp.hi != out.qmax) {
      auto r = requantize(rewriter, q, moved, x->params.zeroPoints[0],
                          {x->params.scales[0] / out.scales[0]}, 0, out, clamp);
      if (failed(r))
        return failure();
      moved = *r;
    }
    replaceQuantize(rewriter, q, moved);
    return success();
  }
};

/// Average pooling as a depthwise integer convolution with a filter of ones
/// (the window sum of x - zp, padding contributing nothing), requantized by
/// sx / (count * sy). Only when every window counts the same elements.
struct IntegerizeAvgPool : QuantizeRootPattern {
  using QuantizeRootPattern::QuantizeRootPattern;
  LogicalResult rewriteRoot(QuantizeOp q, const QuantParams &out, Clamp clamp,
                            Value inner,
                            PatternRewriter &rewriter) const override {
    // A window: average pooling, or a mean over all spatial axes (global
    // average pooling as ONNX exporters write it).
    Value input;
    SmallVector<int64_t> kernel, strides, pads, dilations;
    auto pool = inner.getDefiningOp<PoolOp>();
    auto mean = inner.getDefiningOp<ReduceOp>();
    if (pool && pool.getKind() == PoolKind::avg) {
      bool padded = llvm::any_of(pool.getPads(), [](int64_t p) { return p != 0; });
      if (padded && !pool.getCountIncludePad())
        return rewriter.notifyMatchFailure(q, "window counts differ at borders");
      input = pool.getInput();
      kernel.assign(pool.getKernel().begin(), pool.getKernel().end());
      strides.assign(pool.getStrides().begin(), pool.getStrides().end());
      pads.assign(pool.getPads().begin(), pool.getPads().end());
      dilations.assign(pool.getDilations().begin(), pool.getDilations().end());
    } else if (mean && mean.getKind() == ReduceKind::mean) {
      input = mean.getInput();
      auto t = cast<RankedTensorType>(input.getType());
      SmallVector<int64_t> axes(mean.getAxes());
      llvm::sort(axes);
      if (t.getRank() < 3 || (int64_t)axes.size() != t.getRank() - 2)
        return failure();
      for (auto [i, a] : llvm::enumerate(axes))
        if (a != (int64_t)i + 2)
          return failure();
      for (int64_t d = 2; d < t.getRank(); ++d) {
        kernel.push_back(t.getDimSize(d));
        strides.push_back(1);
        dilations.push_back(1);
      }
      pads.assign(2 * kernel.size(), 0);
    } else {
      return failure();
    }
    auto x = dequantized(input);
    if (!x || !x->params.isPerTensor() || x->params.bits > 8)
      return failure();
    auto it = cast<RankedTensorType>(input.getType());
    int64_t channels = it.getDimSize(1), count = 1;
    SmallVector<int64_t> wShape{channels, 1};
    for (int64_t k : kernel) {
      wShape.push_back(k);
      count *= k;
    }
    Location loc = inner.getLoc();
    auto wType = RankedTensorType::get(wShape, rewriter.getI8Type());
    Value ones = rewriter.create<arith::ConstantOp>(
        loc, DenseElementsAttr::get(wType, rewriter.getI8IntegerAttr(1)));
    SmallVector<int64_t> accShape{it.getDimSize(0), channels};
    for (size_t i = 0; i < kernel.size(); ++i) {
      int64_t extent = it.getDimSize(2 + i) + pads[i] + pads[kernel.size() + i];
      accShape.push_back((extent - dilations[i] * (kernel[i] - 1) - 1) / strides[i] + 1);
    }
    auto accType = RankedTensorType::get(accShape, rewriter.getI32Type());
    Value acc = rewriter.create<ConvIntegerOp>(
        loc, accType, storageOf(rewriter, loc, *x), ones, Value(),
        x->params.zeroPoints[0], rewriter.getDenseI64ArrayAttr({0}),
        rewriter.getDenseI64ArrayAttr(strides), rewriter.getDenseI64ArrayAttr(pads),
        rewriter.getDenseI64ArrayAttr(dilations), channels);
    if (accType.getShape() != cast<ShapedType>(inner.getType()).getShape())
      acc = rewriter.create<ReshapeOp>(
          loc, withElement(inner.getType(), rewriter.getI32Type()), acc);
    return replaceRequantized(rewriter, q, acc, 0,
                        {x->params.scales[0] / (count * out.scales[0])}, 0, out,
                        clamp);
  }
};

struct IntegerizePass : qcc::qnn::impl::IntegerizeBase<IntegerizePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Grouped weights first: a sub-byte per-channel weight also reads as
    // per axis.
    patterns.add<IntegerizeGroupedConv, IntegerizeGroupedMatMul>(
        &getContext(), /*benefit=*/2);
    patterns.add<IntegerizeConv, IntegerizeMatMul, IntegerizeBinary<AddOp>,
                 IntegerizeBinary<MulOp>, IntegerizeTable,
                 IntegerizeDataMovement, IntegerizeAvgPool>(&getContext());
    populateIntegerizeNormPatterns(patterns);
    populateIntegerizeConvTransposePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
