//===- Attention.cpp - qnn.attention to the runtime kernel ----------------===//
//
// qnn.attention (made by qcc-fuse-attention) has no linalg form that would
// skip the positions its queries cannot see, so like qnn.block_linear it
// stays a qnn op through the lowering to linalg and becomes a call of
// qcc_rt_attention_f32 (runtime/Attention.h) when it bufferizes: keys and
// values are passed as the cache's own buffers (address and strides), so a
// decode step reads only the visible rows of its cache.
//
//===----------------------------------------------------------------------===//

#include "qcc/Conversion/LinalgToUKernels/Attention.h"

#include "qcc/Dialect/Qnn/IR/Qnn.h"

#include "RuntimeCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

constexpr const char *kAttention = "qcc_rt_attention_f32";

struct AttentionBufferization
    : qcc::RuntimeCallBufferization<AttentionBufferization,
                                    qcc::qnn::AttentionOp> {
  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto attention = cast<qcc::qnn::AttentionOp>(op);
    Location loc = op->getLoc();
    SmallVector<qcc::BufferAddress> in;
    for (Value v : op->getOperands()) {
      FailureOr<Value> buffer = getBuffer(rewriter, v, options, state);
      if (failed(buffer))
        return failure();
      in.push_back(qcc::bufferAddress(rewriter, loc, *buffer));
    }
    auto resultType = cast<RankedTensorType>(attention.getType());
    Value out = rewriter.create<memref::AllocOp>(
        loc,
        MemRefType::get(resultType.getShape(), resultType.getElementType()),
        rewriter.getI64IntegerAttr(64));
    qcc::BufferAddress o = qcc::bufferAddress(rewriter, loc, out);
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(),
                                                   v);
    };
    auto dim = [&](Value v, int64_t i) {
      return cast<RankedTensorType>(v.getType()).getDimSize(i);
    };
    Value keys = attention.getKeys(), queries = attention.getQueries(),
          values = attention.getValues(), mask = attention.getMask();
    const qcc::BufferAddress &k = in[0], &q = in[1], &v = in[2], &m = in[3];
    SmallVector<Value> args{cst(dim(keys, 0)),   cst(dim(keys, 1)),
                            cst(dim(keys, 2)),   cst(dim(queries, 2)),
                            cst(dim(values, 2)), cst(dim(mask, 1)),
                            k.address,           k.strides[0],
                            k.strides[1],        q.address,
                            q.strides[0],        q.strides[1],
                            v.address,           v.strides[0],
                            v.strides[1],        m.address,
                            m.strides[0],        o.address,
                            o.strides[0],        o.strides[1]};
    qcc::createRuntimeCall(rewriter, op, kAttention, args);
    replaceOpWithBufferizedValues(rewriter, op, out);
    return success();
  }
};

} // namespace

void qcc::registerAttentionBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, qnn::QnnDialect *) {
    qnn::AttentionOp::attachInterface<AttentionBufferization>(*ctx);
  });
}
