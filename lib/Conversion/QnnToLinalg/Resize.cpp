//===- Resize.cpp - qnn.resize to linalg ----------------------------------===//
//
// Resize is separable: each resampled axis becomes one linalg.generic that
// computes out[.., o, ..] = bias[o] + sum_t w[o, t] * in[.., idx[o, t], ..]
// with tap tables computed here, at compile time, from ONNX's definition
// (coordinate transformation, nearest rounding, linear and cubic kernels,
// antialiasing, exclude_outside, tf_crop_and_resize extrapolation). Axes are
// processed from last to first, the order in which ONNX's reference
// interpolates.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

struct AxisTaps {
  int64_t taps = 0;
  std::vector<int64_t> index; // out x taps
  std::vector<float> weight;  // out x taps
  std::vector<float> bias;    // out
};

std::vector<double> coefficients(StringRef mode, StringRef nearestMode,
                                 double ratio, double scale, double a,
                                 bool antialias) {
  if (mode == "nearest") {
    if (ratio == 1.0)
      return {0, 1};
    if (nearestMode == "round_prefer_floor")
      return {double(ratio <= 0.5), double(ratio > 0.5)};
    if (nearestMode == "round_prefer_ceil")
      return {double(ratio < 0.5), double(ratio >= 0.5)};
    if (nearestMode == "floor")
      return {1, 0};
    return {0, 1};
  }
  if (mode == "linear") {
    if (!antialias)
      return {1 - ratio, ratio};
    double s = std::min(scale, 1.0);
    int64_t start = (int64_t)std::floor(-1 / s) + 1;
    int64_t footprint = 2 - 2 * start;
    std::vector<double> c;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      double v = std::clamp(1 - std::abs((i - ratio) * s), 0.0, 1.0);
      c.push_back(v);
      sum += v;
    }
    for (double &v : c)
      v /= sum;
    return c;
  }
  // cubic
  if (!antialias) {
    double r = ratio, q = 1 - ratio;
    return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * q - (a + 3)) * q * q + 1,
            ((a * (q + 1) - 5 * a) * (q + 1) + 8 * a) * (q + 1) - 4 * a};
  }
  double s = std::min(scale, 1.0);
  int64_t start = (int64_t)std::floor(-2 / s) + 1, end = 2 - start;
  std::vector<double> c;
  double sum = 0;
  for (int64_t i = start; i < end; ++i) {
    double x = std::abs(s * (i - ratio)), v = 0;
    if (x <= 1)
      v = (a + 2) * x * x * x - (a + 3) * x * x + 1;
    else if (x < 2)
      v = a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
    c.push_back(v);
    sum += v;
  }
  for (double &v : c)
    v /= sum;
  return c;
}

AxisTaps computeTaps(ResizeOp op, int64_t axis, int64_t in, int64_t out) {
  StringRef ctm = op.getCoordinateTransformationMode();
  double scale = op.getScales()[axis];
  double outWidth = scale * in; // ONNX uses the real-valued output width.
  double a = op.getCubicCoeffA().convertToDouble();
  bool antialias = op.getAntialias() && op.getMode() != "nearest" && scale < 1;
  AxisTaps t;
  for (int64_t o = 0; o < out; ++o) {
    double x = o, xo = 0;
    bool extrapolate = false;
    if (ctm == "align_corners") {
      xo = outWidth == 1 ? 0 : x * (in - 1) / (outWidth - 1);
    } else if (ctm == "asymmetric") {
      xo = x / scale;
    } else if (ctm == "tf_crop_and_resize") {
      int64_t rank = op.getScales().size();
      double r0 = (*op.getRoi())[axis], r1 = (*op.getRoi())[rank + axis];
      xo = outWidth == 1 ? (r1 - r0) * (in - 1) / 2
                         : x * (r1 - r0) * (in - 1) / (outWidth - 1);
      xo += r0 * (in - 1);
      extrapolate = xo < 0 || xo > in - 1;
    } else if (ctm == "pytorch_half_pixel") {
      xo = outWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    } else if (ctm == "half_pixel") {
      xo = (x + 0.5) / scale - 0.5;
    } else if (ctm == "half_pixel_symmetric") {
      double adjustment = out / outWidth;
      double offset = in / 2.0 * (1 - adjustment);
      xo = offset + (x + 0.5) / scale - 0.5;
    } else { // tf_half_pixel_for_nn
      xo = (x + 0.5) / scale;
    }
    int64_t base = (int64_t)std::floor(xo);
    double ratio = xo - base;
    if (ratio == 0) { // an integer coordinate: the neighbours sit below it
      ratio = 1;
      base -= 1;
    }
    std::vector<double> c = coefficients(op.getMode(), op.getNearestMode(),
                                         ratio, scale, a, antialias);
    int64_t n = c.size();
    std::vector<int64_t> idx(n);
    for (int64_t j = 0; j < n; ++j)
      idx[j] = base - n / 2 + 1 + j;
    if (op.getMode() == "nearest") {
      // One of the two neighbours has weight 1: keep just that tap.
      int64_t pick = c[0] == 1.0 ? 0 : 1;
      idx = {idx[pick]};
      c = {1.0};
      n = 1;
    }
    if (op.getExcludeOutside()) {
      double sum = 0;
      for (int64_t j = 0; j < n; ++j) {
        if (idx[j] < 0 || idx[j] >= in)
          c[j] = 0;
        sum += c[j];
      }
      for (double &v : c)
        v /= sum;
    }
    if (t.taps == 0)
      t.taps = n;
    for (int64_t j = 0; j < n; ++j) {
      t.index.push_back(std::clamp<int64_t>(idx[j], 0, in - 1));
      t.weight.push_back(extrapolate ? 0.f : (float)c[j]);
    }
    t.bias.push_back(extrapolate
                         ? (float)op.getExtrapolationValue().convertToDouble()
                         : 0.f);
  }
  return t;
}

