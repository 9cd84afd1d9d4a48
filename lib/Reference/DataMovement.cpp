//===- DataMovement.cpp - reshape, transpose, slices, pads, resize --------===//
//
// These ops move values without arithmetic, so on integers they are exact
// by construction. Most are an "axis table" gather (gatherByAxisTables):
// every output axis position names one source position. Resize with linear
// or cubic taps computes in double and is float-only.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

RefTensor reshape(Operation *op, const RefTensor &x) {
  RefTensor out = x;
  out.type = resultType(op);
  return out;
}

RefTensor transpose(qnn::TransposeOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  SmallVector<int64_t> inStrides = stridesOf(x.shape());
  SmallVector<std::vector<int64_t>> tables;
  for (auto [d, p] : llvm::enumerate(op.getPerm())) {
    std::vector<int64_t> t(type.getDimSize(d));
    for (int64_t o = 0; o < (int64_t)t.size(); ++o)
      t[o] = o * inStrides[p];
    tables.push_back(std::move(t));
  }
  return gatherByAxisTables(type, x, tables, 0, 0);
}

RefTensor broadcast(Operation *op, const RefTensor &x) {
  RankedTensorType type = resultType(op);
  SmallVector<int64_t> strides = broadcastStrides(x.shape(), type.getShape());
  SmallVector<std::vector<int64_t>> tables;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    std::vector<int64_t> t(type.getDimSize(d));
    for (int64_t o = 0; o < (int64_t)t.size(); ++o)
      t[o] = o * strides[d];
    tables.push_back(std::move(t));
  }
  return gatherByAxisTables(type, x, tables, 0, 0);
}

RefTensor slice(qnn::SliceOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  SmallVector<int64_t> inStrides = stridesOf(x.shape());
  SmallVector<std::vector<int64_t>> tables;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    std::vector<int64_t> t(type.getDimSize(d));
    int64_t start = op.getStarts()[d], step = op.getSteps()[d];
    for (int64_t o = 0; o < (int64_t)t.size(); ++o)
      t[o] = (start + o * step) * inStrides[d];
    tables.push_back(std::move(t));
  }
  return gatherByAxisTables(type, x, tables, 0, 0);
}

RefTensor concat(qnn::ConcatOp op, Operands in) {
  RankedTensorType type = op.getType();
  int64_t axis = op.getAxis();
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= type.getDimSize(d);
  RefTensor out;
  out.type = type;
  bool isFloat = out.isFloat();
  for (int64_t o = 0; o < outer; ++o) {
    for (const RefTensor *t : in) {
      int64_t block = outer ? t->numElements() / outer : 0;
      if (isFloat)
        out.floats.insert(out.floats.end(), t->floats.begin() + o * block,
                          t->floats.begin() + (o + 1) * block);
      else
        out.ints.insert(out.ints.end(), t->ints.begin() + o * block,
                        t->ints.begin() + (o + 1) * block);
    }
  }
  return out;
}

FailureOr<RefTensor> gather(qnn::GatherOp op, const RefTensor &x,
                            const RefTensor &indices) {
  RankedTensorType type = op.getType();
  if (indices.isFloat())
    return opError(op, "gather indices must be integers");
  int64_t axis = op.getAxis();
  if (axis < 0)
    axis += x.type.getRank();
  int64_t outer = 1, inner = 1, dim = x.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.type.getRank(); ++d)
    inner *= x.shape()[d];
  for (int64_t i : indices.ints)
    if (i < -dim || i >= dim)
      return opError(op, Twine("gather index ") + Twine(i) +
                             " is out of range for an axis of " + Twine(dim));
  RefTensor out;
  out.type = type;
  bool isFloat = out.isFloat();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : indices.ints) {
      int64_t src = (o * dim + (i < 0 ? i + dim : i)) * inner;
      if (isFloat)
        out.floats.insert(out.floats.end(), x.floats.begin() + src,
                          x.floats.begin() + src + inner);
      else
        out.ints.insert(out.ints.end(), x.ints.begin() + src,
                        x.ints.begin() + src + inner);
    }
  return out;
}

