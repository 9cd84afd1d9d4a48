//===- QnnNormOps.td - integer softmax and layer normalization -*- tablegen -*-===//
//
// Integer-level forms of the two row normalizations of transformer blocks.
// Both compute per row statistics exactly in 64-bit integers and end in a
// rounding division or the fixed-point rescale of docs/numerics.md, so their
// results are defined bit for bit (docs/numerics.md, "Softmax" and
// "Layer normalization").
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNNORMOPS_TD
#define QCC_DIALECT_QNN_IR_QNNNORMOPS_TD

def Qnn_SoftmaxIntegerOp : Qnn_Op<"softmax_integer"> {
  let summary = "integer softmax along one axis (exp table, rounding division)";
  let description = [{
    Along `axis`, for every row of 8-bit integers `x`:

    ```
    m    = max_j x[j]
    e[j] = exp_table[m - x[j]]                     (256 non-negative i32)
    S    = sum_j e[j]                              (exact, 64 bits)
    y[j] = clamp(output_zp + floor((2 e[j] C + S 2^F) / (2 S 2^F)), lo, hi)
    ```

    with `C = multiplier` and `F = shift`: the output is `e[j] / S` (the
    softmax, as `exp_table` holds `round(2^K exp(-s_x d))`) times
    `C 2^-F ~ 1 / s_y`, rounded half up. `exp_table[0]` must be positive so
    that `S > 0`; the verifier checks that no intermediate exceeds 63 bits
    for the row length.

    With a `mask` (`i1`, the input's rank, each dimension equal to the
    input's or 1, broadcast), only the elements whose mask is set take
    part: `m` is their maximum, masked-out elements have `e[j] = 0` (so
    their output is the zero point, clamped), and a row with no element set
    is treated as if every element equalled the maximum (`e[j] =
    exp_table[0]`, a uniform row), as a float softmax over
    `where(mask, x, lowest float)` gives. Attention with padding keys is
    the use: `qcc-integerize` makes it from `softmax(where(mask,
    dequantize(x), c))` with `c` at most -1e30.

    ```mlir
    %y = qnn.softmax_integer %x {axis = 1 : i64, exp_table = array<i32: 4194304, ...>,
           multiplier = 1082163456 : i64, shift = 22 : i64, output_zp = 0 : i64,
           clamp_min = 0 : i64, clamp_max = 255 : i64}
        : tensor<2x40xui8> -> tensor<2x40xui8>
    %z = qnn.softmax_integer %x masked_by %keep : tensor<1x40xi1> {axis = 1 : i64, ...}
        : tensor<2x40xui8> -> tensor<2x40xui8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       Optional<AnyRankedTensor>:$mask, I64Attr:$axis,
                       DenseI32ArrayAttr:$exp_table, I64Attr:$multiplier,
                       I64Attr:$shift, I64Attr:$output_zp, I64Attr:$clamp_min,
                       I64Attr:$clamp_max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input (`masked_by` $mask^ `:` type($mask))? attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Qnn_LayerNormIntegerOp : Qnn_Op<"layer_norm_integer", [SameOperandsAndResultShape]> {
  let summary = "integer layer normalization over the trailing axes";
  let description = [{
    Over the `N` elements `x[i]` of each row (axes `axis .. rank-1`),
    with `c` the position of an element within its row:

    ```
    T    = sum_i x[i],  Q = sum_i x[i]^2,  V = N Q - T^2    (exact, 64 bits)
    W    = max(V + epsilon, 1),  L = bit length of W
    k    = (62 - L) >> 1,  s = isqrt(W << 2k)               (floor square root)
    z[i] = floor(((N x[i] - T) << k) 2^(F+1) + s) / (2 s))  (F = norm_shift)
    y[i] = clamp(output_zp + round_shift(z[i] M[c] + B[c], n[c]), lo, hi)
    ```

    `z` is `(x - mean) / sqrt(var + eps)` with `F` fraction bits (the input
    scale cancels; `epsilon` is `eps N^2 / s_x^2` rounded), and the signed
    per-position multipliers `M[c] 2^-n[c] ~ gamma[c] / (s_y 2^F)` and
    offsets `B[c] ~ beta[c] 2^n[c] / s_y` fold the affine part into the
    rescale. `multiplier`, `shift` and `offset` have 1 or `N` entries. The
    input zero point does not matter. The verifier keeps every
    intermediate within 63 bits.

    ```mlir
    %y = qnn.layer_norm_integer %x {axis = 2 : i64, epsilon = 58 : i64, norm_shift = 16 : i64,
           multiplier = array<i64: 1518500250>, shift = array<i64: 40>,
           offset = array<i64: 0>, output_zp = 128 : i64,
           clamp_min = 0 : i64, clamp_max = 255 : i64}
        : tensor<1x40x120xui8> -> tensor<1x40x120xui8>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis, I64Attr:$epsilon,
                       I64Attr:$norm_shift, DenseI64ArrayAttr:$multiplier,
                       DenseI64ArrayAttr:$shift, DenseI64ArrayAttr:$offset,
                       I64Attr:$output_zp, I64Attr:$clamp_min,
                       I64Attr:$clamp_max);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNNORMOPS_TD
