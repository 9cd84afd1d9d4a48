//===- QnnQuantOps.td - quantized and integer qnn operators -*- tablegen -*-===//
//
// Two levels of the quantized path (docs/numerics.md is the contract):
//
//  * the quantized level: `qnn.quantize` / `qnn.dequantize` between float
//    tensors and tensors of MLIR `!quant.uniform` element type (per tensor,
//    per axis or sub-channel). Float ops between a dequantize and a quantize
//    are the quantized form of that op (the QDQ form ONNX uses too).
//  * the integer level, produced by `qcc-integerize`: ops on plain integer
//    tensors whose parameters (zero points, fixed-point multipliers, shifts,
//    tables) are attributes. Every op here has one exact integer result,
//    which the reference interpreter computes and every backend reproduces.
//
// Rounding rule of every fixed-point rescale:
//   round_shift(v, s) = (v + 2^(s-1)) >> s  (arithmetic shift: rounds half
//                       toward +infinity; v itself when s = 0)
//   rescale(v, M, s)  = round_shift(v * M, s), v * M formed exactly in 64 bits
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNQUANTOPS_TD
#define QCC_DIALECT_QNN_IR_QNNQUANTOPS_TD

//===----------------------------------------------------------------------===//
// Quantized level
//===----------------------------------------------------------------------===//

