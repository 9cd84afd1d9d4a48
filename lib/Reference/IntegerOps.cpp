//===- IntegerOps.cpp - the integer-level qnn ops -------------------------===//
//
// Exact definitions of docs/numerics.md:
//   requantize  clamp(out_zp + rescale(x - in_zp, M[c], n[c]), lo, hi)
//   qadd        clamp(out_zp + round_shift((a-a_zp)Ma + (b-b_zp)Mb, n), lo, hi)
//   qmul        clamp(out_zp + rescale((a-a_zp)(b-b_zp), M, n), lo, hi)
//   matmul_integer / conv_integer
//               bias + sum of zero-point-corrected products, modulo 2^32
//   lut         table[clamp(x, first, first + N - 1) - first], first
//               defaulting to min(type of x)
// with rescale(v, M, n) = round_shift(v * M, n). Every 64-bit intermediate
// wraps (two's complement), as the 64-bit scalar code of the backends does;
// the contract keeps real operands far from that.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

FailureOr<RefTensor> requantize(qnn::RequantizeOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  if (x.isFloat() || !getIntegerKind(type.getElementType()))
    return opError(op, "qnn.requantize needs integer operand and result");
  ArrayRef<int32_t> m = op.getMultiplier(), s = op.getShift();
  int64_t inZp = op.getInputZp(), outZp = op.getOutputZp();
  int64_t lo = op.getClampMin(), hi = op.getClampMax();
  RefTensor out;
  out.type = type;
  out.ints.resize(x.ints.size());
  int64_t inner = 1, dim = 1;
  if (m.size() > 1) {
    int64_t axis = op.getAxis();
    inner = stridesOf(type.getShape())[axis];
    dim = type.getDimSize(axis);
  }
  for (size_t k = 0; k < x.ints.size(); ++k) {
    size_t c = m.size() > 1 ? (k / inner) % dim : 0;
    int64_t v = wrapMul(wrapSub(x.ints[k], inZp), m[c]);
    out.ints[k] = finishRescale(roundShift(v, s[c]), outZp, lo, hi);
  }
  return out;
}

/// Elementwise over the numpy broadcast of two integer operands.
template <typename Fn>
FailureOr<RefTensor> binaryInts(Operation *op, const RefTensor &a,
                                const RefTensor &b, Fn fn) {
  RankedTensorType type = resultType(op);
  if (a.isFloat() || b.isFloat() || !getIntegerKind(type.getElementType()))
    return opError(op, Twine(op->getName().getStringRef()) +
                           " needs integer operands and result");
  RefTensor out;
  out.type = type;
  out.ints.resize(type.getNumElements());
  std::array<SmallVector<int64_t>, 2> strides{
      broadcastStrides(a.shape(), type.getShape()),
      broadcastStrides(b.shape(), type.getShape())};
  forEachStrided<2>(type.getShape(), strides,
                    [&](int64_t k, const std::array<int64_t, 2> &off) {
                      out.ints[k] = fn(a.ints[off[0]], b.ints[off[1]]);
                    });
  return out;
}

FailureOr<RefTensor> qadd(qnn::QAddOp op, const RefTensor &a,
                          const RefTensor &b) {
  int64_t az = op.getAZp(), bz = op.getBZp(), ma = op.getAMultiplier(),
          mb = op.getBMultiplier(), n = op.getShift(), oz = op.getOutputZp(),
          lo = op.getClampMin(), hi = op.getClampMax();
  return binaryInts(op, a, b, [&](int64_t x, int64_t y) {
    int64_t v =
        wrapAdd(wrapMul(wrapSub(x, az), ma), wrapMul(wrapSub(y, bz), mb));
    return finishRescale(roundShift(v, n), oz, lo, hi);
  });
}

FailureOr<RefTensor> qmul(qnn::QMulOp op, const RefTensor &a,
                          const RefTensor &b) {
  int64_t az = op.getAZp(), bz = op.getBZp(), m = op.getMultiplier(),
          n = op.getShift(), oz = op.getOutputZp(), lo = op.getClampMin(),
          hi = op.getClampMax();
  return binaryInts(op, a, b, [&](int64_t x, int64_t y) {
    int64_t v = wrapMul(wrapMul(wrapSub(x, az), wrapSub(y, bz)), m);
    return finishRescale(roundShift(v, n), oz, lo, hi);
  });
}

FailureOr<RefTensor> lut(qnn::LutOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  auto in = getIntegerKind(x.type.getElementType());
  if (!in || in->width > 16 || !getIntegerKind(type.getElementType()))
    return opError(op, "qnn.lut needs an integer operand of at most 16 bits");
  int64_t n = cast<ShapedType>(op.getTable().getType()).getNumElements();
  auto table = refTensorFromAttr(
      op.getTable(), RankedTensorType::get({n}, type.getElementType()));
  if (failed(table))
    return opError(op, "cannot read the table's integers");
  // table[clamp(x, first, first + n - 1) - first]; without `first` the
  // table has an entry for every value of x's type.
  std::optional<int64_t> first = op.getFirst();
  int64_t base = first ? *first : in->min();
  RefTensor out;
  out.type = type;
  out.ints.resize(x.ints.size());
  for (size_t k = 0; k < x.ints.size(); ++k)
    out.ints[k] =
        table->ints[std::clamp<int64_t>(x.ints[k], base, base + n - 1) - base];
  return out;
}

