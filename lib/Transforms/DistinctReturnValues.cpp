//===- DistinctReturnValues.cpp - one tensor per function result ----------===//
//
// Copies return operands that repeat an earlier one, so bufferization gives
// every result its own buffer (buffer-results-to-out-params crashes on an
// allocation returned twice).
//
//===----------------------------------------------------------------------===//

#include "qcc/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/DenseSet.h"

namespace qcc {
#define GEN_PASS_DEF_DISTINCTRETURNVALUES
#include "qcc/Transforms/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

struct DistinctReturnValuesPass
    : qcc::impl::DistinctReturnValuesBase<DistinctReturnValuesPass> {
  void runOnOperation() override {
    getOperation().walk([](func::ReturnOp ret) {
      llvm::SmallDenseSet<Value, 8> seen;
      OpBuilder b(ret);
      for (OpOperand &operand : ret->getOpOperands()) {
        Value v = operand.get();
        auto type = dyn_cast<RankedTensorType>(v.getType());
        // A block argument bufferizes to a buffer the out-parameter
        // conversion copies from, however often it is returned.
        if (!type || isa<BlockArgument>(v) || seen.insert(v).second)
          continue;
        operand.set(bufferization::AllocTensorOp::create(
            b, ret.getLoc(), type, /*dynamicSizes=*/ValueRange(), /*copy=*/v));
      }
    });
  }
};

} // namespace
