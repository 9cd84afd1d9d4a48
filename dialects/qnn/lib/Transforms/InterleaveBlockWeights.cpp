//===- InterleaveBlockWeights.cpp - block weights in the x8 row layout ----===//
//
// qcc-interleave-block-weights: the constant weights of Q4_0/Q4_1/Q5_0/
// Q5_1/Q8_0/Q4_K/Q5_K/Q6_K qnn.block_linear ops are rewritten with their rows interleaved by 8
// (qcc::reference::interleaveRows8, the layout runtime/BlockLinear.h
// defines), and the op says so with row_interleave = 8. One new constant per
// original constant, shared by the ops that read it.
//
//===----------------------------------------------------------------------===//

#include "qcc/Dialect/Qnn/IR/Qnn.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Reference/BlockLinear.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace qcc::qnn {
#define GEN_PASS_DEF_INTERLEAVEBLOCKWEIGHTS
#include "qcc/Dialect/Qnn/Transforms/Passes.h.inc"
} // namespace qcc::qnn

using namespace mlir;
using namespace qcc;
using namespace qcc::qnn;

namespace {

/// The bytes of a constant byte tensor and a name for its new copy; empty
/// when `weight` is not such a constant.
std::pair<ArrayRef<char>, std::string> constantBytes(Value weight) {
  auto cst = weight.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return {};
  if (auto res = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return {};
    return {blob->getData(), (res.getRawHandle().getKey() + ".x8").str()};
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue()))
    if (!dense.isSplat())
      return {dense.getRawData(), "block_weight.x8"};
  return {};
}

struct InterleaveBlockWeightsPass
    : qnn::impl::InterleaveBlockWeightsBase<InterleaveBlockWeightsPass> {
  void runOnOperation() override {
    DenseMap<Value, Value> interleaved;
    SmallVector<Operation *> oldConstants;
    getOperation()->walk([&](BlockLinearOp op) {
      int format = static_cast<int>(op.getFormat());
      auto type = cast<RankedTensorType>(op.getWeight().getType());
      int64_t n = type.getDimSize(0);
      int64_t k = op.getInput().getType().getDimSize(1);
      if (op.getRowInterleave() != 1 || !reference::hasRowInterleave8(format) ||
          n % 8)
        return;
      Value &replacement = interleaved[op.getWeight()];
      if (!replacement) {
        auto [bytes, name] = constantBytes(op.getWeight());
        if (bytes.empty())
          return;
        std::vector<uint8_t> permuted = reference::interleaveRows8(
            format, n, k, reinterpret_cast<const uint8_t *>(bytes.data()));
        auto blob = HeapAsmResourceBlob::allocateAndCopyInferAlign(
            ArrayRef<char>(reinterpret_cast<const char *>(permuted.data()),
                           permuted.size()));
        Operation *old = op.getWeight().getDefiningOp();
        OpBuilder b(old);
        replacement = b.create<arith::ConstantOp>(
            old->getLoc(),
            DenseResourceElementsAttr::get(type, name, std::move(blob)));
        oldConstants.push_back(old);
      }
      op.getWeightMutable().assign(replacement);
      op.setRowInterleave(8);
    });
    for (Operation *old : oldConstants)
      if (old->use_empty())
        old->erase();
  }
};

} // namespace