/// Operand values minus their zero point, as uint32 (modulo 2^32): one zero
/// point, or one per index of axis 0 (`perFirst`, conv filters), or one per
/// index of the last axis (matmul columns).
std::vector<uint32_t> centred(const RefTensor &t, ArrayRef<int64_t> zps,
                              bool perFirst) {
  std::vector<uint32_t> v(t.ints.size());
  int64_t n = t.ints.size();
  if (zps.size() == 1) {
    for (int64_t k = 0; k < n; ++k)
      v[k] = (uint32_t)(t.ints[k] - zps[0]);
    return v;
  }
  if (perFirst) {
    int64_t inner = n / (int64_t)zps.size();
    for (int64_t k = 0; k < n; ++k)
      v[k] = (uint32_t)(t.ints[k] - zps[k / inner]);
    return v;
  }
  int64_t cols = zps.size();
  for (int64_t k = 0; k < n; ++k)
    v[k] = (uint32_t)(t.ints[k] - zps[k % cols]);
  return v;
}

std::vector<uint32_t> biasValues(const RefTensor *bias, int64_t n) {
  std::vector<uint32_t> v(n, 0);
  if (bias)
    for (int64_t j = 0; j < n; ++j)
      v[j] = (uint32_t)bias->ints[j];
  return v;
}

RefTensor fromU32(RankedTensorType type, const std::vector<uint32_t> &acc) {
  RefTensor out;
  out.type = type;
  out.ints.reserve(acc.size());
  for (uint32_t v : acc)
    out.ints.push_back((int32_t)v);
  return out;
}

FailureOr<RefTensor> matmulInteger(qnn::MatMulIntegerOp op, Operands in) {
  const RefTensor &a = *in[0], &b = *in[1];
  const RefTensor *bias = op.getBias() ? in[2] : nullptr;
  if (a.isFloat() || b.isFloat())
    return opError(op, "qnn.matmul_integer needs integer operands");
  MatmulGeometry g = matmulGeometry(a.shape(), b.shape());
  int64_t aZp = op.getAZp();
  std::vector<uint32_t> av = centred(a, ArrayRef<int64_t>(aZp), false);
  std::vector<uint32_t> bv = centred(b, op.getBZp(), false);
  std::vector<uint32_t> init = biasValues(bias, g.n);
  std::vector<uint32_t> acc(op.getType().getNumElements());
  batchedMatmul<uint32_t>(g, av.data(), bv.data(), init.data(), acc.data());
  return fromU32(op.getType(), acc);
}

FailureOr<RefTensor> convInteger(qnn::ConvIntegerOp op, Operands in) {
  const RefTensor &x = *in[0], &w = *in[1];
  const RefTensor *bias = op.getBias() ? in[2] : nullptr;
  if (x.isFloat() || w.isFloat())
    return opError(op, "qnn.conv_integer needs integer operands");
  RankedTensorType type = op.getType();
  ConvGeometry g;
  g.batch = x.shape()[0];
  g.channels = x.shape()[1];
  g.filters = w.shape()[0];
  g.group = op.getGroup();
  int64_t spatial = x.type.getRank() - 2;
  ArrayRef<int64_t> pads = op.getPads();
  for (int64_t d = 0; d < spatial; ++d) {
    g.in.push_back(x.shape()[2 + d]);
    g.kernel.push_back(w.shape()[2 + d]);
    g.out.push_back(type.getDimSize(2 + d));
    g.strides.push_back(op.getStrides()[d]);
    g.dilations.push_back(op.getDilations()[d]);
    g.padsBegin.push_back(pads[d]);
  }
  int64_t xZp = op.getXZp();
  std::vector<uint32_t> xv = centred(x, ArrayRef<int64_t>(xZp), false);
  std::vector<uint32_t> wv = centred(w, op.getWZp(), /*perFirst=*/true);
  std::vector<uint32_t> init = biasValues(bias, g.filters);
  std::vector<uint32_t> acc(type.getNumElements());
  convolve<uint32_t>(g, xv.data(), wv.data(), init.data(), acc.data());
  return fromU32(type, acc);
}

} // namespace

EvalResult reference::evalIntegerOp(Operation *op, Operands in) {
  if (auto r = dyn_cast<qnn::RequantizeOp>(op))
    return requantize(r, *in[0]);
  if (auto a = dyn_cast<qnn::QAddOp>(op))
    return qadd(a, *in[0], *in[1]);
  if (auto m = dyn_cast<qnn::QMulOp>(op))
    return qmul(m, *in[0], *in[1]);
  if (auto l = dyn_cast<qnn::LutOp>(op))
    return lut(l, *in[0]);
  if (auto mm = dyn_cast<qnn::MatMulIntegerOp>(op))
    return matmulInteger(mm, in);
  if (auto c = dyn_cast<qnn::ConvIntegerOp>(op))
    return convInteger(c, in);
  return std::nullopt;
}
