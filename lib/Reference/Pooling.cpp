//===- Pooling.cpp - pooling, reductions, arg-reductions, softmax ---------===//
//
// Max pooling and max/min/sum/prod reductions and arg-reductions are exact
// on integers (sums and products wrap at the element width; a window that
// lies wholly in the padding gives the type's minimum, as padding never
// wins a max). Average/Lp pooling, mean and the log/exp reductions and
// softmax are float-only.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

FailureOr<RefTensor> pool(qnn::PoolOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  qnn::PoolKind kind = op.getKind();
  bool isFloat = x.isFloat();
  if (isa<quant::QuantizedType>(x.type.getElementType()) &&
      kind != qnn::PoolKind::max)
    return opError(op, "average and Lp pooling of a quantized tensor have no "
                       "integer meaning");
  if (!isFloat && kind != qnn::PoolKind::max)
    return opError(op, "average and Lp pooling are float-only (the integer "
                       "contract defines max pooling only)");
  int64_t spatial = type.getRank() - 2;
  ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                    pads = op.getPads(), dil = op.getDilations();
  int64_t planes = type.getDimSize(0) * type.getDimSize(1);
  SmallVector<int64_t> inSp(x.shape().drop_front(2)),
      outSp(type.getShape().drop_front(2));
  SmallVector<int64_t> inStride = stridesOf(inSp);
  int64_t inSize = 1, outSize = 1, window = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    inSize *= inSp[d];
    outSize *= outSp[d];
    window *= kernel[d];
  }
  int64_t lowest = 0;
  if (!isFloat)
    lowest = getIntegerKind(x.type.getElementType())->min();
  double p = (double)op.getP();
  bool includePad = op.getCountIncludePad();

  RefTensor out;
  out.type = type;
  if (isFloat)
    out.floats.resize(planes * outSize);
  else
    out.ints.resize(planes * outSize);
  SmallVector<int64_t> oc(spatial, 0), kc(spatial, 0);
  for (int64_t o = 0; o < outSize; ++o) {
    // Gather the in-bounds window offsets of this output position once.
    SmallVector<int64_t> offsets;
    int64_t padCount = 0; // positions inside input + explicit padding
    std::fill(kc.begin(), kc.end(), 0);
    for (int64_t w = 0; w < window; ++w) {
      int64_t off = 0;
      bool inside = true, inPadded = true;
      for (int64_t d = 0; d < spatial; ++d) {
        int64_t i = oc[d] * strides[d] + kc[d] * dil[d] - pads[d];
        if (i < 0 || i >= inSp[d])
          inside = false;
        if (i < -pads[d] || i >= inSp[d] + pads[spatial + d])
          inPadded = false;
        off += i * inStride[d];
      }
      if (inside)
        offsets.push_back(off);
      padCount += inPadded;
      for (int64_t d = spatial; d-- > 0;) {
        if (++kc[d] < kernel[d])
          break;
        kc[d] = 0;
      }
    }
    for (int64_t plane = 0; plane < planes; ++plane) {
      int64_t base = plane * inSize, dst = plane * outSize + o;
      if (!isFloat) {
        int64_t m = lowest;
        for (int64_t off : offsets)
          m = std::max(m, x.ints[base + off]);
        out.ints[dst] = m;
        continue;
      }
      double r;
      if (kind == qnn::PoolKind::max) {
        r = -std::numeric_limits<double>::infinity();
        for (int64_t off : offsets) {
          double v = x.floats[base + off];
          if (std::isnan(v) || v > r)
            r = v;
          if (std::isnan(r))
            break;
        }
      } else if (kind == qnn::PoolKind::avg) {
        double sum = 0;
        for (int64_t off : offsets)
          sum += x.floats[base + off];
        int64_t count = includePad ? padCount : (int64_t)offsets.size();
        r = sum / (double)count;
      } else {
        double sum = 0;
        for (int64_t off : offsets)
          sum += std::pow(std::fabs(x.floats[base + off]), p);
        r = std::pow(sum, 1.0 / p);
      }
      out.floats[dst] = roundToFloatType(r, type.getElementType());
    }
    for (int64_t d = spatial; d-- > 0;) {
      if (++oc[d] < outSp[d])
        break;
      oc[d] = 0;
    }
  }
  return out;
}

