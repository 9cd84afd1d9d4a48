//===- Interpreter.cpp - the integer reference interpreter ----------------===//
//
// Walks the function's single block in order, keeps one RefTensor per SSA
// value (dropped after its last use) and asks the op families in turn to
// evaluate each op.
//
//===----------------------------------------------------------------------===//

#include "Ops.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;
using namespace qcc;
using namespace qcc::reference;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

RefTensor RefTensor::zeros(RankedTensorType type) {
  RefTensor t;
  t.type = type;
  if (t.isFloat())
    t.floats.assign(type.getNumElements(), 0.0);
  else
    t.ints.assign(type.getNumElements(), 0);
  return t;
}

int64_t IntegerKind::min() const {
  if (isUnsigned)
    return 0;
  return width >= 64 ? INT64_MIN : -(int64_t(1) << (width - 1));
}

int64_t IntegerKind::max() const {
  if (width >= 64)
    return INT64_MAX; // ui64 above 2^63 - 1 is not representable here
  if (isUnsigned)
    return (int64_t(1) << width) - 1;
  return (int64_t(1) << (width - 1)) - 1;
}

int64_t IntegerKind::wrap(int64_t v) const {
  if (width >= 64)
    return v;
  uint64_t mask = (uint64_t(1) << width) - 1, bits = (uint64_t)v & mask;
  if (!isUnsigned && (bits >> (width - 1)))
    bits |= ~mask;
  return (int64_t)bits;
}

std::optional<IntegerKind> qcc::getIntegerKind(Type t) {
  if (auto it = dyn_cast<IntegerType>(t))
    return IntegerKind{it.getWidth(), it.isUnsigned() || it.getWidth() == 1};
  if (isa<IndexType>(t))
    return IntegerKind{64, false};
  if (auto qt = dyn_cast<quant::QuantizedType>(t))
    return IntegerKind{qt.getStorageTypeIntegralWidth(), !qt.isSigned()};
  return std::nullopt;
}

double qcc::roundToFloatType(double v, Type t) {
  if (t.isF64())
    return v;
  if (t.isF32())
    return (double)(float)v;
  auto ft = cast<FloatType>(t);
  APFloat f(v);
  bool lost;
  f.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  f.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// Reads `count` elements of `elementType` (or one splat element) from raw
/// little-endian bytes, the layout of dense and dense_resource attributes.
/// False when the element type has no byte-aligned layout handled here.
static bool readRaw(ArrayRef<char> raw, bool splat, Type elementType,
                    RankedTensorType type, RefTensor &out) {
  int64_t n = type.getNumElements();
  auto load = [&](auto tag, auto convert) {
    using T = decltype(tag);
    size_t have = raw.size() / sizeof(T);
    if (!splat && (int64_t)have < n)
      return false;
    for (int64_t k = 0; k < n; ++k) {
      T v;
      memcpy(&v, raw.data() + (splat ? 0 : k) * sizeof(T), sizeof(T));
      convert(v);
    }
    return true;
  };
  if (elementType.isF32())
    return load(float(), [&](float v) { out.floats.push_back(v); });
  if (elementType.isF64())
    return load(double(), [&](double v) { out.floats.push_back(v); });
  auto kind = getIntegerKind(elementType);
  if (!kind || !isa<IntegerType, IndexType>(elementType))
    return false;
  // The destination type decides the signedness (a lut table may be read
  // as ui8 from i8 storage).
  auto dest = *getIntegerKind(type.getElementType());
  auto push = [&](int64_t v) { out.ints.push_back(dest.wrap(v)); };
  switch (isa<IndexType>(elementType) ? 64 : kind->width) {
  case 8:
    return load(int8_t(), push);
  case 16:
    return load(int16_t(), push);
  case 32:
    return load(int32_t(), push);
  case 64:
    return load(int64_t(), push);
  default:
    return false;
  }
}

FailureOr<RefTensor> qcc::refTensorFromAttr(ElementsAttr attr,
                                            RankedTensorType type) {
  RefTensor t;
  t.type = type;
  int64_t n = type.getNumElements();
  Type et = attr.getElementType();
  bool wantFloat = isa<FloatType>(type.getElementType());
  if (isa<FloatType>(et) != wantFloat ||
      (!wantFloat && !getIntegerKind(type.getElementType())))
    return failure();
  if (attr.getNumElements() != n && !(attr.isSplat() && n >= 0))
    return failure();

  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!et.isInteger(1) &&
        readRaw(dense.getRawData(), dense.isSplat(), et, type, t))
      return t;
    t.ints.clear();
    t.floats.clear();
    if (wantFloat) {
      for (const APFloat &v : dense.getValues<APFloat>()) {
        APFloat d = v;
        bool lost;
        d.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
        t.floats.push_back(d.convertToDouble());
      }
    } else {
      IntegerKind dest = *getIntegerKind(type.getElementType());
      for (const APInt &v : dense.getValues<APInt>())
        t.ints.push_back(dest.wrap((int64_t)v.getZExtValue()));
    }
    return t;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    if (readRaw(blob->getData(), /*splat=*/false, et, type, t))
      return t;
    return failure();
  }
  return failure();
}

