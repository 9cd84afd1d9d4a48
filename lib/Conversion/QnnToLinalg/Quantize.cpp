//===- Quantize.cpp - quantize/dequantize to linalg, quant types erased ---===//
//
// The float boundary of the integer path (docs/numerics.md): qnn.quantize
// and qnn.dequantize become elementwise generics on the storage integers of
// their quantized types, with per-tensor, per-axis and sub-channel
// parameters read through one indexing map (element index floordiv block
// size). `quant.scast` ops vanish: a quantized value is its storage integers.
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"

#include "Utils.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/IR/QuantParams.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;
using namespace qcc::lowering;

namespace {

/// Parameter tensors (f32 scales, i32 zero points) over the parameter grid
/// and the map that reads them from the tensor's index space; null values
/// for per-tensor parameters, which become scalar constants instead.
struct ParamOperands {
  Value scales, zeroPoints;
  AffineMap map;
};

ParamOperands buildParams(OpBuilder &b, Location loc, const QuantParams &p) {
  ParamOperands out;
  if (p.isPerTensor())
    return out;
  MLIRContext *ctx = b.getContext();
  SmallVector<float> scales(p.scales.begin(), p.scales.end());
  SmallVector<int32_t> zps(p.zeroPoints.begin(), p.zeroPoints.end());
  out.scales = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get(p.gridShape, b.getF32Type()),
                                  ArrayRef<float>(scales)));
  out.zeroPoints = b.create<arith::ConstantOp>(
      loc, DenseElementsAttr::get(RankedTensorType::get(p.gridShape, b.getI32Type()),
                                  ArrayRef<int32_t>(zps)));
  SmallVector<AffineExpr> exprs;
  for (size_t d = 0; d < p.shape.size(); ++d) {
    if (p.gridShape[d] == 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else if (p.blockSize[d] == 1)
      exprs.push_back(getAffineDimExpr(d, ctx));
    else
      exprs.push_back(getAffineDimExpr(d, ctx).floorDiv(p.blockSize[d]));
  }
  out.map = AffineMap::get(p.shape.size(), 0, exprs, ctx);
  return out;
}

/// One elementwise generic over `resultType` reading `input` and the
/// parameters; `body(b, loc, x, scale, zp)` gives the result scalar.
using ParamBody =
    function_ref<Value(OpBuilder &, Location, Value, Value, Value)>;
Value buildWithParams(OpBuilder &b, Location loc, Value input,
                      RankedTensorType resultType, const QuantParams &p,
                      ParamBody body) {
  ParamOperands params = buildParams(b, loc, p);
  unsigned rank = resultType.getRank();
  SmallVector<Value> inputs{input};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  if (params.scales) {
    inputs.append({params.scales, params.zeroPoints});
    maps.append({params.map, params.map});
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = b.create<tensor::EmptyOp>(loc, resultType.getShape(),
                                         resultType.getElementType());
  float scale0 = p.scales[0];
  int32_t zp0 = p.zeroPoints[0];
  return b
      .create<linalg::GenericOp>(
          loc, resultType, inputs, init, maps, parallel(rank),
          [&](OpBuilder &nb, Location l, ValueRange a) {
            Value scale, zp;
            if (a.size() == 4) {
              scale = a[1];
              zp = a[2];
            } else {
              scale = nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(scale0));
              zp = nb.create<arith::ConstantIntOp>(l, nb.getI32Type(), zp0);
            }
            nb.create<linalg::YieldOp>(l, body(nb, l, a[0], scale, zp));
          })
      .getResult(0);
}

Value toF32(OpBuilder &b, Location loc, Value v) {
  Type f32 = b.getF32Type();
  unsigned w = v.getType().getIntOrFloatBitWidth();
  if (w < 32)
    return b.create<arith::ExtFOp>(loc, f32, v);
  if (w > 32)
    return b.create<arith::TruncFOp>(loc, f32, v);
  return v;
}

/// q = clamp(round_half_even(x / s) + zp, qmin, qmax); NaN -> zp.
Value lowerQuantize(OpBuilder &b, QuantizeOp op, const QuantParams &p) {
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getType());
  auto storage = RankedTensorType::get(type.getShape(), b.getIntegerType(p.bits));
  double qmin = p.qmin, qmax = p.qmax;
  return buildWithParams(
      b, loc, op.getInput(), storage, p,
      [&](OpBuilder &nb, Location l, Value x, Value scale, Value zp) -> Value {
        Type f32 = nb.getF32Type();
        Value xf = toF32(nb, l, x);
        Value q = nb.create<arith::DivFOp>(l, xf, scale);
        Value r = nb.create<math::RoundEvenOp>(l, q);
        Value zpf = nb.create<arith::SIToFPOp>(l, f32, zp);
        r = nb.create<arith::AddFOp>(l, r, zpf);
        Value isNan = nb.create<arith::CmpFOp>(l, arith::CmpFPredicate::UNO, xf, xf);
        r = nb.create<arith::MaximumFOp>(
            l, r, nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(qmin)));
        r = nb.create<arith::MinimumFOp>(
            l, r, nb.create<arith::ConstantOp>(l, nb.getF32FloatAttr(qmax)));
        r = nb.create<arith::SelectOp>(l, isNan, zpf, r);
        Value i = nb.create<arith::FPToSIOp>(l, nb.getI32Type(), r);
        if (p.bits == 32)
          return i;
        return nb.create<arith::TruncIOp>(l, nb.getIntegerType(p.bits), i);
      });
}

