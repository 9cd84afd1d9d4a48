//===- Elementwise.cpp - elementwise qnn ops ------------------------------===//
//
// Integer elementwise ops are exact: results are computed in 64 bits and
// wrapped (two's complement) to the result's width and signedness. Float
// ops are computed in double and rounded once to the result type (which
// for + - * / and sqrt equals the IEEE single-precision operation; for
// exp, tanh, ... it is not what a vectorized libm returns, and those are
// outside the exactness contract).
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <cmath>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

namespace {

bool isQuantized(const RefTensor &t) {
  return isa<quant::QuantizedType>(t.type.getElementType());
}

FailureOr<RefTensor> rejectQuantized(Operation *op) {
  return opError(op, Twine("'") + op->getName().getStringRef() +
                         "' on a quantized tensor has no integer meaning "
                         "(run qcc-integerize, or dequantize first)");
}

/// out[k] = fn(a[.], b[.]) over the numpy broadcast, on ints or floats.
template <typename IntFn, typename FloatFn>
FailureOr<RefTensor> binary(Operation *op, const RefTensor &a,
                            const RefTensor &b, IntFn intFn, FloatFn floatFn) {
  if (isQuantized(a) || isQuantized(b))
    return rejectQuantized(op);
  RankedTensorType type = resultType(op);
  Type et = type.getElementType();
  RefTensor out;
  out.type = type;
  std::array<SmallVector<int64_t>, 2> strides{
      broadcastStrides(a.shape(), type.getShape()),
      broadcastStrides(b.shape(), type.getShape())};
  int64_t n = type.getNumElements();
  if (a.isFloat()) {
    bool floatOut = isa<FloatType>(et);
    if (floatOut)
      out.floats.resize(n);
    else
      out.ints.resize(n);
    forEachStrided<2>(type.getShape(), strides,
                      [&](int64_t k, const std::array<int64_t, 2> &off) {
                        double v = floatFn(a.floats[off[0]], b.floats[off[1]]);
                        if (floatOut)
                          out.floats[k] = roundToFloatType(v, et);
                        else
                          out.ints[k] = (int64_t)v; // i1 of comparisons
                      });
    return out;
  }
  IntegerKind kind = *getIntegerKind(et);
  out.ints.resize(n);
  bool failedOp = false;
  forEachStrided<2>(type.getShape(), strides,
                    [&](int64_t k, const std::array<int64_t, 2> &off) {
                      std::optional<int64_t> v =
                          intFn(a.ints[off[0]], b.ints[off[1]]);
                      if (!v)
                        failedOp = true;
                      else
                        out.ints[k] = kind.wrap(*v);
                    });
  if (failedOp)
    return opError(op, "integer division by zero");
  return out;
}

/// Integer power by squaring, wrapping; negative exponents follow C's
/// truncating division of 1 by the power.
std::optional<int64_t> intPow(int64_t base, int64_t exp) {
  if (exp < 0) {
    if (base == 0)
      return std::nullopt;
    if (base == 1)
      return 1;
    if (base == -1)
      return (exp & 1) ? -1 : 1;
    return 0;
  }
  int64_t r = 1;
  while (exp) {
    if (exp & 1)
      r = wrapMul(r, base);
    base = wrapMul(base, base);
    exp >>= 1;
  }
  return r;
}

EvalResult evalBinary(Operation *op, Operands in) {
  using OptI = std::optional<int64_t>;
  if (in.size() != 2)
    return std::nullopt;
  const RefTensor &a = *in[0], &b = *in[1];
  if (isa<qnn::AddOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return wrapAdd(x, y); },
        [](double x, double y) { return x + y; });
  if (isa<qnn::SubOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return wrapSub(x, y); },
        [](double x, double y) { return x - y; });
  if (isa<qnn::MulOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return wrapMul(x, y); },
        [](double x, double y) { return x * y; });
  if (isa<qnn::DivOp>(op))
    return binary(
        op, a, b,
        [](int64_t x, int64_t y) -> OptI {
          if (y == 0)
            return std::nullopt;
          if (y == -1)
            return wrapSub(0, x); // INT64_MIN / -1 wraps
          return x / y;           // truncates toward zero
        },
        [](double x, double y) { return x / y; });
  if (isa<qnn::PowOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return intPow(x, y); },
        [](double x, double y) { return std::pow(x, y); });
  if (isa<qnn::MaxOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return std::max(x, y); },
        [](double x, double y) {
          return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
        });
  if (isa<qnn::MinOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return std::min(x, y); },
        [](double x, double y) {
          return std::isnan(x) || std::isnan(y) ? NAN : std::min(x, y);
        });
  if (auto mod = dyn_cast<qnn::ModOp>(op)) {
    bool fmod = mod.getFmod();
    return binary(
        op, a, b,
        [fmod](int64_t x, int64_t y) -> OptI {
          if (y == 0)
            return std::nullopt;
          if (y == -1)
            return 0;
          int64_t r = x % y; // sign of the dividend (C fmod)
          if (!fmod && r != 0 && ((r < 0) != (y < 0)))
            r += y; // sign of the divisor (Python, ONNX Mod fmod=0)
          return r;
        },
        [fmod](double x, double y) {
          double r = std::fmod(x, y);
          if (!fmod && r != 0 && ((r < 0) != (y < 0)))
            r += y;
          return r;
        });
  }
  if (isa<qnn::AndOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return x && y; },
        [](double x, double y) { return double(x != 0 && y != 0); });
  if (isa<qnn::OrOp>(op))
    return binary(
        op, a, b, [](int64_t x, int64_t y) -> OptI { return x || y; },
        [](double x, double y) { return double(x != 0 || y != 0); });
  if (isa<qnn::XorOp>(op))
    return binary(
        op, a, b,
        [](int64_t x, int64_t y) -> OptI { return (x != 0) != (y != 0); },
        [](double x, double y) { return double((x != 0) != (y != 0)); });
  if (auto cmp = dyn_cast<qnn::CompareOp>(op)) {
    qnn::CompareKind kind = cmp.getKind();
    auto test = [kind](auto x, auto y) -> bool {
      switch (kind) {
      case qnn::CompareKind::eq:
        return x == y;
      case qnn::CompareKind::lt:
        return x < y;
      case qnn::CompareKind::le:
        return x <= y;
      case qnn::CompareKind::gt:
        return x > y;
      case qnn::CompareKind::ge:
        return x >= y;
      }
      return false;
    };
    return binary(
        op, a, b, [&](int64_t x, int64_t y) -> OptI { return test(x, y); },
        [&](double x, double y) { return double(test(x, y)); });
  }
  return std::nullopt;
}