def Qnn_QuantizeOp : Qnn_Op<"quantize", [SameOperandsAndResultShape]> {
  let summary = "float to quantized: round(x / scale) + zero point, saturated";
  let description = [{
    Maps a float tensor onto the quantized element type of the result
    (`!quant.uniform`, per tensor, per axis or sub-channel):
    `q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`, where
    the division is an IEEE single-precision division of `x` (converted to
    f32) by the f32 scale, and `qmin`/`qmax` are the storage range of the
    quantized type. NaN maps to the zero point.

    ```mlir
    %q = qnn.quantize %x : tensor<1x8xf32> -> tensor<1x8x!quant.uniform<i8:f32, 0.05:-3>>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Qnn_DequantizeOp : Qnn_Op<"dequantize", [SameOperandsAndResultShape]> {
  let summary = "quantized to float: (q - zero point) * scale";
  let description = [{
    `x = f32(q - zero_point) * scale` in single precision (then converted to
    the result's float type). The operand has a `!quant.uniform` element
    type; weights are usually a `quant.scast` of an integer constant.

    ```mlir
    %x = qnn.dequantize %q : tensor<1x8x!quant.uniform<i8:f32, 0.05:-3>> -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Qnn_StorageCastOp : Qnn_Op<"storage_cast", [SameOperandsAndResultShape]> {
  let summary = "reinterpretation between a quantized tensor and its integers";
  let description = [{
    Views a tensor of `!quant.uniform` elements as its storage integers or
    back; values are unchanged. Unlike `quant.scast`, the integer side keeps
    its signedness: unsigned storage (`u8`) pairs with `ui8`, signed storage
    with `i8` (signless) or `si8`.

    ```mlir
    %q = qnn.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<u8:f32, 0.1:128>>
    %i = qnn.storage_cast %q : tensor<4x!quant.uniform<u8:f32, 0.1:128>> -> tensor<4xui8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Integer level
//===----------------------------------------------------------------------===//

def Qnn_RequantizeOp : Qnn_Op<"requantize", [SameOperandsAndResultShape]> {
  let summary = "fixed-point rescale of integers with zero points and clamping";
  let description = [{
    `y = clamp(output_zp + rescale(x - input_zp, M, s), clamp_min, clamp_max)`
    with the rounding rule of docs/numerics.md: the 64-bit product
    `(x - input_zp) * M` is shifted right by `s` rounding half toward
    +infinity. `multiplier` and `shift` hold one entry (per tensor) or one
    per index of `axis` (per channel). Multipliers lie in [0, 2^31), shifts
    in [0, 62]; the clamp bounds lie in the result type's range.

    ```mlir
    %y = qnn.requantize %acc {input_zp = 0 : i64, multiplier = array<i32: 1518500250>,
           shift = array<i32: 38>, output_zp = -3 : i64,
           clamp_min = -128 : i64, clamp_max = 127 : i64}
        : tensor<1x8xi32> -> tensor<1x8xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       DefaultValuedAttr<I64Attr, "0">:$input_zp,
                       DenseI32ArrayAttr:$multiplier, DenseI32ArrayAttr:$shift,
                       DefaultValuedAttr<I64Attr, "0">:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$output_zp,
                       I64Attr:$clamp_min, I64Attr:$clamp_max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Qnn_MatMulIntegerOp : Qnn_Op<"matmul_integer"> {
  let summary = "integer matrix product with zero points, int32 result";
  let description = [{
    `C[..., i, j] = bias[j] + sum_k (A[..., i, k] - a_zp) * (B[..., k, j] - b_zp[j])`
    exactly in int32 (two's-complement wraparound), with numpy batch
    broadcasting as `qnn.matmul`. `b_zp` has one entry or one per column;
    operands are 8-bit (or narrower) integers, `bias` an optional i32 vector
    of one entry per column.

    ```mlir
    %c = qnn.matmul_integer %a, %b {a_zp = 3 : i64, b_zp = array<i64: 0>}
        : (tensor<2x4xui8>, tensor<4x5xi8>) -> tensor<2x5xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       Optional<AnyRankedTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "0">:$a_zp,
                       DenseI64ArrayAttr:$b_zp);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$a `,` $b (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ConvIntegerOp : Qnn_Op<"conv_integer"> {
  let summary = "integer grouped convolution with zero points, int32 result";
  let description = [{
    `qnn.conv` on integers: every product is `(x - x_zp) * (w - w_zp[f])`,
    summed exactly in int32, plus the optional i32 `bias[f]`. Padding
    contributes nothing (padded positions hold `x_zp`). `w_zp` has one entry
    or one per filter.

    ```mlir
    %y = qnn.conv_integer %x, %w {x_zp = 128 : i64, w_zp = array<i64: 0>,
           dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
        : (tensor<1x3x8x8xui8>, tensor<4x3x3x3xi8>) -> tensor<1x4x8x8xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "0">:$x_zp,
                       DenseI64ArrayAttr:$w_zp,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_QAddOp : Qnn_Op<"qadd"> {
  let summary = "integer addition of two rescaled quantized tensors";
  let description = [{
    `y = clamp(output_zp + round_shift((a - a_zp) * a_multiplier +
    (b - b_zp) * b_multiplier, shift), clamp_min, clamp_max)`: both terms
    are formed exactly in 64 bits and their sum shifted once with the
    rounding rule above. Operands broadcast numpy-style.

    ```mlir
    %y = qnn.qadd %a, %b {a_zp = 0 : i64, a_multiplier = 1073741824 : i64,
           b_zp = 0 : i64, b_multiplier = 1073741824 : i64, shift = 30 : i64,
           output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64}
        : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       I64Attr:$a_zp, I64Attr:$a_multiplier,
                       I64Attr:$b_zp, I64Attr:$b_multiplier, I64Attr:$shift,
                       I64Attr:$output_zp, I64Attr:$clamp_min,
                       I64Attr:$clamp_max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_QMulOp : Qnn_Op<"qmul"> {
  let summary = "integer multiplication of two quantized tensors";
  let description = [{
    `y = clamp(output_zp + rescale((a - a_zp) * (b - b_zp), multiplier,
    shift), clamp_min, clamp_max)`, the product formed exactly in 64 bits.
    Operands broadcast numpy-style.

    ```mlir
    %y = qnn.qmul %a, %b {a_zp = 0 : i64, b_zp = 0 : i64,
           multiplier = 1073741824 : i64, shift = 37 : i64, output_zp = 0 : i64,
           clamp_min = -128 : i64, clamp_max = 127 : i64}
        : (tensor<4xi8>, tensor<4xi8>) -> tensor<4xi8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       I64Attr:$a_zp, I64Attr:$b_zp, I64Attr:$multiplier,
                       I64Attr:$shift, I64Attr:$output_zp, I64Attr:$clamp_min,
                       I64Attr:$clamp_max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_LutOp : Qnn_Op<"lut", [SameOperandsAndResultShape]> {
  let summary = "table lookup on 8- or 16-bit integers (integer nonlinearities)";
  let description = [{
    `y = table[x - min(x's type)]`: the 256 entries of `table` are indexed by
    the operand's value counted from the smallest value of its type (0 for
    ui8, -128 for i8). The result's element type is the table's. qcc builds
    tables for sigmoid, tanh, GELU, SiLU, exp and other unary functions from
    the quantization parameters, so the op is exact by construction.

    With `first`, the table covers the inputs `first .. first + N - 1` (N
    its length, at most 65536) and inputs outside that window read its
    nearest end: `y = table[clamp(x, first, first + N - 1) - first]`. That
    is the form for 9- to 16-bit operands, whose function is constant
    beyond a window (tanh and sigmoid saturate); without `first` the table
    has one entry per value of the operand's type.

    ```mlir
    %y = qnn.lut %x {table = dense<...> : tensor<256xi8>} : tensor<1x8xi8> -> tensor<1x8xi8>
    %t = qnn.lut %c {first = 27000 : i64, table = dense<...> : tensor<9000xui8>}
        : tensor<1x128xui16> -> tensor<1x128xui8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, ElementsAttr:$table,
                       OptionalAttr<I64Attr>:$first);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNQUANTOPS_TD
