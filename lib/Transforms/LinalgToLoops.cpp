//===- LinalgToLoops.cpp - loops, with the outer one parallel when big ----===//

#include "qcc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace qcc {
#define GEN_PASS_DEF_LINALGTOLOOPS
#include "qcc/Transforms/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

/// Replaces a loop without iteration arguments by an scf.parallel.
void makeParallel(RewriterBase &rewriter, scf::ForOp forOp) {
  rewriter.setInsertionPoint(forOp);
  auto par = rewriter.create<scf::ParallelOp>(
      forOp.getLoc(), ValueRange{forOp.getLowerBound()},
      ValueRange{forOp.getUpperBound()}, ValueRange{forOp.getStep()});
  Block *body = forOp.getBody();
  rewriter.eraseOp(body->getTerminator());
  rewriter.inlineBlockBefore(body, par.getBody()->getTerminator(),
                             par.getInductionVars());
  rewriter.eraseOp(forOp);
}

struct LinalgToLoopsPass : qcc::impl::LinalgToLoopsBase<LinalgToLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      auto iterators = op.getIteratorTypesArray();
      int64_t work = 1;
      for (int64_t r : ranges)
        work = ShapedType::isDynamic(r) ? 0 : work * r;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::LinalgLoops> loops = linalg::linalgOpToLoops(rewriter, op);
      if (failed(loops)) {
        op->emitError("cannot lower to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      if (parallelThreshold <= 0 || work < parallelThreshold ||
          loops->size() != ranges.size())
        continue;
      for (size_t d = 0; d < ranges.size(); ++d) {
        if (iterators[d] != utils::IteratorType::parallel)
          break;
        if (ranges[d] == 1)
          continue;
        if (auto forOp = dyn_cast<scf::ForOp>((*loops)[d]))
          makeParallel(rewriter, forOp);
        break;
      }
    }
  }
};

} // namespace