FailureOr<RefTensor> where(Operation *op, Operands in) {
  const RefTensor &c = *in[0], &x = *in[1], &y = *in[2];
  RankedTensorType type = resultType(op);
  RefTensor out;
  out.type = type;
  std::array<SmallVector<int64_t>, 3> strides{
      broadcastStrides(c.shape(), type.getShape()),
      broadcastStrides(x.shape(), type.getShape()),
      broadcastStrides(y.shape(), type.getShape())};
  bool isFloat = out.isFloat();
  int64_t n = type.getNumElements();
  if (isFloat)
    out.floats.resize(n);
  else
    out.ints.resize(n);
  forEachStrided<3>(type.getShape(), strides,
                    [&](int64_t k, const std::array<int64_t, 3> &off) {
                      bool pick = c.ints[off[0]] != 0;
                      if (isFloat)
                        out.floats[k] =
                            pick ? x.floats[off[1]] : y.floats[off[2]];
                      else
                        out.ints[k] = pick ? x.ints[off[1]] : y.ints[off[2]];
                    });
  return out;
}

/// Unary float op: double in, double out, rounded to the result type.
template <typename Fn>
FailureOr<RefTensor> unaryFloat(Operation *op, const RefTensor &x, Fn fn) {
  RankedTensorType type = resultType(op);
  RefTensor out;
  out.type = type;
  out.floats.reserve(x.floats.size());
  for (double v : x.floats)
    out.floats.push_back(roundToFloatType(fn(v), type.getElementType()));
  return out;
}

template <typename Fn>
FailureOr<RefTensor> unaryInt(Operation *op, const RefTensor &x, Fn fn) {
  RankedTensorType type = resultType(op);
  IntegerKind kind = *getIntegerKind(type.getElementType());
  RefTensor out;
  out.type = type;
  out.ints.reserve(x.ints.size());
  for (int64_t v : x.ints)
    out.ints.push_back(kind.wrap(fn(v)));
  return out;
}

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

FailureOr<RefTensor> clip(qnn::ClipOp op, const RefTensor &x) {
  std::optional<double> lo, hi;
  if (auto a = op.getMinAttr())
    lo = a.getValueAsDouble();
  if (auto a = op.getMaxAttr())
    hi = a.getValueAsDouble();
  if (x.isFloat())
    return unaryFloat(op, x, [&](double v) {
      if (std::isnan(v))
        return v;
      if (lo && v < *lo)
        v = *lo;
      if (hi && v > *hi)
        v = *hi;
      return v;
    });
  // On integers the bounds act as the integers they enclose.
  IntegerKind kind = *getIntegerKind(x.type.getElementType());
  int64_t l = kind.min(), h = kind.max();
  if (lo && std::ceil(*lo) > (double)l)
    l = std::ceil(*lo) > (double)h ? h : (int64_t)std::ceil(*lo);
  if (hi && std::floor(*hi) < (double)h)
    h = std::floor(*hi) < (double)kind.min() ? kind.min()
                                             : (int64_t)std::floor(*hi);
  return unaryInt(op, x, [&](int64_t v) {
    if (v < l)
      v = l;
    if (v > h)
      v = h;
    return v;
  });
}

