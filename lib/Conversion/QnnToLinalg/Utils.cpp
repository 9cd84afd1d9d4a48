//===- Utils.cpp - shared helpers of the qnn to linalg lowering -----------===//

#include "Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include <cmath>
#include <limits>

using namespace mlir;

namespace qcc::lowering {

SmallVector<utils::IteratorType> parallel(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

AffineMap broadcastMap(MLIRContext *ctx, RankedTensorType inputType,
                       ArrayRef<int64_t> resultShape) {
  unsigned rank = resultShape.size();
  unsigned offset = rank - inputType.getRank();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < inputType.getRank(); ++i) {
    if (inputType.getDimSize(i) == 1 && resultShape[offset + i] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(offset + i, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx, cast<RankedTensorType>(in.getType()),
                                resultType.getShape()));
  maps.push_back(b.getMultiDimIdentityMap(resultType.getRank()));
  Value init = b.create<tensor::EmptyOp>(loc, resultType.getShape(),
                                         resultType.getElementType());
  auto generic = b.create<linalg::GenericOp>(
      loc, resultType, inputs, init, maps, parallel(resultType.getRank()),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        nb.create<linalg::YieldOp>(nloc, r);
      });
  return generic.getResult(0);
}

Value scalarConst(OpBuilder &b, Location loc, Type type, double value) {
  if (auto ft = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(ft, value));
  if (type.isInteger(1))
    return b.create<arith::ConstantOp>(loc, b.getBoolAttr(value != 0));
  return b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(type, APInt(type.getIntOrFloatBitWidth(),
                                        (int64_t)value, /*isSigned=*/true)));
}

Value lowestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  if (auto ft = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), true)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt v = (w == 1 || isUnsigned) ? APInt(w, 0) : APInt::getSignedMinValue(w);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, v));
}

Value highestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  if (auto ft = dyn_cast<FloatType>(type))
    return b.create<arith::ConstantOp>(
        loc, b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), false)));
  unsigned w = type.getIntOrFloatBitWidth();
  APInt v = (w == 1 || isUnsigned) ? APInt::getMaxValue(w)
                                   : APInt::getSignedMaxValue(w);
  return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(type, v));
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value) {
  Value empty =
      b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType());
  return b.create<linalg::FillOp>(loc, value, empty).getResult(0);
}

Value reshapeTo(OpBuilder &b, Location loc, Value v, RankedTensorType type) {
  auto from = cast<RankedTensorType>(v.getType());
  if (from.getShape() == type.getShape())
    return v;
  Type et = from.getElementType();
  int64_t n = from.getNumElements();
  auto flatType = RankedTensorType::get({n}, et);
  Value flat = v;
  if (from.getRank() == 0) {
    flat = b.create<tensor::ExpandShapeOp>(loc, flatType, v,
                                           ArrayRef<ReassociationIndices>{});
  } else if (from.getRank() != 1) {
    ReassociationIndices all;
    for (int64_t i = 0; i < from.getRank(); ++i)
      all.push_back(i);
    flat = b.create<tensor::CollapseShapeOp>(loc, flatType, v,
                                             ArrayRef<ReassociationIndices>{all});
  }
  if (type.getRank() == 1)
    return flat;
  if (type.getRank() == 0)
    return b.create<tensor::CollapseShapeOp>(loc, type, flat,
                                             ArrayRef<ReassociationIndices>{});
  ReassociationIndices all;
  for (int64_t i = 0; i < type.getRank(); ++i)
    all.push_back(i);
  return b.create<tensor::ExpandShapeOp>(loc, type, flat,
                                         ArrayRef<ReassociationIndices>{all});
}

Value padTensor(OpBuilder &b, Location loc, RankedTensorType type, Value source,
                ArrayRef<int64_t> low, ArrayRef<int64_t> high, Value padValue) {
  return b.create<tensor::PadOp>(loc, type, source,
                                 getAsIndexOpFoldResult(b.getContext(), low),
                                 getAsIndexOpFoldResult(b.getContext(), high),
                                 padValue);
}

Value add(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::AddFOp>(loc, x, y);
  return b.create<arith::AddIOp>(loc, x, y);
}

Value mul(OpBuilder &b, Location loc, Value x, Value y) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::MulFOp>(loc, x, y);
  return b.create<arith::MulIOp>(loc, x, y);
}

