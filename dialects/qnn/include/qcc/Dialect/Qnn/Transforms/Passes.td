//===- Passes.td - qnn dialect passes ----------------------*- tablegen -*-===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD
#define QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"qcc-fold-batch-norm"> {
  let summary = "Fold inference batch normalization into the preceding convolution";
  let description = [{
    A `qnn.batch_norm` whose input is a `qnn.conv` (used only there) with
    constant weights, bias and normalization parameters is folded into the
    convolution: `w' = w * scale / sqrt(var + eps)` per filter and
    `b' = (b - mean) * scale / sqrt(var + eps) + bias`. Batch norms that do not
    follow such a convolution are left alone.

    ```mlir
    %c = qnn.conv %x, %w, %b {...} : ...
    %y = qnn.batch_norm %c, %s, %beta, %m, %v {epsilon = 1.0e-05 : f64} : ...
    // becomes
    %y = qnn.conv %x, %w2, %b2 {...} : ...
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

#endif // QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD
