//===- Float.cpp - float contractions and normalizations ------------------===//
//
// qnn.matmul, gemm, conv, conv_transpose, batch_norm and layer_norm on
// floats, accumulated in double and rounded once to the result type. They
// let graphs with float regions (the QDQ form before qcc-integerize, or the
// float head of a model) run, and are NOT part of the exactness contract.
// On integers these ops have no defined result: the integer path uses
// qnn.matmul_integer and qnn.conv_integer.
//
//===----------------------------------------------------------------------===//

#include "Kernels.h"
#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

RefTensor fromDoubles(RankedTensorType type, std::vector<double> values) {
  RefTensor out;
  out.type = type;
  Type et = type.getElementType();
  for (double &v : values)
    v = roundToFloatType(v, et);
  out.floats = std::move(values);
  return out;
}

FailureOr<RefTensor> requireFloats(Operation *op, Operands in) {
  for (const RefTensor *t : in)
    if (!t->isFloat())
      return opError(op, Twine("'") + op->getName().getStringRef() +
                             "' is float-only here (the integer path uses "
                             "qnn.matmul_integer / qnn.conv_integer)");
  return RefTensor();
}

FailureOr<RefTensor> matmul(qnn::MatMulOp op, Operands in) {
  MatmulGeometry g = matmulGeometry(in[0]->shape(), in[1]->shape());
  std::vector<double> c(op.getType().getNumElements());
  batchedMatmul<double>(g, in[0]->floats.data(), in[1]->floats.data(), nullptr,
                        c.data());
  return fromDoubles(op.getType(), std::move(c));
}

FailureOr<RefTensor> gemm(qnn::GemmOp op, Operands in) {
  const RefTensor &a = *in[0], &b = *in[1];
  bool ta = op.getTransA(), tb = op.getTransB();
  int64_t m = ta ? a.shape()[1] : a.shape()[0];
  int64_t k = ta ? a.shape()[0] : a.shape()[1];
  int64_t n = tb ? b.shape()[0] : b.shape()[1];
  double alpha = op.getAlpha().convertToDouble(),
         beta = op.getBeta().convertToDouble();
  RankedTensorType type = op.getType();
  std::vector<double> y(m * n, 0.0);
  if (op.getC()) {
    const RefTensor &c = *in[2];
    std::array<SmallVector<int64_t>, 1> strides{
        broadcastStrides(c.shape(), type.getShape())};
    forEachStrided<1>(type.getShape(), strides,
                      [&](int64_t idx, const std::array<int64_t, 1> &off) {
                        y[idx] = beta * c.floats[off[0]];
                      });
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < k; ++p)
        sum += a.floats[ta ? p * m + i : i * k + p] *
               b.floats[tb ? j * k + p : p * n + j];
      y[i * n + j] += alpha * sum;
    }
  return fromDoubles(type, std::move(y));
}

FailureOr<RefTensor> conv(qnn::ConvOp op, Operands in) {
  const RefTensor &x = *in[0], &w = *in[1];
  RankedTensorType type = op.getType();
  ConvGeometry g;
  g.batch = x.shape()[0];
  g.channels = x.shape()[1];
  g.filters = w.shape()[0];
  g.group = op.getGroup();
  int64_t spatial = x.type.getRank() - 2;
  for (int64_t d = 0; d < spatial; ++d) {
    g.in.push_back(x.shape()[2 + d]);
    g.kernel.push_back(w.shape()[2 + d]);
    g.out.push_back(type.getDimSize(2 + d));
    g.strides.push_back(op.getStrides()[d]);
    g.dilations.push_back(op.getDilations()[d]);
    g.padsBegin.push_back(op.getPads()[d]);
  }
  std::vector<double> y(type.getNumElements());
  convolve<double>(g, x.floats.data(), w.floats.data(),
                   op.getBias() ? in[2]->floats.data() : nullptr, y.data());
  return fromDoubles(type, std::move(y));
}