/// x = f32(q - zp) * s.
Value lowerDequantize(OpBuilder &b, DequantizeOp op, Value storage,
                      const QuantParams &p) {
  auto type = cast<RankedTensorType>(op.getType());
  return buildWithParams(
      b, op.getLoc(), storage, type, p,
      [&](OpBuilder &nb, Location l, Value q, Value scale, Value zp) -> Value {
        Type i32 = nb.getI32Type();
        Value wide = p.isSigned ? nb.create<arith::ExtSIOp>(l, i32, q).getResult()
                                : nb.create<arith::ExtUIOp>(l, i32, q).getResult();
        if (p.bits == 32)
          wide = q;
        Value d = nb.create<arith::SubIOp>(l, wide, zp);
        Value f = nb.create<arith::SIToFPOp>(l, nb.getF32Type(), d);
        Value x = nb.create<arith::MulFOp>(l, f, scale);
        Type et = type.getElementType();
        if (et.getIntOrFloatBitWidth() < 32)
          return nb.create<arith::TruncFOp>(l, et, x);
        if (et.getIntOrFloatBitWidth() > 32)
          return nb.create<arith::ExtFOp>(l, et, x);
        return x;
      });
}

} // namespace

LogicalResult qcc::lowerQuantizedBoundaries(ModuleOp module) {
  DenseMap<Value, Value> storageOf;
  auto storage = [&](Value q) -> Value {
    if (auto it = storageOf.find(q); it != storageOf.end())
      return it->second;
    Operation *def = q.getDefiningOp();
    if (def && isa<StorageCastOp, quant::StorageCastOp>(def) &&
        !getQuantElementType(def->getOperand(0).getType()))
      return def->getOperand(0);
    return nullptr;
  };
  SmallVector<Operation *> dead;
  WalkResult walk = module.walk([&](Operation *op) -> WalkResult {
    OpBuilder b(op);
    if (auto q = dyn_cast<QuantizeOp>(op)) {
      auto t = cast<RankedTensorType>(q.getType());
      auto p = getQuantParams(t.getElementType(), t.getShape(),
                              [&] { return q.emitOpError(); });
      if (failed(p))
        return WalkResult::interrupt();
      storageOf[q.getResult()] = lowerQuantize(b, q, *p);
      dead.push_back(op);
      return WalkResult::advance();
    }
    if (auto dq = dyn_cast<DequantizeOp>(op)) {
      auto t = cast<RankedTensorType>(dq.getInput().getType());
      auto p = getQuantParams(t.getElementType(), t.getShape(),
                              [&] { return dq.emitOpError(); });
      Value s = storage(dq.getInput());
      if (failed(p) || !s) {
        if (succeeded(p))
          dq.emitOpError("cannot find the storage of its quantized operand");
        return WalkResult::interrupt();
      }
      dq.replaceAllUsesWith(lowerDequantize(b, dq, s, *p));
      dead.push_back(op);
      return WalkResult::advance();
    }
    if (isa<StorageCastOp, quant::StorageCastOp>(op)) {
      if (getQuantElementType(op->getResult(0).getType())) {
        dead.push_back(op); // integer -> quantized: read through storage()
        return WalkResult::advance();
      }
      Value s = storage(op->getOperand(0));
      if (!s) {
        op->emitOpError("cannot find the storage of its quantized operand");
        return WalkResult::interrupt();
      }
      if (s.getType() != op->getResult(0).getType()) {
        op->emitOpError("storage type ")
            << s.getType() << " differs from the cast's result type "
            << op->getResult(0).getType();
        return WalkResult::interrupt();
      }
      op->getResult(0).replaceAllUsesWith(s);
      dead.push_back(op);
      return WalkResult::advance();
    }
    // No other op may see a quantized value.
    for (Value v : op->getOperands())
      if (getQuantElementType(v.getType())) {
        op->emitError("quantized value of type ")
            << v.getType() << " reaches '" << op->getName()
            << "', which has no integer lowering (run qcc-integerize first)";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  for (Operation *op : llvm::reverse(dead)) {
    op->dropAllUses();
    op->erase();
  }
  return success();
}