struct ResizeLowering : OpConversionPattern<ResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    RankedTensorType type = op.getType();
    Type et = type.getElementType();
    if (!isa<FloatType>(et) && op.getMode() != "nearest")
      return rewriter.notifyMatchFailure(op, "only nearest resizes integers");
    Value current = adaptor.getInput();
    int64_t rank = type.getRank();
    for (int64_t axis = rank - 1; axis >= 0; --axis) {
      auto ct = cast<RankedTensorType>(current.getType());
      int64_t in = ct.getDimSize(axis), out = type.getDimSize(axis);
      if (in == out && op.getScales()[axis] == 1.0 &&
          op.getCoordinateTransformationMode() != "tf_crop_and_resize")
        continue;
      AxisTaps taps = computeTaps(op, axis, in, out);
      int64_t n = taps.taps;
      SmallVector<int64_t> shape(ct.getShape());
      shape[axis] = out;
      auto stepType = RankedTensorType::get(shape, et);
      auto idxType = RankedTensorType::get({out, n}, rewriter.getI64Type());
      auto wType = RankedTensorType::get({out, n}, rewriter.getF32Type());
      Value idx = rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(idxType, ArrayRef<int64_t>(taps.index)));
      Value w = rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(wType, ArrayRef<float>(taps.weight)));
      SmallVector<int64_t> biasShape(rank, 1);
      biasShape[axis] = out;
      Value bias = rewriter.create<arith::ConstantOp>(
          loc, DenseElementsAttr::get(
                   RankedTensorType::get(biasShape, rewriter.getF32Type()),
                   ArrayRef<float>(taps.bias)));
      Value init = buildElementwise(rewriter, loc, stepType, {bias},
                                    [&](OpBuilder &b, Location l, ValueRange a) {
                                      return convertScalar(b, l, a[0], et);
                                    });
      unsigned loops = rank + 1;
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      SmallVector<AffineExpr> outE;
      for (int64_t i = 0; i < rank; ++i)
        outE.push_back(d(i));
      auto tableMap = AffineMap::get(loops, 0, {d(axis), d(rank)}, ctx);
      SmallVector<AffineMap> maps{tableMap, tableMap,
                                  AffineMap::get(loops, 0, outE, ctx)};
      auto iters = parallel(loops);
      iters.back() = utils::IteratorType::reduction;
      Value src = current;
      current =
          rewriter
              .create<linalg::GenericOp>(
                  loc, stepType, ValueRange{idx, w}, init, maps, iters,
                  [&](OpBuilder &b, Location l, ValueRange a) {
                    SmallVector<Value> coords;
                    for (int64_t i = 0; i < rank; ++i)
                      coords.push_back(
                          i == axis ? b.create<arith::IndexCastOp>(
                                           l, b.getIndexType(), a[0])
                                           .getResult()
                                    : b.create<linalg::IndexOp>(l, i).getResult());
                    Value x = b.create<tensor::ExtractOp>(l, src, coords);
                    Value wt = convertScalar(b, l, a[1], et);
                    b.create<linalg::YieldOp>(l, add(b, l, a[2], mul(b, l, wt, x)));
                  })
              .getResult(0);
    }
    rewriter.replaceOp(op, current);
    return success();
  }
};

} // namespace

void qcc::populateQnnResizeToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<ResizeLowering>(patterns.getContext());
}
