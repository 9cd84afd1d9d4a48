//===- NormOps.cpp - integer softmax and layer normalization --------------===//
//
// Exact definitions of docs/numerics.md ("Softmax", "Layer normalization"),
// written as directly as possible: per row, 64-bit statistics, an exp table
// or a floor square root, then a rounding division or rescale. The
// verifiers keep every intermediate below 2^63, so plain int64 arithmetic
// is exact here.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

/// floor(sqrt(w)) for 2^60 <= w < 2^62, bit by bit from bit 30 (always set)
/// down: the result lies in [2^30, 2^31).
int64_t floorSqrt(int64_t w) {
  int64_t r = int64_t(1) << 30;
  for (int b = 29; b >= 0; --b) {
    int64_t t = r | (int64_t(1) << b);
    if (t * t <= w)
      r = t;
  }
  return r;
}

int bitLength(int64_t w) {
  int l = 0;
  while (l < 63 && (w >> l) != 0)
    ++l;
  return l;
}

/// Outer x axis x inner extents of a row reduction over `axis` (softmax) or
/// over `axis ..` (layer norm, inner = 1).
struct Rows {
  int64_t outer = 1, n = 1, inner = 1;
};

Rows rowsOf(ArrayRef<int64_t> shape, int64_t axis, bool trailing) {
  Rows r;
  for (int64_t d = 0; d < (int64_t)shape.size(); ++d) {
    if (d < axis)
      r.outer *= shape[d];
    else if (d == axis || trailing)
      r.n *= shape[d];
    else
      r.inner *= shape[d];
  }
  return r;
}

FailureOr<RefTensor> softmaxInteger(qnn::SoftmaxIntegerOp op, const RefTensor &x,
                                    const RefTensor *mask) {
  if (x.isFloat())
    return opError(op, "qnn.softmax_integer needs an integer operand");
  Rows r = rowsOf(x.shape(), op.getAxis(), /*trailing=*/false);
  ArrayRef<int32_t> table = op.getExpTable();
  int64_t c = op.getMultiplier(), f = op.getShift();
  int64_t zp = op.getOutputZp(), lo = op.getClampMin(), hi = op.getClampMax();
  // Mask element of input element `flat` (dimensions of 1 broadcast).
  ArrayRef<int64_t> shape = x.shape();
  auto kept = [&](int64_t flat) {
    if (!mask)
      return true;
    ArrayRef<int64_t> ms = mask->shape();
    int64_t index = 0, stride = 1;
    for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
      int64_t coord = flat % shape[d];
      flat /= shape[d];
      if (ms[d] != 1)
        index += coord * stride;
      stride *= ms[d];
    }
    return mask->ints[index] != 0;
  };
  RefTensor out;
  out.type = op.getType();
  out.ints.resize(x.ints.size());
  for (int64_t o = 0; o < r.outer; ++o)
    for (int64_t i = 0; i < r.inner; ++i) {
      auto at = [&](int64_t j) { return (o * r.n + j) * r.inner + i; };
      bool any = false;
      int64_t m = 0;
      for (int64_t j = 0; j < r.n; ++j)
        if (kept(at(j))) {
          m = any ? std::max(m, x.ints[at(j)]) : x.ints[at(j)];
          any = true;
        }
      // e[j]: masked-out elements 0; a row with nothing kept is uniform.
      auto term = [&](int64_t j) -> int64_t {
        if (!any)
          return table[0];
        return kept(at(j)) ? table[m - x.ints[at(j)]] : 0;
      };
      int64_t s = 0;
      for (int64_t j = 0; j < r.n; ++j)
        s += term(j);
      int64_t den = s << f; // S 2^F
      for (int64_t j = 0; j < r.n; ++j) {
        int64_t e = term(j);
        int64_t q = (2 * e * c + den) / (2 * den);
        out.ints[at(j)] = finishRescale(q, zp, lo, hi);
      }
    }
  return out;
}

/// floor(a / b) for b > 0.
int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

FailureOr<RefTensor> layerNormInteger(qnn::LayerNormIntegerOp op,
                                      const RefTensor &x) {
  if (x.isFloat())
    return opError(op, "qnn.layer_norm_integer needs an integer operand");
  Rows r = rowsOf(x.shape(), op.getAxis(), /*trailing=*/true);
  ArrayRef<int64_t> mult = op.getMultiplier(), shift = op.getShift(),
                    offset = op.getOffset();
  int64_t n = r.n, f = op.getNormShift(), eps = op.getEpsilon();
  int64_t zp = op.getOutputZp(), lo = op.getClampMin(), hi = op.getClampMax();
  RefTensor out;
  out.type = op.getType();
  out.ints.resize(x.ints.size());
  for (int64_t o = 0; o < r.outer; ++o) {
    const int64_t *row = x.ints.data() + o * n;
    int64_t t = 0, q = 0;
    for (int64_t i = 0; i < n; ++i) {
      t += row[i];
      q += row[i] * row[i];
    }
    int64_t w = std::max<int64_t>(n * q - t * t + eps, 1);
    int k = (62 - bitLength(w)) >> 1;
    int64_t s = floorSqrt(w << (2 * k));
    for (int64_t i = 0; i < n; ++i) {
      int64_t u = (n * row[i] - t) * (int64_t(1) << k);
      int64_t z = floorDiv(u * (int64_t(1) << (f + 1)) + s, 2 * s);
      size_t c = mult.size() == 1 ? 0 : i;
      int64_t v = roundShift(z * mult[c] + offset[c], shift[c]);
      out.ints[o * n + i] = finishRescale(v, zp, lo, hi);
    }
  }
  return out;
}

} // namespace

EvalResult reference::evalNormOp(Operation *op, Operands in) {
  if (auto s = dyn_cast<qnn::SoftmaxIntegerOp>(op))
    return softmaxInteger(s, *in[0], in.size() > 1 ? in[1] : nullptr);
  if (auto l = dyn_cast<qnn::LayerNormIntegerOp>(op))
    return layerNormInteger(l, *in[0]);
  return std::nullopt;
}
