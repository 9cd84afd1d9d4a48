//===- InlineAllocaScopes.cpp - drop alloca scopes that scope nothing -----===//

#include "qcc/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace qcc {
#define GEN_PASS_DEF_INLINEALLOCASCOPES
#include "qcc/Transforms/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

struct InlineAllocaScopesPass
    : qcc::impl::InlineAllocaScopesBase<InlineAllocaScopesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    getOperation()->walk([&](memref::AllocaScopeOp scope) {
      bool allocates = false;
      scope.getBodyRegion().walk([&](memref::AllocaOp) { allocates = true; });
      if (!allocates && scope.getNumResults() == 0 &&
          scope.getBodyRegion().hasOneBlock())
        scopes.push_back(scope);
    });
    IRRewriter rewriter(&getContext());
    for (memref::AllocaScopeOp scope : scopes) {
      Block &body = scope.getBodyRegion().front();
      rewriter.eraseOp(body.getTerminator());
      rewriter.inlineBlockBefore(&body, scope);
      rewriter.eraseOp(scope);
    }
  }
};

} // namespace
