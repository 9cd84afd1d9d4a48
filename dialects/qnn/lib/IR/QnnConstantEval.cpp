//===- QnnConstantEval.cpp - evaluate qnn ops on constants ----------------===//
//
// A small host interpreter over doubles (floats) and int64 (integers and
// booleans). It exists for compile-time shape arithmetic, so it favours
// clarity over speed and refuses large tensors.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/QnnConstantEval.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include <cmath>

using namespace mlir;
using namespace qcc::qnn;

namespace {

struct HostTensor {
  SmallVector<int64_t> shape;
  Type elementType;
  std::vector<double> f;  // when elementType is a float
  std::vector<int64_t> i; // otherwise
  bool isFloat() const { return isa<FloatType>(elementType); }
  int64_t size() const { return isFloat() ? f.size() : i.size(); }
  double getF(int64_t k) const { return isFloat() ? f[k] : (double)i[k]; }
  int64_t getI(int64_t k) const { return isFloat() ? (int64_t)f[k] : i[k]; }
};

HostTensor fromAttr(DenseElementsAttr attr) {
  HostTensor t;
  t.shape.assign(attr.getType().getShape().begin(), attr.getType().getShape().end());
  t.elementType = attr.getElementType();
  if (t.isFloat()) {
    for (const APFloat &v : attr.getValues<APFloat>())
      t.f.push_back(v.convertToDouble());
  } else {
    bool isBool = t.elementType.isInteger(1);
    for (const APInt &v : attr.getValues<APInt>())
      t.i.push_back(isBool ? (int64_t)v.getZExtValue() : v.getSExtValue());
  }
  return t;
}

DenseElementsAttr toAttr(const HostTensor &t, RankedTensorType type) {
  Type et = type.getElementType();
  SmallVector<Attribute> elems;
  int64_t n = t.size();
  elems.reserve(n);
  for (int64_t k = 0; k < n; ++k) {
    if (auto ft = dyn_cast<FloatType>(et)) {
      elems.push_back(FloatAttr::get(ft, t.getF(k)));
    } else if (et.isInteger(1)) {
      elems.push_back(BoolAttr::get(et.getContext(), t.getI(k) != 0));
    } else {
      elems.push_back(IntegerAttr::get(
          et, APInt(et.getIntOrFloatBitWidth(), (uint64_t)t.getI(k), true)));
    }
  }
  return DenseElementsAttr::get(type, elems);
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

int64_t numel(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// Flat index into `inShape` (broadcast to `outShape`) for output index k.
int64_t broadcastIndex(int64_t k, ArrayRef<int64_t> outShape,
                       ArrayRef<int64_t> inShape) {
  auto outStrides = stridesOf(outShape), inStrides = stridesOf(inShape);
  int64_t offset = outShape.size() - inShape.size(), flat = 0;
  for (size_t d = 0; d < outShape.size(); ++d) {
    int64_t coord = (k / outStrides[d]) % outShape[d];
    if (d >= (size_t)offset && inShape[d - offset] != 1)
      flat += coord * inStrides[d - offset];
  }
  return flat;
}

template <typename Fn>
HostTensor mapBroadcast(ArrayRef<HostTensor> ins, RankedTensorType out,
                        bool floatCompute, Fn fn) {
  HostTensor r;
  r.shape.assign(out.getShape().begin(), out.getShape().end());
  r.elementType = out.getElementType();
  int64_t n = numel(r.shape);
  for (int64_t k = 0; k < n; ++k) {
    SmallVector<int64_t> idx;
    for (const HostTensor &t : ins)
      idx.push_back(broadcastIndex(k, r.shape, t.shape));
    if (floatCompute) {
      SmallVector<double> v;
      for (auto [t, j] : llvm::zip(ins, idx))
        v.push_back(t.getF(j));
      double x = fn(v);
      if (r.isFloat())
        r.f.push_back(x);
      else
        r.i.push_back((int64_t)x);
    } else {
      SmallVector<double> v;
      for (auto [t, j] : llvm::zip(ins, idx))
        v.push_back((double)t.getI(j));
      // Integer ops below re-read exact int64 values through `ins`.
      double x = fn(v);
      if (r.isFloat())
        r.f.push_back(x);
      else
        r.i.push_back((int64_t)x);
    }
  }
  return r;
}

/// Exact integer binary ops (int64 overflow-free values such as INT64_MAX
/// must survive, so they do not round-trip through double).
template <typename Fn>
HostTensor mapIntBinary(const HostTensor &a, const HostTensor &b,
                        RankedTensorType out, Fn fn) {
  HostTensor r;
  r.shape.assign(out.getShape().begin(), out.getShape().end());
  r.elementType = out.getElementType();
  int64_t n = numel(r.shape);
  for (int64_t k = 0; k < n; ++k)
    r.i.push_back(fn(a.getI(broadcastIndex(k, r.shape, a.shape)),
                     b.getI(broadcastIndex(k, r.shape, b.shape))));
  return r;
}

FailureOr<HostTensor> evaluate(Operation *op, ArrayRef<HostTensor> in) {
  auto out = cast<RankedTensorType>(op->getResult(0).getType());
  bool isF = isa<FloatType>(out.getElementType());
  auto binF = [&](auto fn) {
    return mapBroadcast(in, out, true,
                        [&](ArrayRef<double> v) { return fn(v[0], v[1]); });
  };
  auto binI = [&](auto fn) { return mapIntBinary(in[0], in[1], out, fn); };
  auto unary = [&](auto fn) {
    return mapBroadcast(in, out, in[0].isFloat(),
                        [&](ArrayRef<double> v) { return fn(v[0]); });
  };

  if (isa<AddOp>(op))
    return isF ? binF([](double a, double b) { return a + b; })
               : binI([](int64_t a, int64_t b) { return a + b; });
  if (isa<SubOp>(op))
    return isF ? binF([](double a, double b) { return a - b; })
               : binI([](int64_t a, int64_t b) { return a - b; });
  if (isa<MulOp>(op))
    return isF ? binF([](double a, double b) { return a * b; })
               : binI([](int64_t a, int64_t b) { return a * b; });
  if (isa<DivOp>(op)) {
    if (isF)
      return binF([](double a, double b) { return a / b; });
    for (int64_t v : in[1].i)
      if (v == 0)
        return failure();
    return binI([](int64_t a, int64_t b) { return a / b; });
  }
  if (isa<MaxOp>(op))
    return isF ? binF([](double a, double b) { return std::max(a, b); })
               : binI([](int64_t a, int64_t b) { return std::max(a, b); });
  if (isa<MinOp>(op))
    return isF ? binF([](double a, double b) { return std::min(a, b); })
               : binI([](int64_t a, int64_t b) { return std::min(a, b); });
  if (isa<PowOp>(op))
    return binF([](double a, double b) { return std::pow(a, b); });
  if (isa<AndOp>(op))
    return binI([](int64_t a, int64_t b) -> int64_t { return a && b; });
  if (isa<OrOp>(op))
    return binI([](int64_t a, int64_t b) -> int64_t { return a || b; });
  if (isa<XorOp>(op))
    return binI([](int64_t a, int64_t b) -> int64_t { return (a != 0) != (b != 0); });
  if (auto cmp = dyn_cast<CompareOp>(op)) {
    CompareKind kind = cmp.getKind();
    auto test = [kind](auto a, auto b) -> int64_t {
      switch (kind) {
      case CompareKind::eq:
        return a == b;
      case CompareKind::lt:
        return a < b;
      case CompareKind::le:
        return a <= b;
      case CompareKind::gt:
        return a > b;
      case CompareKind::ge:
        return a >= b;
      }
      return 0;
    };
    if (in[0].isFloat())
      return mapBroadcast(in, out, true, [&](ArrayRef<double> v) {
        return (double)test(v[0], v[1]);
      });
    return binI(test);
  }
  if (isa<WhereOp>(op)) {
    HostTensor r;
    r.shape.assign(out.getShape().begin(), out.getShape().end());
    r.elementType = out.getElementType();
    for (int64_t k = 0, n = numel(r.shape); k < n; ++k) {
      bool c = in[0].getI(broadcastIndex(k, r.shape, in[0].shape));
      const HostTensor &src = c ? in[1] : in[2];
      int64_t j = broadcastIndex(k, r.shape, src.shape);
      if (r.isFloat())
        r.f.push_back(src.getF(j));
      else
        r.i.push_back(src.getI(j));
    }
    return r;
  }
  if (isa<NegOp>(op))
    return isF ? unary([](double x) { return -x; })
               : mapIntBinary(in[0], in[0], out, [](int64_t a, int64_t) { return -a; });
  if (isa<AbsOp>(op))
    return isF ? unary([](double x) { return std::abs(x); })
               : mapIntBinary(in[0], in[0], out,
                              [](int64_t a, int64_t) { return a < 0 ? -a : a; });
  if (isa<NotOp>(op))
    return unary([](double x) { return (double)(x == 0); });
  if (isa<FloorOp>(op))
    return unary([](double x) { return std::floor(x); });
  if (isa<CeilOp>(op))
    return unary([](double x) { return std::ceil(x); });
  if (isa<SqrtOp>(op))
    return unary([](double x) { return std::sqrt(x); });
  if (isa<ExpOp>(op))
    return unary([](double x) { return std::exp(x); });
  if (isa<ReluOp>(op))
    return unary([](double x) { return std::max(x, 0.0); });
  if (isa<ReciprocalOp>(op))
    return unary([](double x) { return 1.0 / x; });
  if (auto cast = dyn_cast<CastOp>(op)) {
    HostTensor r = in[0];
    r.elementType = out.getElementType();
    if (r.isFloat() && !in[0].isFloat()) {
      for (int64_t v : in[0].i)
        r.f.push_back((double)v);
      r.i.clear();
    } else if (!r.isFloat() && in[0].isFloat()) {
      bool toBool = r.elementType.isInteger(1);
      for (double v : in[0].f)
        r.i.push_back(toBool ? (int64_t)(v != 0) : (int64_t)v);
      r.f.clear();
    } else if (!r.isFloat() && r.elementType.isInteger(1)) {
      for (int64_t &v : r.i)
        v = v != 0;
    } else if (!r.isFloat()) {
      unsigned w = r.elementType.getIntOrFloatBitWidth();
      for (int64_t &v : r.i)
        v = APInt(64, (uint64_t)v).trunc(w).getSExtValue();
    }
    return r;
  }
  if (isa<ReshapeOp>(op)) {
    HostTensor r = in[0];
    r.shape.assign(out.getShape().begin(), out.getShape().end());
    return r;
  }
  if (isa<BroadcastOp>(op))
    return mapBroadcast(in, out, in[0].isFloat(),
                        [](ArrayRef<double> v) { return v[0]; });
  // Index-permuting ops: compute, per output element, its input position.
  auto gatherBy = [&](const HostTensor &src, auto sourceIndex) {
    HostTensor r;
    r.shape.assign(out.getShape().begin(), out.getShape().end());
    r.elementType = out.getElementType();
    auto strides = stridesOf(r.shape);
    for (int64_t k = 0, n = numel(r.shape); k < n; ++k) {
      SmallVector<int64_t> coord(r.shape.size());
      for (size_t d = 0; d < r.shape.size(); ++d)
        coord[d] = (k / strides[d]) % r.shape[d];
      int64_t j = sourceIndex(coord);
      if (r.isFloat())
        r.f.push_back(src.getF(j));
      else
        r.i.push_back(src.getI(j));
    }
    return r;
  };
  if (auto t = dyn_cast<TransposeOp>(op)) {
    auto inStrides = stridesOf(in[0].shape);
    ArrayRef<int64_t> perm = t.getPerm();
    return gatherBy(in[0], [&](ArrayRef<int64_t> c) {
      int64_t j = 0;
      for (size_t d = 0; d < perm.size(); ++d)
        j += c[d] * inStrides[perm[d]];
      return j;
    });
  }
  if (auto s = dyn_cast<SliceOp>(op)) {
    auto inStrides = stridesOf(in[0].shape);
    return gatherBy(in[0], [&](ArrayRef<int64_t> c) {
      int64_t j = 0;
      for (size_t d = 0; d < c.size(); ++d)
        j += (s.getStarts()[d] + c[d] * s.getSteps()[d]) * inStrides[d];
      return j;
    });
  }
  if (auto g = dyn_cast<GatherOp>(op)) {
    int64_t axis = g.getAxis(), q = in[1].shape.size();
    auto inStrides = stridesOf(in[0].shape);
    auto idxStrides = stridesOf(in[1].shape);
    int64_t dim = in[0].shape[axis];
    for (int64_t v : in[1].i)
      if (v < -dim || v >= dim)
        return failure();
    return gatherBy(in[0], [&](ArrayRef<int64_t> c) {
      int64_t flatIdx = 0;
      for (int64_t d = 0; d < q; ++d)
        flatIdx += c[axis + d] * idxStrides[d];
      int64_t i = in[1].i[flatIdx];
      if (i < 0)
        i += dim;
      int64_t j = 0;
      for (int64_t d = 0; d < axis; ++d)
        j += c[d] * inStrides[d];
      j += i * inStrides[axis];
      for (int64_t d = axis + 1; d < (int64_t)in[0].shape.size(); ++d)
        j += c[d + q - 1] * inStrides[d];
      return j;
    });
  }
  if (auto c = dyn_cast<ConcatOp>(op)) {
    int64_t axis = c.getAxis();
    HostTensor r;
    r.shape.assign(out.getShape().begin(), out.getShape().end());
    r.elementType = out.getElementType();
    auto strides = stridesOf(r.shape);
    for (int64_t k = 0, n = numel(r.shape); k < n; ++k) {
      int64_t a = (k / strides[axis]) % r.shape[axis];
      size_t which = 0;
      while (a >= in[which].shape[axis])
        a -= in[which++].shape[axis];
      const HostTensor &src = in[which];
      auto srcStrides = stridesOf(src.shape);
      int64_t j = 0;
      for (size_t d = 0; d < r.shape.size(); ++d)
        j += (d == (size_t)axis ? a : (k / strides[d]) % r.shape[d]) * srcStrides[d];
      if (r.isFloat())
        r.f.push_back(src.getF(j));
      else
        r.i.push_back(src.getI(j));
    }
    return r;
  }
  if (auto red = dyn_cast<ReduceOp>(op)) {
    ReduceKind kind = red.getKind();
    if (kind != ReduceKind::sum && kind != ReduceKind::prod &&
        kind != ReduceKind::max && kind != ReduceKind::min &&
        kind != ReduceKind::mean)
      return failure();
    const HostTensor &src = in[0];
    SmallVector<int64_t> keptShape(src.shape);
    for (int64_t a : red.getAxes())
      keptShape[a] = 1;
    int64_t outN = numel(keptShape);
    std::vector<double> accF(outN);
    std::vector<int64_t> accI(outN);
    std::vector<bool> seen(outN, false);
    auto srcStrides = stridesOf(src.shape), keptStrides = stridesOf(keptShape);
    for (int64_t k = 0, n = src.size(); k < n; ++k) {
      int64_t o = 0;
      for (size_t d = 0; d < src.shape.size(); ++d)
        if (keptShape[d] != 1 || src.shape[d] == 1)
          o += ((k / srcStrides[d]) % src.shape[d]) * keptStrides[d];
      double vf = src.getF(k);
      int64_t vi = src.getI(k);
      if (!seen[o]) {
        accF[o] = vf;
        accI[o] = vi;
        seen[o] = true;
        continue;
      }
      switch (kind) {
      case ReduceKind::prod:
        accF[o] *= vf;
        accI[o] *= vi;
        break;
      case ReduceKind::max:
        accF[o] = std::max(accF[o], vf);
        accI[o] = std::max(accI[o], vi);
        break;
      case ReduceKind::min:
        accF[o] = std::min(accF[o], vf);
        accI[o] = std::min(accI[o], vi);
        break;
      default:
        accF[o] += vf;
        accI[o] += vi;
      }
    }
    int64_t count = src.size() / std::max<int64_t>(outN, 1);
    HostTensor r;
    r.shape.assign(out.getShape().begin(), out.getShape().end());
    r.elementType = out.getElementType();
    for (int64_t o = 0; o < outN; ++o) {
      if (!seen[o]) {
        accF[o] = kind == ReduceKind::prod ? 1 : 0;
        accI[o] = kind == ReduceKind::prod ? 1 : 0;
      }
      if (kind == ReduceKind::mean) {
        accF[o] /= count;
        accI[o] /= std::max<int64_t>(count, 1);
      }
      if (r.isFloat())
        r.f.push_back(accF[o]);
      else
        r.i.push_back(accI[o]);
    }
    return r;
  }
  return failure();
}

} // namespace

FailureOr<DenseElementsAttr>
qcc::qnn::evaluateOnConstants(Operation *op, ArrayRef<DenseElementsAttr> operands,
                              int64_t maxElements) {
  if (op->getNumResults() != 1)
    return failure();
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!out || !out.hasStaticShape() || out.getNumElements() > maxElements)
    return failure();
  Type et = out.getElementType();
  if (!isa<FloatType>(et) && !et.isSignlessInteger())
    return failure();
  SmallVector<HostTensor> in;
  for (DenseElementsAttr a : operands) {
    if (a.getNumElements() > maxElements)
      return failure();
    Type it = a.getElementType();
    if (!isa<FloatType>(it) && !it.isSignlessInteger())
      return failure();
    in.push_back(fromAttr(a));
  }
  auto result = evaluate(op, in);
  if (failed(result))
    return failure();
  return toAttr(*result, out);
}
