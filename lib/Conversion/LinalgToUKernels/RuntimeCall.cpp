//===- RuntimeCall.cpp - calls into the qcc runtime's kernels -------------===//

#include "RuntimeCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"

using namespace mlir;

void qcc::createRuntimeCall(RewriterBase &rewriter, Operation *op,
                            StringRef name, ValueRange args) {
  Location loc = op->getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  if (!module.lookupSymbol<func::FuncOp>(name)) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    SmallVector<Type> types(args.size(), rewriter.getI64Type());
    rewriter
        .create<func::FuncOp>(loc, name, rewriter.getFunctionType(types, {}))
        .setPrivate();
  }
  rewriter.create<func::CallOp>(loc, name, TypeRange{}, args);
}

void qcc::replaceWithRuntimeCall(RewriterBase &rewriter, Operation *op,
                                 StringRef name, ValueRange args,
                                 Operation *deadInit) {
  createRuntimeCall(rewriter, op, name, args);
  if (deadInit)
    rewriter.eraseOp(deadInit);
  rewriter.eraseOp(op);
}

qcc::BufferAddress qcc::bufferAddress(RewriterBase &rewriter, Location loc,
                                      Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) ||
      (!strides.empty() && strides.back() != 1)) {
    auto plain = MemRefType::get(type.getShape(), type.getElementType());
    Value copy = rewriter.create<memref::AllocOp>(loc, plain);
    rewriter.create<memref::CopyOp>(loc, buffer, copy);
    buffer = copy;
  }
  auto meta = rewriter.create<memref::ExtractStridedMetadataOp>(loc, buffer);
  Value base =
      rewriter.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  // Sub-byte elements (i1) take a byte each in memory.
  Value bytes = rewriter.create<arith::ConstantIndexOp>(
      loc, (type.getElementTypeBitWidth() + 7) / 8);
  Value addr = rewriter.create<arith::AddIOp>(
      loc, base, rewriter.create<arith::MulIOp>(loc, meta.getOffset(), bytes));
  auto i64 = [&](Value v) -> Value {
    return rewriter.create<arith::IndexCastOp>(loc, rewriter.getI64Type(), v);
  };
  BufferAddress out{i64(addr), {}};
  for (Value s : meta.getStrides())
    out.strides.push_back(i64(s));
  return out;
}
