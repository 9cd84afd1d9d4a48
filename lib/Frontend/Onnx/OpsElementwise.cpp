//===- OpsElementwise.cpp - ONNX elementwise operators to qnn -------------===//

#include "ImportContext.h"

using namespace mlir;
using namespace qcc::qnn;

namespace qcc::onnx_import {

/// Casts v to `et` if its element type differs (ONNX allows mixed types for
/// a few operators, e.g. Pow's exponent).
static Value castTo(NodeContext &n, Value v, Type et) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getElementType() == et)
    return v;
  return n.b.create<CastOp>(n.loc, t.clone(et), v);
}

template <typename OpTy>
static LogicalResult binary(NodeContext &n) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return n.error("expects two inputs");
  rhs = castTo(n, rhs, n.inputType(0).getElementType());
  SmallVector<Type> types;
  if (failed(OpTy::inferReturnTypes(n.b.getContext(), n.loc, ValueRange{lhs, rhs},
                                    DictionaryAttr(), OpaqueProperties(nullptr), RegionRange(), types)))
    return n.error("input shapes do not broadcast");
  n.setOutput(0, n.create<OpTy>(types[0], lhs, rhs));
  return success();
}

/// Sum, Max, Min, Mean: left fold of the binary op over 1..N inputs.
template <typename OpTy>
static LogicalResult variadic(NodeContext &n, bool mean = false) {
  if (n.numInputs() < 1)
    return n.error("expects at least one input");
  Value acc = n.input(0);
  for (size_t i = 1; i < n.numInputs(); ++i) {
    SmallVector<Type> types;
    Value rhs = n.input(i);
    if (failed(OpTy::inferReturnTypes(n.b.getContext(), n.loc, ValueRange{acc, rhs},
                                      DictionaryAttr(), OpaqueProperties(nullptr), RegionRange(), types)))
      return n.error("input shapes do not broadcast");
    acc = n.create<OpTy>(types[0], acc, rhs);
  }
  if (mean && n.numInputs() > 1) {
    auto t = cast<RankedTensorType>(acc.getType());
    auto scalarType = RankedTensorType::get({}, t.getElementType());
    Value count = n.constant(DenseElementsAttr::get(
        scalarType, n.b.getFloatAttr(t.getElementType(), (double)n.numInputs())));
    acc = n.create<DivOp>(t, acc, count);
  }
  n.setOutput(0, acc);
  return success();
}

static LogicalResult compare(NodeContext &n, CompareKind kind) {
  Value lhs = n.input(0), rhs = n.input(1);
  if (!lhs || !rhs)
    return n.error("expects two inputs");
  rhs = castTo(n, rhs, n.inputType(0).getElementType());
  SmallVector<Type> types;
  if (failed(CompareOp::inferReturnTypes(n.b.getContext(), n.loc,
                                         ValueRange{lhs, rhs}, DictionaryAttr(), OpaqueProperties(nullptr), RegionRange(), types)))
    return n.error("input shapes do not broadcast");
  n.setOutput(0, n.create<CompareOp>(types[0], kind, lhs, rhs));
  return success();
}

template <typename OpTy, typename... Extra>
static LogicalResult unary(NodeContext &n, Extra... extra) {
  Value x = n.input(0);
  if (!x)
    return n.error("expects an input");
  n.setOutput(0, n.create<OpTy>(x.getType(), x, extra...));
  return success();
}

static bool isFloatInput(NodeContext &n, size_t i) {
  return isa<FloatType>(n.inputType(i).getElementType());
}

static FloatAttr f64(NodeContext &n, double v) { return n.b.getF64FloatAttr(v); }

