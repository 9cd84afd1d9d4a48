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

def MarkStateInputs : Pass<"qcc-mark-state-inputs", "mlir::func::FuncOp"> {
  let summary = "Say which arguments of a public function bufferization may write";
  let description = [{
    Run on tensors before one-shot bufferization with function boundaries.
    A model's inputs belong to the caller and stay unchanged, except those
    that a result declares as its state: a result with `qcc.state_of =
    "NAME"` is the new value of the argument whose `qcc.name` is NAME (a
    language model's KV cache: `k_cache_out` is the state of `k_cache`).
    Such arguments get `bufferization.writable = true`, so the function may
    update them in place; every other argument of a public function gets
    `bufferization.writable = false`, so a write bufferizes into a copy.
    Errors: a `qcc.state_of` naming no argument, two results naming one
    argument, or a result whose type differs from its argument's.

    ```mlir
    func.func @main(%c: tensor<4xf32> {qcc.name = "cache"}, %x: tensor<1xf32> {qcc.name = "x"})
        -> (tensor<4xf32> {qcc.name = "cache_out", qcc.state_of = "cache"})
    // %c gets {bufferization.writable = true}, %x {bufferization.writable = false}
    ```
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def DropStateResults : Pass<"qcc-drop-state-results", "mlir::func::FuncOp"> {
  let summary = "Remove results that bufferization placed in their state argument's buffer";
  let description = [{
    Run after one-shot bufferization with function boundaries and before
    `buffer-results-to-out-params`. A result with `qcc.state_of = "NAME"`
    must now return the buffer of the argument named NAME (updated in
    place): the result is removed, and the argument is marked
    `qcc.state_output = "RESULT NAME"`. The caller then hands one buffer that
    is both the input and the output (the runtime copies the input into the
    output buffer first when they differ). A state result placed in another
    buffer is an error naming it, never a silent copy.

    ```mlir
    func.func @main(%c: memref<4xf32> {qcc.name = "cache"}, ...)
        -> (memref<4xf32> {qcc.name = "cache_out", qcc.state_of = "cache"}) {
      ...
      return %c : memref<4xf32>
    }
    // becomes
    func.func @main(%c: memref<4xf32> {qcc.name = "cache", qcc.state_output = "cache_out"}, ...) {
      ...
      return
    }
    ```
  }];
}

#endif // QCC_TRANSFORMS_PASSES_TD
