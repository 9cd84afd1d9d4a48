//===- VerifyIntegerOnly.cpp - no float arithmetic in quantized regions ---===//
//
// qcc-verify-integer-only: a quantized region is everything between a
// qnn.dequantize and a qnn.quantize: an op lies in one when it depends on a
// dequantize result and its result reaches a quantize. After
// qcc-integerize no op in such a region may compute on floats; the pass
// names each that does and fails. Float ops before the first quantize
// (input preprocessing) and after the last dequantize (output heads) are
// outside the regions and allowed.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/SetVector.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_VERIFYINTEGERONLY
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc::qnn;

namespace {

bool computesOnFloats(Operation *op) {
  if (isa<QuantizeOp, DequantizeOp>(op) || op->hasTrait<OpTrait::ConstantLike>())
    return false;
  auto isFloat = [](Type t) { return isa<FloatType>(getElementTypeOrSelf(t)); };
  return llvm::any_of(op->getOperandTypes(), isFloat) ||
         llvm::any_of(op->getResultTypes(), isFloat);
}

struct VerifyIntegerOnlyPass
    : qcc::qnn::impl::VerifyIntegerOnlyBase<VerifyIntegerOnlyPass> {
  void runOnOperation() override {
    bool failedAny = false;
    getOperation()->walk([&](func::FuncOp f) {
      // Forward from dequantize results.
      llvm::SetVector<Operation *> afterDq;
      SmallVector<Operation *> work;
      f.walk([&](DequantizeOp dq) { work.push_back(dq); });
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        for (Operation *user : op->getUsers())
          if (!isa<QuantizeOp>(user) && afterDq.insert(user))
            work.push_back(user);
      }
      // Backward from quantize operands.
      llvm::SetVector<Operation *> beforeQ;
      f.walk([&](QuantizeOp q) { work.push_back(q); });
      while (!work.empty()) {
        Operation *op = work.pop_back_val();
        for (Value v : op->getOperands())
          if (Operation *def = v.getDefiningOp())
            if (!isa<DequantizeOp>(def) && beforeQ.insert(def))
              work.push_back(def);
      }
      for (Operation *op : afterDq)
        if (beforeQ.contains(op) && computesOnFloats(op)) {
          op->emitError("float arithmetic '")
              << op->getName()
              << "' inside a quantized region (between a qnn.dequantize and a "
                 "qnn.quantize): qcc-integerize has no integer form for it here";
          failedAny = true;
        }
    });
    if (failedAny)
      signalPassFailure();
  }
};

} // namespace
