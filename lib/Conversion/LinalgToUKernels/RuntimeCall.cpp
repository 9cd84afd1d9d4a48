//===- RuntimeCall.cpp - calls into the qcc runtime's kernels -------------===//

#include "RuntimeCall.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
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
