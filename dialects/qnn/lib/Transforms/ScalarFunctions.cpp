//===- ScalarFunctions.cpp - host evaluation of float elementwise ops -----===//

#include "qcc/Dialect/Qnn/Transforms/ScalarFunctions.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

bool qcc::qnn::isScalarFunction(Operation *op) {
  if (op->getNumResults() != 1 ||
      !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
    return false;
  return isa<ReluOp, SigmoidOp, TanhOp, SqrtOp, ExpOp, LogOp, AbsOp, NegOp,
             ErfOp, FloorOp, CeilOp, RoundOp, ReciprocalOp, SinOp, CosOp,
             SignOp, SoftplusOp, SoftsignOp, HardSwishOp, ClipOp,
             HardSigmoidOp, LeakyReluOp, EluOp, SeluOp, CeluOp,
             ThresholdedReluOp, GeluOp, AddOp, SubOp, MulOp, DivOp, PowOp,
             MaxOp, MinOp>(op);
}

static double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

std::optional<double> qcc::qnn::evaluateScalarCluster(Value root, Value leaf,
                                                      double x) {
  if (root == leaf)
    return x;
  DenseElementsAttr c;
  if (matchPattern(root, m_Constant(&c)) && c.getNumElements() == 1 &&
      isa<FloatType>(c.getElementType()))
    return (*c.getValues<APFloat>().begin()).convertToDouble();
  Operation *op = root.getDefiningOp();
  if (!op || !isScalarFunction(op))
    return std::nullopt;
  SmallVector<double, 2> a;
  for (Value operand : op->getOperands()) {
    auto v = evaluateScalarCluster(operand, leaf, x);
    if (!v)
      return std::nullopt;
    a.push_back(*v);
  }
  double v = a[0];
  return llvm::TypeSwitch<Operation *, std::optional<double>>(op)
      .Case([&](ReluOp) { return std::max(v, 0.0); })
      .Case([&](SigmoidOp) { return sigmoid(v); })
      .Case([&](TanhOp) { return std::tanh(v); })
      .Case([&](SqrtOp) { return std::sqrt(v); })
      .Case([&](ExpOp) { return std::exp(v); })
      .Case([&](LogOp) { return std::log(v); })
      .Case([&](AbsOp) { return std::fabs(v); })
      .Case([&](NegOp) { return -v; })
      .Case([&](ErfOp) { return std::erf(v); })
      .Case([&](FloorOp) { return std::floor(v); })
      .Case([&](CeilOp) { return std::ceil(v); })
      .Case([&](RoundOp) { return std::nearbyint(v); })
      .Case([&](ReciprocalOp) { return 1.0 / v; })
      .Case([&](SinOp) { return std::sin(v); })
      .Case([&](CosOp) { return std::cos(v); })
      .Case([&](SignOp) { return double((v > 0) - (v < 0)); })
      .Case([&](SoftplusOp) { return std::log1p(std::exp(v)); })
      .Case([&](SoftsignOp) { return v / (1.0 + std::fabs(v)); })
      .Case([&](HardSwishOp) {
        return v * std::max(0.0, std::min(1.0, v / 6.0 + 0.5));
      })
      .Case([&](ClipOp o) {
        double lo = o.getMin() ? o.getMin()->convertToDouble() : -INFINITY;
        double hi = o.getMax() ? o.getMax()->convertToDouble() : INFINITY;
        return std::min(std::max(v, lo), hi);
      })
      .Case([&](HardSigmoidOp o) {
        return std::max(0.0, std::min(1.0, o.getAlpha().convertToDouble() * v +
                                               o.getBeta().convertToDouble()));
      })
      .Case([&](LeakyReluOp o) {
        return v < 0 ? o.getAlpha().convertToDouble() * v : v;
      })
      .Case([&](EluOp o) {
        return v < 0 ? o.getAlpha().convertToDouble() * (std::exp(v) - 1) : v;
      })
      .Case([&](SeluOp o) {
        double alpha = o.getAlpha().convertToDouble();
        return o.getGamma().convertToDouble() *
               (v <= 0 ? alpha * (std::exp(v) - 1) : v);
      })
      .Case([&](CeluOp o) {
        double alpha = o.getAlpha().convertToDouble();
        return std::max(0.0, v) + std::min(0.0, alpha * (std::exp(v / alpha) - 1));
      })
      .Case([&](ThresholdedReluOp o) {
        return v > o.getAlpha().convertToDouble() ? v : 0.0;
      })
      .Case([&](GeluOp o) {
        if (o.getTanhApproximation())
          return 0.5 * v *
                 (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      })
      .Case([&](AddOp) { return a[0] + a[1]; })
      .Case([&](SubOp) { return a[0] - a[1]; })
      .Case([&](MulOp) { return a[0] * a[1]; })
      .Case([&](DivOp) { return a[0] / a[1]; })
      .Case([&](PowOp) { return std::pow(a[0], a[1]); })
      .Case([&](MaxOp) { return std::max(a[0], a[1]); })
      .Case([&](MinOp) { return std::min(a[0], a[1]); })
      .Default([](Operation *) { return std::nullopt; });
}
