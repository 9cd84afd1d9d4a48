//===- Passes.td - qcc's linalg-level transforms -----------*- tablegen -*-===//

#ifndef QCC_TRANSFORMS_PASSES_TD
#define QCC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FuseElementwise : Pass<"qcc-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops, leaving contractions alone";
  let description = [{
    Fuses producer/consumer pairs of elementwise `linalg.generic` ops (all
    iterators parallel) and folds reshapes between them, like upstream
    `linalg-fuse-elementwise-ops`, but never fuses into or out of an op with
    reduction iterators or a named op. That keeps `linalg.matmul` intact for
    the backends' GEMM kernels and keeps convolution windows out of
    elementwise loops.

    ```mlir
    %a = linalg.generic {... parallel ...} ins(%x) { arith.addf }
    %b = linalg.generic {... parallel ...} ins(%a) { arith.maximumf }
    // becomes one linalg.generic computing addf then maximumf
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect"];
}

def LinalgToLoops : Pass<"qcc-linalg-to-loops", "mlir::func::FuncOp"> {
  let summary = "Lower linalg ops on buffers to loops, outer loop parallel when worth it";
  let description = [{
    Like `convert-linalg-to-loops`, but when an op iterates over at least
    `parallel-threshold` points, its outermost parallel loop of more than one
    iteration (with only single-iteration parallel loops outside it) becomes
    an `scf.parallel`, which `convert-scf-to-openmp` then runs on threads.
    Inner loops stay sequential so LLVM can vectorize them. A threshold of 0
    keeps everything sequential.

    ```mlir
    linalg.generic {iterator_types = ["parallel", "parallel"]} ins(%a : memref<64x4096xf32>) ...
    // becomes
    scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
      scf.for %j = %c0 to %c4096 step %c1 { ... }
    }
    ```
  }];
  let options = [
    Option<"parallelThreshold", "parallel-threshold", "int64_t", /*default=*/"0",
           "Iteration count from which the outer loop runs in parallel (0: never)">
  ];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def InlineAllocaScopes : Pass<"qcc-inline-alloca-scopes"> {
  let summary = "Inline memref.alloca_scope ops whose bodies allocate nothing";
  let description = [{
    `convert-scf-to-openmp` wraps every parallel loop body in a
    `memref.alloca_scope`. When the body holds no `memref.alloca`, the scope
    does nothing; inlining it lets later passes lower the body's loops to a
    multi-block CFG (an alloca_scope region must keep one block).

    ```mlir
    memref.alloca_scope {
      scf.for %i = ... { ... }
    }
    // becomes
    scf.for %i = ... { ... }
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def DistinctReturnValues : Pass<"qcc-distinct-return-values", "mlir::func::FuncOp"> {
  let summary = "Give every result of a function its own tensor";
  let description = [{
    A function that returns one SSA value several times (an ONNX graph that
    lists a tensor twice among its outputs, or two outputs one Identity
    apart) would hand one buffer to several out-parameters after
    bufferization, which `buffer-results-to-out-params` does not support.
    This pass, run on tensors before bufferization, replaces every repeated
    return operand after its first occurrence with a copy
    (`bufferization.alloc_tensor` with `copy`), so each result bufferizes to
    its own allocation. A returned block argument needs no copy, however
    often it is returned: the out-parameter conversion copies from its
    buffer into each result.

    ```mlir
    return %r, %r : tensor<2x3xf32>, tensor<2x3xf32>
    // becomes
    %c = bufferization.alloc_tensor() copy(%r) : tensor<2x3xf32>
    return %r, %c : tensor<2x3xf32>, tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

#endif // QCC_TRANSFORMS_PASSES_TD
