//===- BlockLinear.cpp - qnn.block_linear to the runtime kernel -----------===//
//
// A block-format contraction has no linalg form (the weights are bytes whose
// meaning depends on their position in a block), so qnn.block_linear stays
// a qnn op through the lowering to linalg and becomes the runtime call when
// it bufferizes: the result is a new buffer, the operands' buffers are
// passed by address (the weight bytes as the constant global holds them,
// never copied or unpacked), and qcc_rt_block_linear (runtime/BlockLinear.h)
// quantizes the activations and runs the integer block products
// (qcc_rt_block_linear_x8 for weights stored with rows interleaved by 8).
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/LinalgToUKernels/BlockLinear.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "RuntimeCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

constexpr const char *kBlockLinear = "qcc_rt_block_linear";
/// The kernel of weights stored with rows interleaved by 8.
constexpr const char *kBlockLinearX8 = "qcc_rt_block_linear_x8";

/// A 2-d buffer's first element's address and its row stride (a copy when
/// its inner stride is not 1).
std::pair<Value, Value> rowsOf(RewriterBase &rewriter, Location loc,
                               Value buffer) {
  qcc::BufferAddress a = qcc::bufferAddress(rewriter, loc, buffer);
  return {a.address, a.strides[0]};
}

struct BlockLinearBufferization
    : qcc::RuntimeCallBufferization<BlockLinearBufferization,
                                    qcc::qnn::BlockLinearOp> {
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto linear = cast<qcc::qnn::BlockLinearOp>(op);
    Location loc = op->getLoc();
    FailureOr<Value> x = getBuffer(rewriter, linear.getInput(), options, state);
    FailureOr<Value> w =
        getBuffer(rewriter, linear.getWeight(), options, state);
    if (failed(x) || failed(w))
      return failure();
    auto resultType = linear.getType();
    auto outType =
        MemRefType::get(resultType.getShape(), resultType.getElementType());
    Value out = rewriter.create<memref::AllocOp>(
        loc, outType, rewriter.getI64IntegerAttr(64));
    auto [xAddr, ldx] = rowsOf(rewriter, loc, *x);
    auto [wAddr, ldw] = rowsOf(rewriter, loc, *w);
    (void)ldw; // the rows of a constant global are contiguous
    auto [yAddr, ldy] = rowsOf(rewriter, loc, out);
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(),
                                                   v);
    };
    auto inType = linear.getInput().getType();
    SmallVector<Value> args{cst(inType.getDimSize(0)),
                            cst(resultType.getDimSize(1)),
                            cst(inType.getDimSize(1)),
                            xAddr,
                            ldx,
                            wAddr,
                            cst(static_cast<int64_t>(linear.getFormat())),
                            yAddr,
                            ldy};
    qcc::createRuntimeCall(
        rewriter, op,
        linear.getRowInterleave() == 8 ? kBlockLinearX8 : kBlockLinear, args);
    replaceOpWithBufferizedValues(rewriter, op, out);
    return success();
  }
};

} // namespace

void qcc::registerBlockLinearBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, qnn::QnnDialect *) {
    qnn::BlockLinearOp::attachInterface<BlockLinearBufferization>(*ctx);
  });
}