void registerElementwiseImporters() {
  auto &r = opImporters();
  r["Add"] = binary<AddOp>;
  r["Sub"] = binary<SubOp>;
  r["Mul"] = binary<MulOp>;
  r["Div"] = binary<DivOp>;
  r["Pow"] = [](NodeContext &n) {
    if (isFloatInput(n, 0) || !isFloatInput(n, 1))
      return binary<PowOp>(n);
    // Integer base, float exponent: computed in the exponent's type, the
    // result truncated back to the base's integer type.
    auto it = n.inputType(0);
    Type ft = n.inputType(1).getElementType();
    Value base = castTo(n, n.input(0), ft);
    SmallVector<Type> types;
    if (failed(PowOp::inferReturnTypes(n.b.getContext(), n.loc,
                                       ValueRange{base, n.input(1)}, DictionaryAttr(),
                                       OpaqueProperties(nullptr), RegionRange(), types)))
      return n.error("input shapes do not broadcast");
    Value p = n.create<PowOp>(types[0], base, n.input(1));
    n.setOutput(0, castTo(n, p, it.getElementType()));
    return success();
  };
  r["And"] = binary<AndOp>;
  r["Or"] = binary<OrOp>;
  r["Xor"] = binary<XorOp>;
  r["Mod"] = [](NodeContext &n) {
    bool fmod = n.attrInt("fmod", 0);
    if (!fmod && isFloatInput(n, 0))
      return n.error("fmod=0 is defined for integers only");
    Value lhs = n.input(0), rhs = n.input(1);
    SmallVector<Type> types;
    if (failed(ModOp::inferReturnTypes(n.b.getContext(), n.loc, ValueRange{lhs, rhs},
                                       DictionaryAttr(), OpaqueProperties(nullptr), RegionRange(), types)))
      return n.error("input shapes do not broadcast");
    n.setOutput(0, n.create<ModOp>(types[0], lhs, rhs, fmod));
    return success();
  };
  r["Sum"] = [](NodeContext &n) { return variadic<AddOp>(n); };
  r["Max"] = [](NodeContext &n) { return variadic<MaxOp>(n); };
  r["Min"] = [](NodeContext &n) { return variadic<MinOp>(n); };
  r["Mean"] = [](NodeContext &n) { return variadic<AddOp>(n, /*mean=*/true); };
  r["Equal"] = [](NodeContext &n) { return compare(n, CompareKind::eq); };
  r["Less"] = [](NodeContext &n) { return compare(n, CompareKind::lt); };
  r["LessOrEqual"] = [](NodeContext &n) { return compare(n, CompareKind::le); };
  r["Greater"] = [](NodeContext &n) { return compare(n, CompareKind::gt); };
  r["GreaterOrEqual"] = [](NodeContext &n) { return compare(n, CompareKind::ge); };
  r["Where"] = [](NodeContext &n) {
    SmallVector<Type> types;
    SmallVector<Value> ins{n.input(0), n.input(1), n.input(2)};
    if (failed(WhereOp::inferReturnTypes(n.b.getContext(), n.loc, ins, DictionaryAttr(), OpaqueProperties(nullptr),
                                         RegionRange(), types)))
      return n.error("input shapes do not broadcast");
    n.setOutput(0, n.create<WhereOp>(types[0], n.input(0), n.input(1), n.input(2)));
    return success();
  };

  r["Relu"] = unary<ReluOp>;
  r["Sigmoid"] = unary<SigmoidOp>;
  r["Tanh"] = unary<TanhOp>;
  r["Sqrt"] = unary<SqrtOp>;
  r["Exp"] = unary<ExpOp>;
  r["Log"] = unary<LogOp>;
  r["Abs"] = unary<AbsOp>;
  r["Neg"] = unary<NegOp>;
  r["Erf"] = unary<ErfOp>;
  r["Floor"] = unary<FloorOp>;
  r["Ceil"] = unary<CeilOp>;
  r["Round"] = unary<RoundOp>;
  r["Reciprocal"] = unary<ReciprocalOp>;
  r["Sin"] = unary<SinOp>;
  r["Cos"] = unary<CosOp>;
  r["Not"] = unary<NotOp>;
  r["Sign"] = unary<SignOp>;
  r["Softplus"] = unary<SoftplusOp>;
  r["Softsign"] = unary<SoftsignOp>;
  r["HardSwish"] = unary<HardSwishOp>;
  r["Identity"] = [](NodeContext &n) {
    n.setOutput(0, n.input(0));
    return success();
  };
  r["Clip"] = [](NodeContext &n) {
    FloatAttr lo, hi;
    if (n.opset < 11) {
      if (n.hasAttr("min"))
        lo = f64(n, n.attrFloat("min", 0));
      if (n.hasAttr("max"))
        hi = f64(n, n.attrFloat("max", 0));
    } else {
      for (size_t i : {1, 2}) {
        if (!n.hasInput(i))
          continue;
        auto v = n.constFloats(i, i == 1 ? "min" : "max");
        if (failed(v) || v->size() != 1)
          return failed(v) ? failure() : n.error("min and max must be scalars");
        (i == 1 ? lo : hi) = f64(n, (*v)[0]);
      }
    }
    return unary<ClipOp>(n, lo, hi);
  };
  r["HardSigmoid"] = [](NodeContext &n) {
    return unary<HardSigmoidOp>(n, f64(n, n.attrFloat("alpha", 0.2)),
                                f64(n, n.attrFloat("beta", 0.5)));
  };
  r["LeakyRelu"] = [](NodeContext &n) {
    return unary<LeakyReluOp>(n, f64(n, n.attrFloat("alpha", 0.01)));
  };
  r["Elu"] = [](NodeContext &n) {
    return unary<EluOp>(n, f64(n, n.attrFloat("alpha", 1.0)));
  };
  r["Selu"] = [](NodeContext &n) {
    return unary<SeluOp>(n, f64(n, n.attrFloat("alpha", 1.67326319217681884765625)),
                         f64(n, n.attrFloat("gamma", 1.05070102214813232421875)));
  };
  r["Celu"] = [](NodeContext &n) {
    return unary<CeluOp>(n, f64(n, n.attrFloat("alpha", 1.0)));
  };
  r["ThresholdedRelu"] = [](NodeContext &n) {
    return unary<ThresholdedReluOp>(n, f64(n, n.attrFloat("alpha", 1.0)));
  };
  r["Gelu"] = [](NodeContext &n) {
    std::string approx = n.attrString("approximate", "none");
    if (approx != "none" && approx != "tanh")
      return n.error("unknown approximate='" + approx + "'");
    return unary<GeluOp>(n, n.b.getBoolAttr(approx == "tanh"));
  };
  r["PRelu"] = [](NodeContext &n) {
    Value x = n.input(0), slope = n.input(1);
    auto t = n.inputType(0);
    SmallVector<Type> types;
    if (failed(MulOp::inferReturnTypes(n.b.getContext(), n.loc, ValueRange{x, slope},
                                       DictionaryAttr(), OpaqueProperties(nullptr), RegionRange(), types)) ||
        cast<RankedTensorType>(types[0]).getShape() != t.getShape())
      return n.error("slope does not broadcast to the input");
    Value scaled = n.create<MulOp>(t, x, slope);
    auto zeroType = RankedTensorType::get({}, t.getElementType());
    Value zero = n.constant(DenseElementsAttr::get(
        zeroType, n.b.getZeroAttr(t.getElementType())));
    Value neg = n.create<CompareOp>(t.clone(n.b.getI1Type()), CompareKind::lt, x, zero);
    n.setOutput(0, n.create<WhereOp>(t, neg, scaled, x));
    return success();
  };
  r["Cast"] = [](NodeContext &n) {
    int64_t to = n.attrInt("to", 0);
    Type et = elementTypeOf(n.b.getContext(), to);
    if (!et)
      return n.error("cast to unsupported " + dataTypeName(to));
    auto t = n.inputType(0);
    n.setOutput(0, n.create<CastOp>(t.clone(et), n.input(0)));
    return success();
  };
}

} // namespace qcc::onnx_import
