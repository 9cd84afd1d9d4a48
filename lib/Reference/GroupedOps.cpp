//===- GroupedOps.cpp - integer products with grouped weights -------------===//
//
// qnn.matmul_grouped_integer and qnn.conv_grouped_integer, by definition:
//   acc = bias + sum_k sub[row, k / g] * (x_k - x_zp) * (w[row, k] - zp[row, k / g])
// modulo 2^32, one reduction element at a time.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

/// sub * (x - xZp) * (w - zp), modulo 2^32.
uint32_t term(int64_t sub, int64_t x, int64_t xZp, int64_t w, int64_t zp) {
  return (uint32_t)sub * (uint32_t)(x - xZp) * (uint32_t)(w - zp);
}

bool allIntegers(Operands in) {
  for (const RefTensor *t : in)
    if (t && t->isFloat())
      return false;
  return true;
}

RefTensor fromAcc(RankedTensorType type, const std::vector<uint32_t> &acc) {
  RefTensor out;
  out.type = type;
  for (uint32_t v : acc)
    out.ints.push_back((int32_t)v);
  return out;
}

FailureOr<RefTensor> matmulGrouped(qnn::MatMulGroupedIntegerOp op,
                                   Operands in) {
  if (!allIntegers(in))
    return opError(op, "qnn.matmul_grouped_integer needs integer operands");
  const RefTensor &a = *in[0], &w = *in[1], &sub = *in[2], &zp = *in[3];
  const RefTensor *bias = op.getBias() ? in[4] : nullptr;
  int64_t n = w.shape()[0], k = w.shape()[1], g = op.getGroupSize();
  int64_t groups = k / g, rows = a.numElements() / k, aZp = op.getAZp();
  std::vector<uint32_t> acc(rows * n);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      uint32_t s = bias ? (uint32_t)bias->ints[j] : 0;
      for (int64_t i = 0; i < k; ++i)
        s += term(sub.ints[j * groups + i / g], a.ints[r * k + i], aZp,
                  w.ints[j * k + i], zp.ints[j * groups + i / g]);
      acc[r * n + j] = s;
    }
  return fromAcc(op.getType(), acc);
}

FailureOr<RefTensor> convGrouped(qnn::ConvGroupedIntegerOp op, Operands in) {
  if (!allIntegers(in))
    return opError(op, "qnn.conv_grouped_integer needs integer operands");
  const RefTensor &x = *in[0], &w = *in[1], &sub = *in[2], &zp = *in[3];
  const RefTensor *bias = op.getBias() ? in[4] : nullptr;
  RankedTensorType type = op.getType();
  int64_t spatial = x.type.getRank() - 2, batch = x.shape()[0],
          channels = x.shape()[1], filters = w.shape()[0];
  int64_t k = w.numElements() / filters, window = k / channels;
  int64_t g = op.getGroupSize(), groups = k / g, xZp = op.getXZp();
  int64_t outSize = 1, inSize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    outSize *= type.getDimSize(2 + d);
    inSize *= x.shape()[2 + d];
  }
  ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads(),
                    dilations = op.getDilations();
  std::vector<uint32_t> acc(type.getNumElements());
  SmallVector<int64_t> out(spatial), ker(spatial);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t f = 0; f < filters; ++f)
      for (int64_t p = 0; p < outSize; ++p) {
        for (int64_t d = spatial - 1, r = p; d >= 0; --d) {
          out[d] = r % type.getDimSize(2 + d);
          r /= type.getDimSize(2 + d);
        }
        uint32_t s = bias ? (uint32_t)bias->ints[f] : 0;
        for (int64_t c = 0; c < channels; ++c)
          for (int64_t kp = 0; kp < window; ++kp) {
            for (int64_t d = spatial - 1, r = kp; d >= 0; --d) {
              ker[d] = r % w.shape()[2 + d];
              r /= w.shape()[2 + d];
            }
            // Padded positions hold x_zp and add nothing.
            int64_t offset = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial; ++d) {
              int64_t pos = out[d] * strides[d] + ker[d] * dilations[d] - pads[d];
              inside &= pos >= 0 && pos < x.shape()[2 + d];
              offset = offset * x.shape()[2 + d] + pos;
            }
            if (!inside)
              continue;
            int64_t i = c * window + kp;
            s += term(sub.ints[f * groups + i / g],
                      x.ints[(b * channels + c) * inSize + offset], xZp,
                      w.ints[f * k + i], zp.ints[f * groups + i / g]);
          }
        acc[(b * filters + f) * outSize + p] = s;
      }
  return fromAcc(type, acc);
}

} // namespace

EvalResult reference::evalGroupedOp(Operation *op, Operands in) {
  if (auto mm = dyn_cast<qnn::MatMulGroupedIntegerOp>(op))
    return matmulGrouped(mm, in);
  if (auto c = dyn_cast<qnn::ConvGroupedIntegerOp>(op))
    return convGrouped(c, in);
  return std::nullopt;
}
