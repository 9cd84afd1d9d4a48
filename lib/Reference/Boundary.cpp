//===- Boundary.cpp - quantize, dequantize and storage casts --------------===//
//
// The only float arithmetic of a quantized model (docs/numerics.md):
//   quantize:   q = clamp(round_half_even(f32(x) / f32(s)) + zp, qmin, qmax),
//               one IEEE f32 division, NaN -> zp, +-inf saturate;
//   dequantize: x = f32(q - zp) * f32(s), one IEEE f32 multiplication.
// Storage casts (quant.scast, qnn.storage_cast, tensor.bitcast) reinterpret
// bits.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "llvm/ADT/APFloat.h"

#include <cfenv>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

/// Per-element scale (as f32) and zero point of a quantized tensor.
struct ElementParams {
  std::vector<float> scales;
  std::vector<int64_t> zeroPoints;
  std::vector<int32_t> index; // per element; empty for per-tensor
};

FailureOr<ElementParams> elementParams(Operation *op, RankedTensorType qtype,
                                       qnn::QuantParams &p) {
  auto params = qnn::getQuantParams(qtype.getElementType(), qtype.getShape(),
                                    [&] { return op->emitOpError(); });
  if (failed(params))
    return failure();
  p = *params;
  ElementParams e;
  for (double s : p.scales)
    e.scales.push_back((float)s);
  e.zeroPoints.assign(p.zeroPoints.begin(), p.zeroPoints.end());
  if (!p.isPerTensor()) {
    int64_t n = qtype.getNumElements();
    e.index.resize(n);
    for (int64_t k = 0; k < n; ++k)
      e.index[k] = (int32_t)p.paramIndexOfElement(k);
  }
  return e;
}

/// One element of quantize, exactly as docs/numerics.md writes it.
int64_t quantizeOne(float x, float scale, int64_t zp, int64_t qmin,
                    int64_t qmax) {
  if (std::isnan(x))
    return zp;
  float q = x / scale;         // one IEEE f32 division
  float r = std::nearbyint(q); // ties to even in the default rounding mode
  double v = (double)r + (double)zp; // exact: r is an integer-valued float
  if (v < (double)qmin)
    return qmin;
  if (v > (double)qmax)
    return qmax;
  return (int64_t)v;
}

FailureOr<RefTensor> quantize(qnn::QuantizeOp op, const RefTensor &x) {
  RankedTensorType type = op.getType();
  qnn::QuantParams p;
  auto e = elementParams(op, type, p);
  if (failed(e))
    return failure();
  if (!x.isFloat())
    return opError(op, "qnn.quantize expects a float operand");
  // nearbyint rounds in the current mode; the contract is ties-to-even.
  int savedMode = std::fegetround();
  std::fesetround(FE_TONEAREST);
  RefTensor out;
  out.type = type;
  out.ints.resize(x.floats.size());
  for (size_t k = 0; k < x.floats.size(); ++k) {
    size_t c = e->index.empty() ? 0 : e->index[k];
    out.ints[k] = quantizeOne((float)x.floats[k], e->scales[c],
                              e->zeroPoints[c], p.qmin, p.qmax);
  }
  std::fesetround(savedMode);
  return out;
}

FailureOr<RefTensor> dequantize(qnn::DequantizeOp op, const RefTensor &q) {
  auto qtype = cast<RankedTensorType>(op.getInput().getType());
  qnn::QuantParams p;
  auto e = elementParams(op, qtype, p);
  if (failed(e))
    return failure();
  RankedTensorType type = op.getType();
  Type et = type.getElementType();
  RefTensor out;
  out.type = type;
  out.floats.resize(q.ints.size());
  for (size_t k = 0; k < q.ints.size(); ++k) {
    size_t c = e->index.empty() ? 0 : e->index[k];
    float d = (float)(q.ints[k] - e->zeroPoints[c]); // exact: < 2^17
    float x = d * e->scales[c];                      // one IEEE f32 multiply
    out.floats[k] = et.isF32() ? (double)x : roundToFloatType(x, et);
  }
  return out;
}

/// Reinterprets integer storage under the result's width and signedness.
FailureOr<RefTensor> reinterpretInts(Operation *op, const RefTensor &in) {
  RankedTensorType type = resultType(op);
  auto to = getIntegerKind(type.getElementType());
  auto from = getIntegerKind(in.type.getElementType());
  if (!to || !from || to->width != from->width)
    return opError(op, "storage cast between types of different widths");
  RefTensor out;
  out.type = type;
  out.ints.reserve(in.ints.size());
  for (int64_t v : in.ints)
    out.ints.push_back(to->wrap(v));
  return out;
}

/// The IEEE bits of a float value of type `t` (f16, bf16, f32, f64).
uint64_t floatBits(double v, Type t) {
  if (t.isF64()) {
    uint64_t b;
    memcpy(&b, &v, 8);
    return b;
  }
  if (t.isF32()) {
    float f = (float)v;
    uint32_t b;
    memcpy(&b, &f, 4);
    return b;
  }
  APFloat f(v);
  bool lost;
  f.convert(cast<FloatType>(t).getFloatSemantics(),
            APFloat::rmNearestTiesToEven, &lost);
  return f.bitcastToAPInt().getZExtValue();
}

double floatFromBits(uint64_t bits, Type t) {
  if (t.isF64()) {
    double d;
    memcpy(&d, &bits, 8);
    return d;
  }
  if (t.isF32()) {
    uint32_t b = (uint32_t)bits;
    float f;
    memcpy(&f, &b, 4);
    return f;
  }
  auto ft = cast<FloatType>(t);
  unsigned w = ft.getWidth();
  APFloat f(ft.getFloatSemantics(),
            APInt(w, w >= 64 ? bits : bits & ((uint64_t(1) << w) - 1)));
  bool lost;
  f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

FailureOr<RefTensor> bitcast(Operation *op, const RefTensor &in) {
  RankedTensorType type = resultType(op);
  Type from = in.type.getElementType(), to = type.getElementType();
  if (!isa<FloatType>(from) && !isa<FloatType>(to))
    return reinterpretInts(op, in);
  if (from.getIntOrFloatBitWidth() != to.getIntOrFloatBitWidth())
    return opError(op, "bitcast between types of different widths");
  RefTensor out;
  out.type = type;
  int64_t n = in.numElements();
  if (isa<FloatType>(from) && isa<FloatType>(to)) {
    for (int64_t k = 0; k < n; ++k)
      out.floats.push_back(floatFromBits(floatBits(in.floats[k], from), to));
  } else if (isa<FloatType>(from)) {
    IntegerKind kind = *getIntegerKind(to);
    for (int64_t k = 0; k < n; ++k)
      out.ints.push_back(kind.wrap((int64_t)floatBits(in.floats[k], from)));
  } else {
    for (int64_t k = 0; k < n; ++k)
      out.floats.push_back(floatFromBits((uint64_t)in.ints[k], to));
  }
  return out;
}

} // namespace

EvalResult reference::evalBoundaryOp(Operation *op, Operands in) {
  if (auto q = dyn_cast<qnn::QuantizeOp>(op))
    return quantize(q, *in[0]);
  if (auto dq = dyn_cast<qnn::DequantizeOp>(op))
    return dequantize(dq, *in[0]);
  if (isa<quant::StorageCastOp, qnn::StorageCastOp>(op))
    return reinterpretInts(op, *in[0]);
  if (isa<tensor::BitcastOp>(op))
    return bitcast(op, *in[0]);
  return std::nullopt;
}
