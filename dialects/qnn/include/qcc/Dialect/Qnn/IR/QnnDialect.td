//===- QnnDialect.td - qnn dialect definition --------------*- tablegen -*-===//
//
// The qnn dialect: qcc's graph-level dialect of neural-network operators on
// ranked tensors. Float graphs come in from the frontends; quantized variants
// carry MLIR quant element types on the same ops.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNDIALECT_TD
#define QCC_DIALECT_QNN_IR_QNNDIALECT_TD

include "mlir/IR/OpBase.td"

def Qnn_Dialect : Dialect {
  let name = "qnn";
  let summary = "Neural-network graph operators for the qcc compiler";
  let description = [{
    The `qnn` dialect models a neural-network graph on ranked tensors with
    static shapes, at the level of ONNX operators. Every frontend (ONNX,
    safetensors, GGUF) produces `qnn`; every backend consumes it through the
    `qnn` to `linalg` conversion. Shape-computing subgraphs are folded away by
    the frontends, so attributes carry the static parameters (strides, pads,
    permutations, slice bounds).

    Example:

    ```mlir
    %0 = qnn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
         : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)
           -> tensor<1x4x8x8xf32>
    %1 = qnn.relu %0 : tensor<1x4x8x8xf32>
    ```
  }];
  let cppNamespace = "::qcc::qnn";
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::tensor::TensorDialect"];
  let hasConstantMaterializer = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNDIALECT_TD
