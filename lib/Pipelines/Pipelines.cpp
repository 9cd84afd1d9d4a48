//===- Pipelines.cpp - qcc's pass pipelines -------------------------------===//

#include "qcc/Pipelines/Pipelines.h"

#include "qcc/Conversion/Passes.h"
#include "qcc/Dialect/Qnn/Transforms/Passes.h"
#include "qcc/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/ErrorHandling.h"

using namespace mlir;

namespace qcc {

/// Appends an upstream textual pipeline; the strings are fixed, so a parse
/// failure is a bug in qcc, not a user error.
static void addUpstream(OpPassManager &pm, StringRef pipeline) {
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("qcc: bad built-in pipeline: " + pipeline);
}

void buildQnnOptimizationPipeline(OpPassManager &pm) {
  pm.addPass(qnn::createFoldBatchNorm());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildIntegerizePipeline(OpPassManager &pm, bool verifyIntegerOnly) {
  pm.addPass(qnn::createIntegerize());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 2:4-pruned layers (qcc-sparsify-24) take their packed form, checked.
  pm.addPass(qnn::createPackSparse24());
  pm.addPass(qnn::createVerifySparse24());
  if (verifyIntegerOnly)
    pm.addPass(qnn::createVerifyIntegerOnly());
}

void buildQnnToLinalgPipeline(OpPassManager &pm) {
  // Chains of integer ops of one 8-bit tensor become one table (a no-op on
  // float models). Kept out of the integerize pipeline so that --emit=integer
  // and the reference interpreter see the ops as integerized.
  pm.addPass(qnn::createComposeLuts());
  // A decode step's attention becomes one runtime call that reads only the
  // visible cache positions (after calibration, which reads the softmax).
  pm.addPass(qnn::createFuseAttention());
  pm.addPass(createConvertQnnToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createFuseElementwise());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void buildBufferizationPipeline(OpPassManager &pm) {
  // One tensor per result first: buffer-results-to-out-params cannot hand
  // one buffer to two out-parameters.
  pm.addNestedPass<func::FuncOp>(createDistinctReturnValues());
  // Inputs stay the caller's, except declared state (a KV cache), which the
  // graph updates in place: its result leaves the signature.
  pm.addNestedPass<func::FuncOp>(createMarkStateInputs());
  addUpstream(pm, "eliminate-empty-tensors,empty-tensor-to-alloc-tensor,"
                  "one-shot-bufferize{bufferize-function-boundaries "
                  "function-boundary-type-conversion=identity-layout-map}");
  pm.addNestedPass<func::FuncOp>(createDropStateResults());
  addUpstream(pm, "buffer-results-to-out-params{hoist-static-allocs modify-public-functions},"
                  "canonicalize,buffer-deallocation-pipeline");
}

void buildBuffersToLLVMPipeline(OpPassManager &pm, int64_t parallelThreshold) {
  LinalgToLoopsOptions loops;
  loops.parallelThreshold = parallelThreshold;
  pm.addNestedPass<func::FuncOp>(createLinalgToLoops(loops));
  if (parallelThreshold > 0) {
    addUpstream(pm, "convert-scf-to-openmp");
    pm.addPass(createInlineAllocaScopes());
  }
  addUpstream(pm, "lower-affine,convert-scf-to-cf,canonicalize,"
                  "expand-strided-metadata,lower-affine,"
                  "finalize-memref-to-llvm{use-generic-functions},"
                  "arith-expand{include-bf16=true include-f8e8m0=true},"
                  "convert-math-to-funcs,convert-math-to-llvm,"
                  "convert-math-to-libm,"
                  "convert-arith-to-llvm,convert-index-to-llvm,"
                  "convert-func-to-llvm{use-bare-ptr-memref-call-conv=1},"
                  "convert-cf-to-llvm,convert-openmp-to-llvm,"
                  "reconcile-unrealized-casts");
}

void buildLinalgToLLVMPipeline(OpPassManager &pm, int64_t parallelThreshold) {
  buildBufferizationPipeline(pm);
  pm.addPass(createConvertLinalgToUKernels());
  buildBuffersToLLVMPipeline(pm, parallelThreshold);
}

void registerPipelines() {
  PassPipelineRegistration<>("qcc-optimize-qnn",
                             "qnn graph cleanups (batch-norm folding, "
                             "canonicalization, CSE)",
                             buildQnnOptimizationPipeline);
  PassPipelineRegistration<>("qcc-integerize-and-verify",
                             "qcc-integerize, cleanup, qcc-verify-integer-only",
                             [](OpPassManager &pm) { buildIntegerizePipeline(pm, true); });
  PassPipelineRegistration<>("qcc-lower-qnn-to-linalg",
                             "qnn to linalg on tensors with fusion",
                             buildQnnToLinalgPipeline);
  PassPipelineRegistration<>("qcc-lower-linalg-to-llvm",
                             "linalg on tensors to the LLVM dialect (CPU, with "
                             "runtime GEMM calls, sequential loops)",
                             [](OpPassManager &pm) { buildLinalgToLLVMPipeline(pm); });
  PassPipelineRegistration<>("qcc-bufferize",
                             "one-shot bufferization with out-parameters and "
                             "deallocation",
                             buildBufferizationPipeline);
}

} // namespace qcc
