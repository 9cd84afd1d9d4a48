//===- QnnGroupedOps.td - integer products with grouped weights -*- tablegen -*-===//
//
// Integer-level contractions whose weights carry one (sub-scale, zero point)
// pair per group of consecutive reduction elements: the integer form of
// sub-channel (blocked) weight quantization, as W4A8/W3A8/W2A8 use it.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNGROUPEDOPS_TD
#define QCC_DIALECT_QNN_IR_QNNGROUPEDOPS_TD

def Qnn_MatMulGroupedIntegerOp : Qnn_Op<"matmul_grouped_integer"> {
  let summary = "integer matrix product with grouped weight sub-scales";
  let description = [{
    With weights stored one row per output column, `W[n, k]`, and
    `g = k floordiv group_size`:

    `C[..., m, n] = bias[n] + sum_k sub_scales[n, g] * (A[..., m, k] - a_zp) * (W[n, k] - w_zp[n, g])`

    exactly in int32 (two's-complement wraparound). `W` and `w_zp` share an
    integer element type of 2 to 8 bits (signed or unsigned), `sub_scales`
    are non-negative i32, `A` an 8-bit integer tensor whose last axis has
    the length `K` of `W`'s rows, a multiple of `group_size`. The float
    weight the codes stand for is `d[n] * sub_scales[n, g] * (W - w_zp)`,
    with the per-row `d` folded into the requantize that follows.

    ```mlir
    %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 128 : i64, group_size = 32 : i64}
        : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x16xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$weight,
                       AnyRankedTensor:$sub_scales, AnyRankedTensor:$w_zp,
                       Optional<AnyRankedTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "0">:$a_zp,
                       I64Attr:$group_size);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$a `,` $weight `,` $sub_scales `,` $w_zp (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ConvGroupedIntegerOp : Qnn_Op<"conv_grouped_integer"> {
  let summary = "integer convolution with grouped weight sub-scales";
  let description = [{
    `qnn.conv_integer` whose filter `f` is read as a row of
    `K = C/group * prod(kernel)` codes in (channel, kernel...) order, split
    into groups of `group_size` consecutive elements, each with its own
    sub-scale and zero point (`sub_scales`, `w_zp`: [F, K / group_size]):

    `y[f, p] = bias[f] + sum_k sub_scales[f, g] * (x_patch[p, k] - x_zp) * (w[f, k] - w_zp[f, g])`

    in int32; padded positions hold `x_zp`. Weights and zero points are 2 to
    8 bit integers of one type. Only convolutions with `group = 1` take
    grouped weights.

    ```mlir
    %y = qnn.conv_grouped_integer %x, %w, %sc, %zp {x_zp = 128 : i64, group_size = 32 : i64,
           dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<1x32x8x8xui8>, tensor<8x32x3x3xi4>, tensor<8x9xi32>, tensor<8x9xi4>) -> tensor<1x8x8x8xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       AnyRankedTensor:$sub_scales, AnyRankedTensor:$w_zp,
                       Optional<AnyRankedTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "0">:$x_zp,
                       I64Attr:$group_size,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $weight `,` $sub_scales `,` $w_zp (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNGROUPEDOPS_TD
