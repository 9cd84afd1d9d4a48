//===- Pipelines.h - qcc's pass pipelines -----------------------*- C++ -*-===//

#ifndef QCC_PIPELINES_PIPELINES_H
#define QCC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace qcc {

/// Graph-level cleanups on qnn: batch-norm folding, canonicalization, CSE.
void buildQnnOptimizationPipeline(mlir::OpPassManager &pm);

/// qnn to linalg on tensors, with elementwise fusion.
/// qcc-integerize and cleanup, then (if asked) qcc-verify-integer-only.
void buildIntegerizePipeline(mlir::OpPassManager &pm, bool verifyIntegerOnly);

void buildQnnToLinalgPipeline(mlir::OpPassManager &pm);

/// Bufferization: tensors to buffers, results to out-parameters, and
/// deallocation.
void buildBufferizationPipeline(mlir::OpPassManager &pm);

/// Buffers to the LLVM dialect: loops, then the LLVM conversions. Functions
/// take bare pointers for their (static, contiguous) memref arguments. Ops
/// of at least `parallelThreshold` iterations get an OpenMP-parallel outer
/// loop (0: all loops sequential).
void buildBuffersToLLVMPipeline(mlir::OpPassManager &pm,
                                int64_t parallelThreshold = 0);

/// The CPU pipeline from linalg on tensors to the LLVM dialect: the two
/// above with the runtime GEMM micro-kernel for matmuls in between.
void buildLinalgToLLVMPipeline(mlir::OpPassManager &pm,
                               int64_t parallelThreshold = 0);

/// Registers the pipelines above as qcc-opt pipelines
/// (qcc-optimize-qnn, qcc-lower-qnn-to-linalg, qcc-lower-linalg-to-llvm).
void registerPipelines();

} // namespace qcc

#endif // QCC_PIPELINES_PIPELINES_H