/// ONNX Cast: float to integer truncates toward zero (out-of-range values
/// saturate to int64 then wrap; ONNX leaves them undefined), to i1 tests
/// for non-zero, integer to integer wraps to the destination width.
FailureOr<RefTensor> castOp(Operation *op, const RefTensor &x) {
  if (isQuantized(x) ||
      isa<quant::QuantizedType>(resultType(op).getElementType()))
    return rejectQuantized(op);
  RankedTensorType type = resultType(op);
  Type to = type.getElementType();
  RefTensor out;
  out.type = type;
  if (auto ft = dyn_cast<FloatType>(to)) {
    if (x.isFloat()) {
      for (double v : x.floats)
        out.floats.push_back(roundToFloatType(v, to));
    } else {
      for (int64_t v : x.ints)
        out.floats.push_back(roundToFloatType((double)v, to));
    }
    return out;
  }
  auto kind = getIntegerKind(to);
  if (!kind)
    return opError(op, "unsupported cast result type");
  bool toBool = to.isInteger(1);
  if (x.isFloat()) {
    for (double v : x.floats) {
      if (toBool) {
        out.ints.push_back(v != 0);
        continue;
      }
      double t = std::trunc(v);
      int64_t i = std::isnan(t)                ? 0
                  : t >= 9.2233720368547758e18 ? INT64_MAX
                  : t < -9.2233720368547758e18 ? INT64_MIN
                                               : (int64_t)t;
      out.ints.push_back(kind->wrap(i));
    }
    return out;
  }
  for (int64_t v : x.ints)
    out.ints.push_back(toBool ? (v != 0) : kind->wrap(v));
  return out;
}

EvalResult evalUnary(Operation *op, const RefTensor &x) {
  if (isa<qnn::CastOp>(op))
    return castOp(op, x);
  if (auto c = dyn_cast<qnn::ClipOp>(op)) {
    if (isQuantized(x))
      return rejectQuantized(op);
    return clip(c, x);
  }
  if (!x.isFloat()) {
    // The unary ops with an exact integer meaning.
    if (isa<qnn::ReluOp, qnn::NegOp, qnn::AbsOp, qnn::SignOp, qnn::NotOp>(op) &&
        isQuantized(x))
      return rejectQuantized(op);
    if (isa<qnn::ReluOp>(op))
      return unaryInt(op, x, [](int64_t v) { return std::max<int64_t>(v, 0); });
    if (isa<qnn::NegOp>(op))
      return unaryInt(op, x, [](int64_t v) { return wrapSub(0, v); });
    if (isa<qnn::AbsOp>(op))
      return unaryInt(op, x,
                      [](int64_t v) { return v < 0 ? wrapSub(0, v) : v; });
    if (isa<qnn::SignOp>(op))
      return unaryInt(
          op, x, [](int64_t v) { return int64_t(v > 0) - int64_t(v < 0); });
    if (isa<qnn::NotOp>(op))
      return unaryInt(op, x, [](int64_t v) { return int64_t(v == 0); });
    if (isa<qnn::FloorOp, qnn::CeilOp, qnn::RoundOp>(op))
      return unaryInt(op, x, [](int64_t v) { return v; });
    return std::nullopt;
  }
  if (isa<qnn::ReluOp>(op))
    return unaryFloat(op, x, [](double v) { return v < 0 ? 0.0 : v; });
  if (isa<qnn::SigmoidOp>(op))
    return unaryFloat(op, x, sigmoid);
  if (isa<qnn::TanhOp>(op))
    return unaryFloat(op, x, [](double v) { return std::tanh(v); });
  if (isa<qnn::SqrtOp>(op))
    return unaryFloat(op, x, [](double v) { return std::sqrt(v); });
  if (isa<qnn::ExpOp>(op))
    return unaryFloat(op, x, [](double v) { return std::exp(v); });
  if (isa<qnn::LogOp>(op))
    return unaryFloat(op, x, [](double v) { return std::log(v); });
  if (isa<qnn::AbsOp>(op))
    return unaryFloat(op, x, [](double v) { return std::fabs(v); });
  if (isa<qnn::NegOp>(op))
    return unaryFloat(op, x, [](double v) { return -v; });
  if (isa<qnn::ErfOp>(op))
    return unaryFloat(op, x, [](double v) { return std::erf(v); });
  if (isa<qnn::FloorOp>(op))
    return unaryFloat(op, x, [](double v) { return std::floor(v); });
  if (isa<qnn::CeilOp>(op))
    return unaryFloat(op, x, [](double v) { return std::ceil(v); });
  if (isa<qnn::RoundOp>(op)) // ties to even
    return unaryFloat(op, x, [](double v) { return std::nearbyint(v); });
  if (isa<qnn::ReciprocalOp>(op))
    return unaryFloat(op, x, [](double v) { return 1.0 / v; });
  if (isa<qnn::SinOp>(op))
    return unaryFloat(op, x, [](double v) { return std::sin(v); });
  if (isa<qnn::CosOp>(op))
    return unaryFloat(op, x, [](double v) { return std::cos(v); });
  if (isa<qnn::SignOp>(op))
    return unaryFloat(op, x, [](double v) {
      return std::isnan(v) ? v : double((v > 0) - (v < 0));
    });
  if (isa<qnn::SoftplusOp>(op))
    return unaryFloat(op, x, [](double v) { return std::log1p(std::exp(v)); });
  if (isa<qnn::SoftsignOp>(op))
    return unaryFloat(op, x, [](double v) { return v / (1 + std::fabs(v)); });
  if (isa<qnn::HardSwishOp>(op))
    return unaryFloat(op, x, [](double v) {
      return v * std::max(0.0, std::min(1.0, v / 6 + 0.5));
    });
  if (auto h = dyn_cast<qnn::HardSigmoidOp>(op)) {
    double a = h.getAlpha().convertToDouble(),
           b = h.getBeta().convertToDouble();
    return unaryFloat(op, x, [=](double v) {
      return std::max(0.0, std::min(1.0, a * v + b));
    });
  }
  if (auto l = dyn_cast<qnn::LeakyReluOp>(op)) {
    double a = l.getAlpha().convertToDouble();
    return unaryFloat(op, x, [=](double v) { return v < 0 ? a * v : v; });
  }
  if (auto e = dyn_cast<qnn::EluOp>(op)) {
    double a = e.getAlpha().convertToDouble();
    return unaryFloat(op, x,
                      [=](double v) { return v < 0 ? a * std::expm1(v) : v; });
  }
  if (auto s = dyn_cast<qnn::SeluOp>(op)) {
    double a = s.getAlpha().convertToDouble(),
           g = s.getGamma().convertToDouble();
    return unaryFloat(
        op, x, [=](double v) { return g * (v <= 0 ? a * std::expm1(v) : v); });
  }
  if (auto c = dyn_cast<qnn::CeluOp>(op)) {
    double a = c.getAlpha().convertToDouble();
    return unaryFloat(op, x, [=](double v) {
      return std::max(0.0, v) + std::min(0.0, a * std::expm1(v / a));
    });
  }
  if (auto t = dyn_cast<qnn::ThresholdedReluOp>(op)) {
    double a = t.getAlpha().convertToDouble();
    return unaryFloat(op, x, [=](double v) { return v > a ? v : 0.0; });
  }
  if (auto g = dyn_cast<qnn::GeluOp>(op)) {
    bool tanhApprox = g.getTanhApproximation();
    return unaryFloat(op, x, [=](double v) {
      if (tanhApprox)
        return 0.5 * v *
               (1 +
                std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
      return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
    });
  }
  return std::nullopt;
}

} // namespace

EvalResult reference::evalElementwiseOp(Operation *op, Operands in) {
  if (op->getDialect() == nullptr || op->getDialect()->getNamespace() != "qnn")
    return std::nullopt;
  if (isa<qnn::WhereOp>(op))
    return where(op, in);
  if (EvalResult r = evalBinary(op, in))
    return r;
  if (in.size() == 1)
    if (EvalResult r = evalUnary(op, *in[0]))
      return r;
  if (in.size() == 1 && !in[0]->isFloat() &&
      op->hasTrait<OpTrait::SameOperandsAndResultType>() &&
      isa<qnn::SigmoidOp, qnn::TanhOp, qnn::SqrtOp, qnn::ExpOp, qnn::LogOp,
          qnn::ErfOp, qnn::ReciprocalOp, qnn::SinOp, qnn::CosOp,
          qnn::SoftplusOp, qnn::SoftsignOp, qnn::HardSwishOp,
          qnn::HardSigmoidOp, qnn::LeakyReluOp, qnn::EluOp, qnn::SeluOp,
          qnn::CeluOp, qnn::ThresholdedReluOp, qnn::GeluOp>(op))
    return opError(op, Twine("'") + op->getName().getStringRef() +
                           "' is float-only; on integers use a qnn.lut");
  return std::nullopt;
}
