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

#endif // QCC_TRANSFORMS_PASSES_TD