FailureOr<RefTensor> reduce(qnn::ReduceOp op, const RefTensor &x) {
  using K = qnn::ReduceKind;
  RankedTensorType type = op.getType();
  K kind = op.getKind();
  bool isFloat = x.isFloat();
  if (isa<quant::QuantizedType>(x.type.getElementType()) && kind != K::max &&
      kind != K::min)
    return opError(op, "only max/min reductions of quantized tensors have an "
                       "integer meaning");
  if (!isFloat && kind != K::sum && kind != K::max && kind != K::min &&
      kind != K::prod && kind != K::l1 && kind != K::sum_square)
    return opError(op, "this reduction is float-only");
  // Strides from the input's index space to the (keepdims) output.
  SmallVector<int64_t> kept(x.shape());
  for (int64_t a : op.getAxes())
    kept[a] = 1;
  SmallVector<int64_t> toOut = broadcastStrides(kept, x.shape());
  int64_t outN = type.getNumElements();
  int64_t count = outN ? x.numElements() / outN : 0;

  RefTensor out;
  out.type = type;
  if (!isFloat) {
    IntegerKind ik = *getIntegerKind(x.type.getElementType());
    IntegerKind rk = *getIntegerKind(type.getElementType());
    int64_t init = kind == K::prod  ? 1
                   : kind == K::max ? ik.min()
                   : kind == K::min ? ik.max()
                                    : 0;
    out.ints.assign(outN, init);
    forEachStrided<1>(x.shape(), {toOut},
                      [&](int64_t k, const std::array<int64_t, 1> &o) {
                        int64_t v = x.ints[k], &acc = out.ints[o[0]];
                        switch (kind) {
                        case K::max:
                          acc = std::max(acc, v);
                          break;
                        case K::min:
                          acc = std::min(acc, v);
                          break;
                        case K::prod:
                          acc = wrapMul(acc, v);
                          break;
                        case K::l1:
                          acc = wrapAdd(acc, v < 0 ? wrapSub(0, v) : v);
                          break;
                        case K::sum_square:
                          acc = wrapAdd(acc, wrapMul(v, v));
                          break;
                        default:
                          acc = wrapAdd(acc, v);
                        }
                      });
    for (int64_t &v : out.ints)
      v = rk.wrap(v);
    return out;
  }
  double init = kind == K::prod  ? 1.0
                : kind == K::max ? -std::numeric_limits<double>::infinity()
                : kind == K::min ? std::numeric_limits<double>::infinity()
                                 : 0.0;
  std::vector<double> acc(outN, init);
  std::vector<double> peak;
  if (kind == K::log_sum_exp) {
    // Subtract the maximum first, as numerically careful kernels do.
    peak.assign(outN, -std::numeric_limits<double>::infinity());
    forEachStrided<1>(x.shape(), {toOut},
                      [&](int64_t k, const std::array<int64_t, 1> &o) {
                        peak[o[0]] = std::max(peak[o[0]], x.floats[k]);
                      });
    for (double &m : peak)
      if (!std::isfinite(m))
        m = 0;
  }
  forEachStrided<1>(x.shape(), {toOut},
                    [&](int64_t k, const std::array<int64_t, 1> &o) {
                      double v = x.floats[k], &a = acc[o[0]];
                      switch (kind) {
                      case K::max:
                        a = std::isnan(v) || v > a ? v : a;
                        break;
                      case K::min:
                        a = std::isnan(v) || v < a ? v : a;
                        break;
                      case K::prod:
                        a *= v;
                        break;
                      case K::l1:
                        a += std::fabs(v);
                        break;
                      case K::l2:
                      case K::sum_square:
                        a += v * v;
                        break;
                      case K::log_sum_exp:
                        a += std::exp(v - peak[o[0]]);
                        break;
                      default:
                        a += v;
                      }
                    });
  for (int64_t o = 0; o < outN; ++o) {
    double v = acc[o];
    if (kind == K::mean)
      v /= (double)count;
    else if (kind == K::l2)
      v = std::sqrt(v);
    else if (kind == K::log_sum)
      v = std::log(v);
    else if (kind == K::log_sum_exp)
      v = std::log(v) + peak[o];
    out.floats.push_back(roundToFloatType(v, type.getElementType()));
  }
  return out;
}

FailureOr<RefTensor> argReduce(qnn::ArgReduceOp op, const RefTensor &x) {
  int64_t axis = op.getAxis();
  if (axis < 0)
    axis += x.type.getRank();
  int64_t outer = 1, inner = 1, dim = x.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.type.getRank(); ++d)
    inner *= x.shape()[d];
  bool isMax = op.getKind() == qnn::ArgKind::argmax;
  bool last = op.getSelectLastIndex();
  RefTensor out;
  out.type = op.getType();
  IntegerKind rk = *getIntegerKind(out.type.getElementType());
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      for (int64_t j = 1; j < dim; ++j) {
        int64_t cur = (a * dim + j) * inner + i,
                ref = (a * dim + best) * inner + i;
        bool better, equal;
        if (x.isFloat()) {
          double v = x.floats[cur], b = x.floats[ref];
          better = isMax ? v > b : v < b;
          equal = v == b;
        } else {
          int64_t v = x.ints[cur], b = x.ints[ref];
          better = isMax ? v > b : v < b;
          equal = v == b;
        }
        if (better || (last && equal))
          best = j;
      }
      out.ints.push_back(rk.wrap(best));
    }
  return out;
}

FailureOr<RefTensor> softmax(qnn::SoftmaxOp op, const RefTensor &x) {
  if (!x.isFloat())
    return opError(op, "softmax is float-only");
  int64_t axis = op.getAxis();
  if (axis < 0)
    axis += x.type.getRank();
  int64_t outer = 1, inner = 1, dim = x.shape()[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.shape()[d];
  for (int64_t d = axis + 1; d < x.type.getRank(); ++d)
    inner *= x.shape()[d];
  RefTensor out;
  out.type = op.getType();
  out.floats.resize(x.floats.size());
  Type et = out.type.getElementType();
  for (int64_t a = 0; a < outer; ++a)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return (a * dim + j) * inner + i; };
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < dim; ++j)
        m = std::max(m, x.floats[at(j)]);
      double sum = 0;
      for (int64_t j = 0; j < dim; ++j)
        sum += std::exp(x.floats[at(j)] - m);
      for (int64_t j = 0; j < dim; ++j) {
        double v = x.floats[at(j)] - m;
        out.floats[at(j)] = roundToFloatType(
            op.getLog() ? v - std::log(sum) : std::exp(v) / sum, et);
      }
    }
  return out;
}

} // namespace

EvalResult reference::evalPoolingOp(Operation *op, Operands in) {
  if (auto p = dyn_cast<qnn::PoolOp>(op))
    return pool(p, *in[0]);
  if (auto r = dyn_cast<qnn::ReduceOp>(op))
    return reduce(r, *in[0]);
  if (auto a = dyn_cast<qnn::ArgReduceOp>(op))
    return argReduce(a, *in[0]);
  if (auto s = dyn_cast<qnn::SoftmaxOp>(op))
    return softmax(s, *in[0]);
  return std::nullopt;
}
