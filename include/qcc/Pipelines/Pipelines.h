//===- Pipelines.h - qcc's pass pipelines -----------------------*- C++ -*-===//

#ifndef QCC_PIPELINES_PIPELINES_H
#define QCC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace qcc {

/// Graph-level cleanups on qnn: batch-norm folding, canonicalization, CSE.
void buildQnnOptimizationPipeline(mlir::OpPassManager &pm);

/// qnn to linalg on tensors, with elementwise fusion.
void buildQnnToLinalgPipeline(mlir::OpPassManager &pm);

/// linalg on tensors to the LLVM dialect for CPU targets: bufferization,
/// out-parameters, deallocation, loops, and the LLVM conversions. Functions
/// take bare pointers for their (static, contiguous) memref arguments.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm);

/// Registers the pipelines above as qcc-opt pipelines
/// (qcc-optimize-qnn, qcc-lower-qnn-to-linalg, qcc-lower-linalg-to-llvm).
void registerPipelines();

} // namespace qcc

#endif // QCC_PIPELINES_PIPELINES_H
