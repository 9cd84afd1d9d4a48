//===- FuseElementwise.cpp - elementwise fusion that spares contractions --===//

#include "qcc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "qcc/Transforms/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

/// Elementwise generics other than a convolution's requantizing epilogue
/// (`qcc.qconv_epilogue`), which stays whole so that the ukernel conversion
/// can fold it into the convolution's runtime call.
bool isElementwiseGeneric(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && linalg::isElementwise(generic) &&
         !generic->hasAttr("qcc.qconv_epilogue");
}

struct FuseElementwisePass
    : qcc::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    linalg::ControlFusionFn control = [](OpOperand *operand) {
      Operation *producer = operand->get().getDefiningOp();
      Operation *consumer = operand->getOwner();
      // Reshapes may move across elementwise ops only.
      if (isa_and_nonnull<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(producer))
        return isElementwiseGeneric(consumer);
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(consumer))
        return isElementwiseGeneric(producer);
      return isElementwiseGeneric(producer) && isElementwiseGeneric(consumer);
    };
    RewritePatternSet patterns(&getContext());
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