//===----------------------------------------------------------------------===//
// Shared helpers of the op families
//===----------------------------------------------------------------------===//

FailureOr<RefTensor> reference::opError(Operation *op, const Twine &message) {
  op->emitError() << "reference interpreter: " << message;
  return failure();
}

RankedTensorType reference::resultType(Operation *op) {
  return cast<RankedTensorType>(op->getResult(0).getType());
}

SmallVector<int64_t> reference::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    s[d] = s[d + 1] * shape[d + 1];
  return s;
}

SmallVector<int64_t> reference::broadcastStrides(ArrayRef<int64_t> inShape,
                                                 ArrayRef<int64_t> outShape) {
  SmallVector<int64_t> in = stridesOf(inShape), out(outShape.size(), 0);
  size_t offset = outShape.size() - inShape.size();
  for (size_t d = 0; d < inShape.size(); ++d)
    out[offset + d] = inShape[d] == 1 ? 0 : in[d];
  return out;
}

RefTensor reference::gatherByAxisTables(RankedTensorType outType,
                                        const RefTensor &src,
                                        ArrayRef<std::vector<int64_t>> tables,
                                        int64_t fillInt, double fillFloat) {
  RefTensor out;
  out.type = outType;
  ArrayRef<int64_t> shape = outType.getShape();
  int64_t total = outType.getNumElements();
  bool isFloat = src.isFloat();
  if (isFloat)
    out.floats.reserve(total);
  else
    out.ints.reserve(total);
  if (total == 0)
    return out;
  size_t rank = shape.size();
  SmallVector<int64_t> coord(rank, 0);
  for (int64_t k = 0; k < total; ++k) {
    int64_t offset = 0;
    bool fill = false;
    for (size_t d = 0; d < rank; ++d) {
      int64_t t = tables[d][coord[d]];
      if (t == kFill) {
        fill = true;
        break;
      }
      offset += t;
    }
    if (isFloat)
      out.floats.push_back(fill ? fillFloat : src.floats[offset]);
    else
      out.ints.push_back(fill ? fillInt : src.ints[offset]);
    for (size_t d = rank; d-- > 0;) {
      if (++coord[d] < shape[d])
        break;
      coord[d] = 0;
    }
  }
  return out;
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

namespace {

class Interpreter {
public:
  explicit Interpreter(ModuleOp module) : module(module) {}

  FailureOr<std::vector<RefTensor>>
  run(func::FuncOp f, ArrayRef<RefTensor> inputs, unsigned depth);

private:
  FailureOr<RefTensor> evalOp(Operation *op, Operands in);
  FailureOr<std::vector<RefTensor>> evalCall(func::CallOp call, Operands in,
                                             unsigned depth);

  ModuleOp module;
};

} // namespace

FailureOr<RefTensor> Interpreter::evalOp(Operation *op, Operands in) {
  if (auto c = dyn_cast<arith::ConstantOp>(op)) {
    auto type = dyn_cast<RankedTensorType>(c.getType());
    auto attr = dyn_cast<ElementsAttr>(c.getValue());
    if (!type || !attr || !type.hasStaticShape())
      return opError(op, "only statically shaped tensor constants are "
                         "supported");
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
      if (!resource.getRawHandle().getBlob())
        return opError(op, "the constant's data is missing (the IR was "
                           "printed with its resources elided)");
    auto t = refTensorFromAttr(attr, type);
    if (failed(t))
      return opError(op, "cannot read the constant's elements (unsupported "
                         "element type or storage)");
    return t;
  }
  for (auto family :
       {evalBoundaryOp, evalIntegerOp, evalGroupedOp, evalBlockOp, evalSparseOp,
        evalNormOp, evalDataMovementOp, evalElementwiseOp, evalPoolingOp,
        evalFloatOp})
    if (EvalResult r = family(op, in))
      return std::move(*r);
  return opError(op, Twine("unsupported operation '") +
                         op->getName().getStringRef() + "'");
}

FailureOr<std::vector<RefTensor>>
Interpreter::evalCall(func::CallOp call, Operands in, unsigned depth) {
  auto callee = module ? module.lookupSymbol<func::FuncOp>(call.getCallee())
                       : func::FuncOp();
  if (!callee || callee.isExternal()) {
    call.emitError() << "reference interpreter: cannot find the body of '"
                     << call.getCallee() << "'";
    return failure();
  }
  if (depth > 64) {
    call.emitError("reference interpreter: calls nest more than 64 deep");
    return failure();
  }
  std::vector<RefTensor> args;
  for (const RefTensor *t : in)
    args.push_back(*t);
  return run(callee, args, depth + 1);
}

FailureOr<std::vector<RefTensor>>
Interpreter::run(func::FuncOp f, ArrayRef<RefTensor> inputs, unsigned depth) {
  if (f.isExternal() || !llvm::hasSingleElement(f.getBody())) {
    f.emitError("reference interpreter: the function must have one block");
    return failure();
  }
  Block &body = f.front();
  if (inputs.size() != body.getNumArguments()) {
    f.emitError() << "reference interpreter: expected "
                  << body.getNumArguments() << " inputs, got " << inputs.size();
    return failure();
  }
  DenseMap<Value, RefTensor> values;
  for (auto [arg, t] : llvm::zip(body.getArguments(), inputs)) {
    if (arg.getType() != t.type) {
      f.emitError() << "reference interpreter: input " << arg.getArgNumber()
                    << " has type " << t.type << ", expected " << arg.getType();
      return failure();
    }
    values[arg] = t;
  }

  // Drop every value after its last use, so large graphs fit.
  DenseMap<Operation *, SmallVector<Value>> dies;
  {
    DenseMap<Value, Operation *> last;
    for (Operation &op : body)
      for (Value v : op.getOperands())
        last[v] = &op;
    for (auto &[v, op] : last)
      dies[op].push_back(v);
  }

  for (Operation &op : body) {
    SmallVector<const RefTensor *> in;
    for (Value v : op.getOperands()) {
      auto it = values.find(v);
      if (it == values.end()) {
        op.emitError("reference interpreter: operand defined outside the "
                     "function body or by an unsupported op");
        return failure();
      }
      in.push_back(&it->second);
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      std::vector<RefTensor> results;
      for (const RefTensor *t : in)
        results.push_back(*t);
      return results;
    }
    if (op.getNumRegions() != 0) {
      op.emitError() << "reference interpreter: unsupported operation '"
                     << op.getName() << "' (ops with regions are not "
                     << "interpreted)";
      return failure();
    }
    for (Value r : op.getResults()) {
      auto t = dyn_cast<RankedTensorType>(r.getType());
      if (!t || !t.hasStaticShape()) {
        op.emitError() << "reference interpreter: '" << op.getName()
                       << "' has a result of type " << r.getType()
                       << "; only statically shaped tensors are supported";
        return failure();
      }
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      auto results = evalCall(call, in, depth);
      if (failed(results))
        return failure();
      for (auto [r, t] : llvm::zip(call.getResults(), *results))
        values[r] = std::move(t);
    } else {
      if (op.getNumResults() != 1) {
        op.emitError() << "reference interpreter: unsupported operation '"
                       << op.getName() << "' (" << op.getNumResults()
                       << " results)";
        return failure();
      }
      FailureOr<RefTensor> r = evalOp(&op, in);
      if (failed(r))
        return failure();
      r->type = cast<RankedTensorType>(op.getResult(0).getType());
      size_t have = r->isFloat() ? r->floats.size() : r->ints.size();
      if ((int64_t)have != r->numElements()) {
        op.emitError() << "reference interpreter: internal error: '"
                       << op.getName() << "' produced " << have
                       << " elements for " << r->type;
        return failure();
      }
      values[op.getResult(0)] = std::move(*r);
    }
    if (auto it = dies.find(&op); it != dies.end())
      for (Value v : it->second)
        values.erase(v);
  }
  f.emitError("reference interpreter: the function has no func.return");
  return failure();
}

FailureOr<std::vector<RefTensor>>
qcc::runReference(func::FuncOp f, ArrayRef<RefTensor> inputs) {
  Interpreter interp(f->getParentOfType<ModuleOp>());
  return interp.run(f, inputs, 0);
}
