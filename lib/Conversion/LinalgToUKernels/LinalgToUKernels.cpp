//===- LinalgToUKernels.cpp - matmuls on buffers to runtime GEMM calls ----===//

#include "qcc/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace qcc {
#define GEN_PASS_DEF_CONVERTLINALGTOUKERNELS
#include "qcc/Conversion/Passes.h.inc"
} // namespace qcc

using namespace mlir;

namespace {

constexpr const char *kSgemm = "qcc_rt_sgemm";

/// Address of the first element, batch stride and leading dimension of an
/// f32 buffer of rank 2 or 3 with unit innermost stride.
struct Operand {
  Value address, batchStride, leading;
};

/// Whether the kernel can read `buffer`: static f32 with unit inner stride.
bool isSuitable(Value buffer) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

Operand describe(OpBuilder &b, Location loc, Value buffer) {
  auto meta = b.create<memref::ExtractStridedMetadataOp>(loc, buffer);
  Value base = b.create<memref::ExtractAlignedPointerAsIndexOp>(loc, buffer);
  Value four = b.create<arith::ConstantIndexOp>(loc, 4);
  Value byteOffset = b.create<arith::MulIOp>(loc, meta.getOffset(), four);
  Value addr = b.create<arith::AddIOp>(loc, base, byteOffset);
  auto i64 = [&](Value v) -> Value {
    return b.create<arith::IndexCastOp>(loc, b.getI64Type(), v);
  };
  auto s = meta.getStrides();
  Operand op;
  op.address = i64(addr);
  op.leading = i64(s[s.size() - 2]);
  op.batchStride = s.size() == 3 ? i64(s[0])
                                 : b.create<arith::ConstantIntOp>(loc, b.getI64Type(), 0)
                                       .getResult();
  return op;
}

template <typename OpTy>
struct MatmulToSgemm : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "needs buffers");
    if (op.hasUserDefinedMaps())
      return rewriter.notifyMatchFailure(op, "transposed indexing maps");
    Location loc = op.getLoc();
    Value a = op.getDpsInputs()[0], bm = op.getDpsInputs()[1],
          c = op.getDpsInits()[0];
    if (!isSuitable(a) || !isSuitable(bm) || !isSuitable(c))
      return rewriter.notifyMatchFailure(
          op, "operands are not static f32 buffers with unit inner stride");
    auto ct = cast<MemRefType>(c.getType());
    auto at = cast<MemRefType>(a.getType());
    Operand da = describe(rewriter, loc, a), db = describe(rewriter, loc, bm),
            dc = describe(rewriter, loc, c);
    bool batched = ct.getRank() == 3;
    auto cst = [&](int64_t v) -> Value {
      return rewriter.create<arith::ConstantIntOp>(loc, rewriter.getI64Type(), v);
    };
    int64_t batch = batched ? ct.getDimSize(0) : 1;
    int64_t m = ct.getDimSize(ct.getRank() - 2), n = ct.getDimSize(ct.getRank() - 1);
    int64_t k = at.getDimSize(at.getRank() - 1);
    SmallVector<Value> args{cst(batch), cst(m), cst(n), cst(k),
                            da.address, da.batchStride, da.leading,
                            db.address, db.batchStride, db.leading,
                            dc.address, dc.batchStride, dc.leading};
    auto module = op->template getParentOfType<ModuleOp>();
    if (!module.template lookupSymbol<func::FuncOp>(kSgemm)) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      SmallVector<Type> types(13, rewriter.getI64Type());
      auto decl = rewriter.create<func::FuncOp>(
          loc, kSgemm, rewriter.getFunctionType(types, {}));
      decl.setPrivate();
    }
    rewriter.create<func::CallOp>(loc, kSgemm, TypeRange{}, args);
    rewriter.eraseOp(op);
    return success();
  }
};

struct ConvertLinalgToUKernelsPass
    : qcc::impl::ConvertLinalgToUKernelsBase<ConvertLinalgToUKernelsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatmulToSgemm<linalg::MatmulOp>,
                 MatmulToSgemm<linalg::BatchMatmulOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError("qcc-convert-linalg-to-ukernels did not converge");
      signalPassFailure();
    }
  }
};

} // namespace