Value max(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::MaximumFOp>(loc, x, y);
  if (x.getType().isInteger(1))
    return b.create<arith::OrIOp>(loc, x, y);
  if (isUnsigned)
    return b.create<arith::MaxUIOp>(loc, x, y);
  return b.create<arith::MaxSIOp>(loc, x, y);
}

Value min(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return b.create<arith::MinimumFOp>(loc, x, y);
  if (x.getType().isInteger(1))
    return b.create<arith::AndIOp>(loc, x, y);
  if (isUnsigned)
    return b.create<arith::MinUIOp>(loc, x, y);
  return b.create<arith::MinSIOp>(loc, x, y);
}

Value convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                    bool fromUnsigned, bool toUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto ff = dyn_cast<FloatType>(from);
  auto ft = dyn_cast<FloatType>(to);
  if (ff && ft)
    return ff.getWidth() < ft.getWidth()
               ? b.create<arith::ExtFOp>(loc, to, v).getResult()
               : b.create<arith::TruncFOp>(loc, to, v).getResult();
  if (ft) {
    if (from.isInteger(1) || fromUnsigned)
      return b.create<arith::UIToFPOp>(loc, to, v);
    return b.create<arith::SIToFPOp>(loc, to, v);
  }
  if (to.isInteger(1)) {
    if (ff)
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                     scalarConst(b, loc, from, 0));
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v,
                                   scalarConst(b, loc, from, 0));
  }
  if (ff)
    return toUnsigned ? b.create<arith::FPToUIOp>(loc, to, v).getResult()
                      : b.create<arith::FPToSIOp>(loc, to, v).getResult();
  unsigned wf = from.getIntOrFloatBitWidth(), wt = to.getIntOrFloatBitWidth();
  if (wf < wt)
    return (from.isInteger(1) || fromUnsigned)
               ? b.create<arith::ExtUIOp>(loc, to, v).getResult()
               : b.create<arith::ExtSIOp>(loc, to, v).getResult();
  return b.create<arith::TruncIOp>(loc, to, v);
}

static Type signless(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  if (!tt)
    return t;
  auto it = dyn_cast<IntegerType>(tt.getElementType());
  if (!it || it.isSignless())
    return t;
  return tt.clone(IntegerType::get(t.getContext(), it.getWidth()));
}

static bool isUnsignedTensor(Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  return tt && tt.getElementType().isUnsignedInteger();
}

void stripSignedness(Operation *root) {
  MLIRContext *ctx = root->getContext();
  // Record every op's signedness before any type changes: a producer's
  // result is a consumer's operand.
  root->walk([&](Operation *op) {
    if (op->getDialect() && op->getDialect()->getNamespace() == "qnn") {
      if (llvm::any_of(op->getOperandTypes(), isUnsignedTensor))
        op->setAttr(kUnsignedOperands, UnitAttr::get(ctx));
      uint64_t mask = 0;
      for (auto [i, t] : llvm::enumerate(op->getOperandTypes()))
        if (i < 64 && isUnsignedTensor(t))
          mask |= uint64_t(1) << i;
      if (mask)
        op->setAttr(kUnsignedOperandMask,
                    IntegerAttr::get(IntegerType::get(ctx, 64), mask));
      if (llvm::any_of(op->getResultTypes(), isUnsignedTensor))
        op->setAttr(kUnsignedResults, UnitAttr::get(ctx));
    }
  });
  root->walk([&](Operation *op) {
    if (auto cst = dyn_cast<arith::ConstantOp>(op))
      if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue());
          dense && isUnsignedTensor(dense.getType()))
        cst.setValueAttr(dense.bitcast(
            cast<ShapedType>(signless(dense.getType())).getElementType()));
    for (Value r : op->getResults())
      r.setType(signless(r.getType()));
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          arg.setType(signless(arg.getType()));
  });
  root->walk([&](func::FuncOp f) {
    if (f.isExternal())
      return;
    SmallVector<Type> ins(f.getArgumentTypes()), outs;
    for (Type &t : ins)
      t = signless(t);
    for (Type t : f.getResultTypes())
      outs.push_back(signless(t));
    f.setFunctionType(FunctionType::get(ctx, ins, outs));
  });
}

} // namespace qcc::lowering