/// Scatter form: every input element adds x * w into the outputs its
/// kernel window reaches (o = i * s + k * d - pad), cropped to the result.
FailureOr<RefTensor> convTranspose(qnn::ConvTransposeOp op, Operands in) {
  const RefTensor &x = *in[0], &w = *in[1];
  RankedTensorType type = op.getType();
  int64_t spatial = x.type.getRank() - 2, group = op.getGroup();
  int64_t batch = x.shape()[0], channels = x.shape()[1];
  int64_t fg = w.shape()[1], filters = type.getDimSize(1);
  int64_t cg = channels / group;
  SmallVector<int64_t> inSp(x.shape().drop_front(2)),
      kSp(w.shape().drop_front(2)), outSp(type.getShape().drop_front(2));
  SmallVector<int64_t> outStride = stridesOf(outSp);
  int64_t inSize = 1, kSize = 1, outSize = 1;
  for (int64_t d = 0; d < spatial; ++d) {
    inSize *= inSp[d];
    kSize *= kSp[d];
    outSize *= outSp[d];
  }
  std::vector<double> y(type.getNumElements(), 0.0);
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t f = 0; f < filters; ++f) {
      double *acc = y.data() + (n * filters + f) * outSize;
      if (op.getBias())
        std::fill(acc, acc + outSize, in[2]->floats[f]);
      int64_t gi = f / fg, fi = f % fg;
      for (int64_t cc = 0; cc < cg; ++cc) {
        int64_t c = gi * cg + cc;
        const double *xc = x.floats.data() + (n * channels + c) * inSize;
        const double *wk = w.floats.data() + (c * fg + fi) * kSize;
        SmallVector<int64_t> ic(spatial, 0);
        for (int64_t i = 0; i < inSize; ++i) {
          double xv = xc[i];
          SmallVector<int64_t> kc(spatial, 0);
          for (int64_t k = 0; k < kSize; ++k) {
            int64_t off = 0;
            bool inside = true;
            for (int64_t d = 0; d < spatial && inside; ++d) {
              int64_t o = ic[d] * op.getStrides()[d] +
                          kc[d] * op.getDilations()[d] - op.getPads()[d];
              inside = o >= 0 && o < outSp[d];
              off += o * outStride[d];
            }
            if (inside)
              acc[off] += xv * wk[k];
            for (int64_t d = spatial; d-- > 0;) {
              if (++kc[d] < kSp[d])
                break;
              kc[d] = 0;
            }
          }
          for (int64_t d = spatial; d-- > 0;) {
            if (++ic[d] < inSp[d])
              break;
            ic[d] = 0;
          }
        }
      }
    }
  return fromDoubles(type, std::move(y));
}

FailureOr<RefTensor> batchNorm(qnn::BatchNormOp op, Operands in) {
  const RefTensor &x = *in[0];
  double eps = op.getEpsilon().convertToDouble();
  int64_t channels = x.shape()[1];
  int64_t inner =
      x.numElements() / std::max<int64_t>(1, x.shape()[0] * channels);
  std::vector<double> y(x.floats.size());
  for (size_t k = 0; k < y.size(); ++k) {
    int64_t c = (k / inner) % channels;
    y[k] = (x.floats[k] - in[3]->floats[c]) /
               std::sqrt(in[4]->floats[c] + eps) * in[1]->floats[c] +
           in[2]->floats[c];
  }
  return fromDoubles(op.getType(), std::move(y));
}

FailureOr<RefTensor> layerNorm(qnn::LayerNormOp op, Operands in) {
  const RefTensor &x = *in[0];
  int64_t axis = op.getAxis();
  if (axis < 0)
    axis += x.type.getRank();
  double eps = op.getEpsilon().convertToDouble();
  int64_t inner = 1;
  for (int64_t d = axis; d < x.type.getRank(); ++d)
    inner *= x.shape()[d];
  SmallVector<int64_t> tail(x.shape().drop_front(axis));
  SmallVector<int64_t> sStride = broadcastStrides(in[1]->shape(), tail);
  SmallVector<int64_t> bStride;
  if (op.getBias())
    bStride = broadcastStrides(in[2]->shape(), tail);
  int64_t outer = inner ? x.numElements() / inner : 0;
  std::vector<double> y(x.floats.size());
  std::vector<double> scale(inner), bias(inner, 0.0);
  forEachStrided<1>(tail, {sStride},
                    [&](int64_t k, const std::array<int64_t, 1> &o) {
                      scale[k] = in[1]->floats[o[0]];
                    });
  if (op.getBias())
    forEachStrided<1>(tail, {bStride},
                      [&](int64_t k, const std::array<int64_t, 1> &o) {
                        bias[k] = in[2]->floats[o[0]];
                      });
  for (int64_t a = 0; a < outer; ++a) {
    const double *row = x.floats.data() + a * inner;
    double mean = 0, var = 0;
    for (int64_t i = 0; i < inner; ++i)
      mean += row[i];
    mean /= inner;
    for (int64_t i = 0; i < inner; ++i)
      var += (row[i] - mean) * (row[i] - mean);
    var /= inner;
    double inv = 1.0 / std::sqrt(var + eps);
    for (int64_t i = 0; i < inner; ++i)
      y[a * inner + i] = (row[i] - mean) * inv * scale[i] + bias[i];
  }
  return fromDoubles(op.getType(), std::move(y));
}

} // namespace

EvalResult reference::evalFloatOp(Operation *op, Operands in) {
  if (!isa<qnn::MatMulOp, qnn::GemmOp, qnn::ConvOp, qnn::ConvTransposeOp,
           qnn::BatchNormOp, qnn::LayerNormOp>(op))
    return std::nullopt;
  if (failed(requireFloats(op, in)))
    return FailureOr<RefTensor>(failure());
  if (auto m = dyn_cast<qnn::MatMulOp>(op))
    return matmul(m, in);
  if (auto g = dyn_cast<qnn::GemmOp>(op))
    return gemm(g, in);
  if (auto c = dyn_cast<qnn::ConvOp>(op))
    return conv(c, in);
  if (auto c = dyn_cast<qnn::ConvTransposeOp>(op))
    return convTranspose(c, in);
  if (auto b = dyn_cast<qnn::BatchNormOp>(op))
    return batchNorm(b, in);
  return layerNorm(cast<qnn::LayerNormOp>(op), in);
}
