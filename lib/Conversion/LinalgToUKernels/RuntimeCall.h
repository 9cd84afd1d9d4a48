//===- RuntimeCall.h - calls into the qcc runtime's kernels ---------------===//
//
// Every runtime kernel the ukernel patterns call takes i64 arguments only
// (sizes, strides, addresses) and returns nothing; these declare it in the
// module on first use and emit the call in place of the op it replaces.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_LIB_CONVERSION_LINALGTOUKERNELS_RUNTIMECALL_H
#define QCC_LIB_CONVERSION_LINALGTOUKERNELS_RUNTIMECALL_H

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/PatternMatch.h"

namespace qcc {

/// Calls the runtime function `name` with `args` (all i64) before `op`,
/// declaring it (private, no results) in `op`'s module if it is missing.
void createRuntimeCall(mlir::RewriterBase &rewriter, mlir::Operation *op,
                       llvm::StringRef name, mlir::ValueRange args);

/// createRuntimeCall, then erases `op` and `deadInit` (the zero
/// initialization of an output the kernel overwrites; may be null).
void replaceWithRuntimeCall(mlir::RewriterBase &rewriter, mlir::Operation *op,
                            llvm::StringRef name, mlir::ValueRange args,
                            mlir::Operation *deadInit = nullptr);

/// How an op that becomes a runtime call bufferizes, except `bufferize`
/// itself (the concrete model's): it reads every operand's buffer, writes
/// none of them and returns a freshly allocated result.
template <typename ConcreteModel, typename ConcreteOp>
struct RuntimeCallBufferization
    : mlir::bufferization::BufferizableOpInterface::ExternalModel<ConcreteModel,
                                                                  ConcreteOp> {
  bool
  bufferizesToMemoryRead(mlir::Operation *, mlir::OpOperand &,
                         const mlir::bufferization::AnalysisState &) const {
    return true;
  }
  bool
  bufferizesToMemoryWrite(mlir::Operation *, mlir::OpOperand &,
                          const mlir::bufferization::AnalysisState &) const {
    return false;
  }
  mlir::bufferization::AliasingValueList
  getAliasingValues(mlir::Operation *, mlir::OpOperand &,
                    const mlir::bufferization::AnalysisState &) const {
    return {};
  }
  bool bufferizesToAllocation(mlir::Operation *, mlir::Value) const {
    return true;
  }
};

/// A memref's first element's address and its strides (in elements), as
/// i64 values for a runtime kernel. A buffer whose innermost stride is not 1
/// is first copied into a fresh buffer of the identity layout.
struct BufferAddress {
  mlir::Value address;
  llvm::SmallVector<mlir::Value> strides;
};
BufferAddress bufferAddress(mlir::RewriterBase &rewriter, mlir::Location loc,
                            mlir::Value buffer);

} // namespace qcc

#endif // QCC_LIB_CONVERSION_LINALGTOUKERNELS_RUNTIMECALL_H
