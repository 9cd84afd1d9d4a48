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

def ConvertLinalgToUKernels : Pass<"qcc-convert-linalg-to-ukernels", "mlir::ModuleOp"> {
  let summary = "Call the runtime's GEMM micro-kernel for f32 matmuls on buffers";
  let description = [{
    Replaces `linalg.matmul` and `linalg.batch_matmul` on f32 memrefs whose
    innermost stride is 1 (and default indexing maps) with a call to
    `qcc_rt_sgemm(batch, M, N, K, A, strideA, lda, B, strideB, ldb, C,
    strideC, ldc)`, which accumulates `C += A * B` with a blocked, packed,
    vectorized and OpenMP-parallel kernel from qcc's runtime. Pointers travel
    as i64 addresses taken from the buffers' aligned pointers and offsets.
    Other matmuls are left for the loop lowering.

    The integer contractions the qnn lowering tags become calls of the
    runtime's integer kernels: `qcc.qgemm` generics `qcc_rt_qgemm_s8` (or
    the ternary / 2:4 kernels), `qcc.qgemm_grouped` ones
    `qcc_rt_qgemm_grouped`, and `qcc.qconv` 2-D convolutions (batch 1, one
    group) `qcc_rt_qconv_s8`, which packs the patch operand straight from
    the padded NCHW input, and depthwise ones (tagged `depthwise` too)
    `qcc_rt_qdwconv_s8`. Each needs an output known to be zero before it.
    A `qcc.qconv` whose int32 values are read only by the
    `qcc.qconv_epilogue` generic after it (requantize and byte table) becomes
    one `qcc_rt_qconv_s8_rq` (`qcc_rt_qdwconv_s8_rq`) call with that
    generic, writing the bytes.

    ```mlir
    linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>)
                  outs(%c : memref<4x16xf32>)
    // becomes
    func.call @qcc_rt_sgemm(%c1, %c4, %c16, %c8, %pa, %c0, %c8, %pb, %c0, %c16,
                            %pc, %c0, %c16) : (i64, ...) -> ()
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

#endif // QCC_CONVERSION_PASSES_TD
