//===- QnnToLinalgPass.cpp - the qcc-convert-qnn-to-linalg pass -----------===//

#include "qcc/Conversion/Passes.h"
#include "qcc/Conversion/QnnToLinalg/QnnToLinalg.h"

#include "Utils.h"
#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace qcc {
#define GEN_PASS_DEF_CONVERTQNNTOLINALG
#include "qcc/Conversion/Passes.h.inc"
} // namespace qcc

using namespace mlir;
using namespace qcc;

void qcc::populateQnnToLinalgPatterns(RewritePatternSet &patterns) {
  populateQnnElementwiseToLinalgPatterns(patterns);
  populateQnnMatMulToLinalgPatterns(patterns);
  populateQnnConvToLinalgPatterns(patterns);
  populateQnnPoolToLinalgPatterns(patterns);
  populateQnnReductionToLinalgPatterns(patterns);
  populateQnnDataMovementToLinalgPatterns(patterns);
  populateQnnResizeToLinalgPatterns(patterns);
  populateQnnIntegerToLinalgPatterns(patterns);
  populateQnnIntegerGroupedToLinalgPatterns(patterns);
  populateQnnIntegerNormToLinalgPatterns(patterns);
}

namespace {
struct ConvertQnnToLinalgPass
    : qcc::impl::ConvertQnnToLinalgBase<ConvertQnnToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Report what cannot be lowered by name before trying.
    WalkResult check = module.walk([](Operation *op) {
      if (!isa<qnn::QnnDialect>(op->getDialect()))
        return WalkResult::advance();
      for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
        if (auto rt = dyn_cast<RankedTensorType>(t); rt && !rt.hasStaticShape()) {
          op->emitError("cannot lower '")
              << op->getName() << "': dynamic shape " << t
              << " (give static input shapes)";
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (check.wasInterrupted())
      return signalPassFailure();
    // Unsigned integer types become signless; ops remember their signedness.
    lowering::stripSignedness(module);
    // Quantized types become their storage integers.
    if (failed(lowerQuantizedBoundaries(module)))
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<qnn::QnnDialect>();
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           func::FuncDialect, scf::SCFDialect>();
    // No linalg form: it becomes a runtime call when it bufferizes
    // (Conversion/LinalgToUKernels/BlockLinear.cpp).
    target.addLegalOp<qnn::BlockLinearOp>();
    // Likewise (Conversion/LinalgToUKernels/Attention.cpp).
    target.addLegalOp<qnn::AttentionOp>();
    RewritePatternSet patterns(&getContext());
    populateQnnToLinalgPatterns(patterns);
    if (failed(applyPartialConversion(module, target, std::move(patterns)))) {
      module.walk([](Operation *op) {
        if (isa<qnn::QnnDialect>(op->getDialect()))
          op->emitError("no lowering for '") << op->getName()
                                              << "' with these operand types";
      });
      signalPassFailure();
    }
  }
};
} // namespace
