//===- Passes.td - qcc conversion passes -------------------*- tablegen -*-===//

#ifndef QCC_CONVERSION_PASSES_TD
#define QCC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQnnToLinalg : Pass<"qcc-convert-qnn-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower qnn operators to linalg, tensor, arith and math";
  let description = [{
    Rewrites every qnn operator into structured linalg operations on tensors
    (named ops where one fits, `linalg.generic` otherwise) plus tensor
    reshapes, slices and pads. Shapes must be static; an operator whose
    shape is not static, or that cannot be lowered, is reported by name and
    the pass fails.

    Example:

    ```mlir
    %r = qnn.relu %x : tensor<4xf32>
    // becomes
    %e = tensor.empty() : tensor<4xf32>
    %r = linalg.generic {...} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
      ^bb0(%in: f32, %out: f32):
        %m = arith.maximumf %in, %zero : f32
        linalg.yield %m : f32
    } -> tensor<4xf32>
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

#endif // QCC_CONVERSION_PASSES_TD