/// Offsets clamped so the block fits, as the op defines.
RefTensor updateSlice(const RefTensor &x, const RefTensor &update,
                      const RefTensor &offsets) {
  RefTensor out = x;
  ArrayRef<int64_t> shape = x.shape(), block = update.shape();
  int64_t rank = (int64_t)shape.size();
  SmallVector<int64_t> start(rank);
  for (int64_t d = 0; d < rank; ++d)
    start[d] = std::clamp<int64_t>(offsets.ints[d], 0, shape[d] - block[d]);
  SmallVector<int64_t> outStrides = stridesOf(shape);
  SmallVector<int64_t> idx(rank, 0);
  for (int64_t n = 0; n < update.numElements(); ++n) {
    int64_t flat = 0;
    for (int64_t d = 0; d < rank; ++d)
      flat += (start[d] + idx[d]) * outStrides[d];
    if (out.isFloat())
      out.floats[flat] = update.floats[n];
    else
      out.ints[flat] = update.ints[n];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++idx[d] < block[d])
        break;
      idx[d] = 0;
    }
  }
  return out;
}

/// The fill value of an integer tensor from a float attribute: it must be
/// an integer of the element type.
FailureOr<int64_t> integerFill(Operation *op, double value, Type elementType) {
  IntegerKind kind = *getIntegerKind(elementType);
  if (value != std::floor(value) || value < (double)kind.min() ||
      value > (double)kind.max()) {
    (void)opError(op, "fill value " + std::to_string(value) +
                          " is not an integer of the element type");
    return failure();
  }
  return (int64_t)value;
}

FailureOr<RefTensor> pad(qnn::PadOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  int64_t rank = type.getRank();
  ArrayRef<int64_t> pads = op.getPads();
  double value = op.getValue().convertToDouble();
  int64_t fillInt = 0;
  if (!x.isFloat() && op.getMode() == qnn::PadMode::constant) {
    auto f = integerFill(op, value, type.getElementType());
    if (failed(f))
      return failure();
    fillInt = *f;
  }
  SmallVector<int64_t> inStrides = stridesOf(x.shape());
  SmallVector<std::vector<int64_t>> tables;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t n = x.shape()[d], before = pads[d];
    std::vector<int64_t> t(type.getDimSize(d));
    for (int64_t o = 0; o < (int64_t)t.size(); ++o) {
      int64_t i = o - before;
      if (i < 0 || i >= n) {
        switch (op.getMode()) {
        case qnn::PadMode::constant:
          i = -1;
          break;
        case qnn::PadMode::edge:
          i = i < 0 ? 0 : n - 1;
          break;
        case qnn::PadMode::wrap:
          i = ((i % n) + n) % n;
          break;
        case qnn::PadMode::reflect: {
          if (n == 1) {
            i = 0;
            break;
          }
          int64_t period = 2 * (n - 1);
          i = ((i % period) + period) % period;
          if (i >= n)
            i = period - i;
          break;
        }
        }
      }
      t[o] = i < 0 ? kFill : i * inStrides[d];
    }
    tables.push_back(std::move(t));
  }
  return gatherByAxisTables(
      type, x, tables, fillInt,
      x.isFloat() ? roundToFloatType(value, type.getElementType()) : 0.0);
}

//===----------------------------------------------------------------------===//
// Resize (ONNX Resize; taps as the ONNX reference computes them)
//===----------------------------------------------------------------------===//

struct AxisTaps {
  int64_t taps = 0;
  std::vector<int64_t> index;    // out x taps
  std::vector<double> weight;    // out x taps
  std::vector<bool> extrapolate; // out
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

AxisTaps computeTaps(qnn::ResizeOp op, int64_t axis, int64_t in, int64_t out) {
  StringRef ctm = op.getCoordinateTransformationMode();
  double scale = op.getScales()[axis];
  double outWidth = scale * in; // ONNX uses the real-valued output width
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
    t.taps = n;
    for (int64_t j = 0; j < n; ++j) {
      t.index.push_back(std::clamp<int64_t>(idx[j], 0, in - 1));
      t.weight.push_back(c[j]);
    }
    t.extrapolate.push_back(extrapolate);
  }
  return t;
}

FailureOr<RefTensor> resize(qnn::ResizeOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  bool nearest = op.getMode() == "nearest";
  if (!x.isFloat() && !nearest)
    return opError(op, "only nearest resize is supported on integers");
  double extrapolation = op.getExtrapolationValue().convertToDouble();
  int64_t fillInt = 0;
  bool crop = op.getCoordinateTransformationMode() == "tf_crop_and_resize";
  if (!x.isFloat() && crop) {
    auto f = integerFill(op, extrapolation, type.getElementType());
    if (failed(f))
      return failure();
    fillInt = *f;
  }
  int64_t rank = type.getRank();
  if (nearest) {
    SmallVector<int64_t> inStrides = stridesOf(x.shape());
    SmallVector<std::vector<int64_t>> tables;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t in = x.shape()[d], out = type.getDimSize(d);
      std::vector<int64_t> t(out);
      if (in == out && op.getScales()[d] == 1.0 && !crop) {
        for (int64_t o = 0; o < out; ++o)
          t[o] = o * inStrides[d];
      } else {
        AxisTaps taps = computeTaps(op, d, in, out);
        for (int64_t o = 0; o < out; ++o)
          t[o] = taps.extrapolate[o] ? kFill : taps.index[o] * inStrides[d];
      }
      tables.push_back(std::move(t));
    }
    return gatherByAxisTables(
        type, x, tables, fillInt,
        x.isFloat() ? roundToFloatType(extrapolation, type.getElementType())
                    : 0.0);
  }
  // Linear and cubic: separable passes from the last axis to the first, as
  // ONNX's reference interpolates, in double precision.
  std::vector<double> cur = x.floats;
  SmallVector<int64_t> shape(x.shape());
  for (int64_t d = rank - 1; d >= 0; --d) {
    int64_t in = shape[d], out = type.getDimSize(d);
    if (in == out && op.getScales()[d] == 1.0 && !crop)
      continue;
    AxisTaps taps = computeTaps(op, d, in, out);
    int64_t outer = 1, inner = 1;
    for (int64_t e = 0; e < d; ++e)
      outer *= shape[e];
    for (int64_t e = d + 1; e < rank; ++e)
      inner *= shape[e];
    std::vector<double> next(outer * out * inner);
    for (int64_t a = 0; a < outer; ++a)
      for (int64_t o = 0; o < out; ++o)
        for (int64_t i = 0; i < inner; ++i) {
          double sum = 0;
          if (taps.extrapolate[o]) {
            sum = extrapolation;
          } else {
            for (int64_t t = 0; t < taps.taps; ++t)
              sum += taps.weight[o * taps.taps + t] *
                     cur[(a * in + taps.index[o * taps.taps + t]) * inner + i];
          }
          next[(a * out + o) * inner + i] = sum;
        }
    cur = std::move(next);
    shape[d] = out;
  }
  RefTensor result;
  result.type = type;
  result.floats.reserve(cur.size());
  for (double v : cur)
    result.floats.push_back(roundToFloatType(v, type.getElementType()));
  return result;
}

} // namespace

EvalResult reference::evalDataMovementOp(Operation *op, Operands in) {
  if (isa<qnn::ReshapeOp, tensor::ReshapeOp, tensor::CollapseShapeOp,
          tensor::ExpandShapeOp>(op))
    return reshape(op, *in[0]);
  if (auto t = dyn_cast<qnn::TransposeOp>(op))
    return transpose(t, *in[0]);
  if (isa<qnn::BroadcastOp>(op))
    return broadcast(op, *in[0]);
  if (auto s = dyn_cast<qnn::SliceOp>(op))
    return slice(s, *in[0]);
  if (auto c = dyn_cast<qnn::ConcatOp>(op))
    return concat(c, in);
  if (auto g = dyn_cast<qnn::GatherOp>(op))
    return gather(g, *in[0], *in[1]);
  if (isa<qnn::UpdateSliceOp>(op))
    return updateSlice(*in[0], *in[1], *in[2]);
  if (auto p = dyn_cast<qnn::PadOp>(op))
    return pad(p, *in[0]);
  if (auto r = dyn_cast<qnn::ResizeOp>(op))
    return resize(r, *in[0]);
  return std::nullopt;
}
