//===- QnnBlockOps.td - products with block-quantized weights -*- tablegen -*-===//
//
// Linear layers whose weights stay in a GGUF block format (the file's own
// bytes): the integer path of llama.cpp-style quantized language models.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNBLOCKOPS_TD
#define QCC_DIALECT_QNN_IR_QNNBLOCKOPS_TD

// The values are GGUF's tensor type numbers (ggml_type), which the runtime
// kernel takes as its format argument; qcc's own formats (no GGUF number)
// take numbers from 100 on (q4_1_g128 100, the low-bit formats 110-112).
def Qnn_BlockFormat : I32EnumAttr<"BlockFormat", "GGUF weight block format", [
    I32EnumAttrCase<"q4_0", 2>, I32EnumAttrCase<"q4_1", 3>,
    I32EnumAttrCase<"q5_0", 6>, I32EnumAttrCase<"q5_1", 7>,
    I32EnumAttrCase<"q8_0", 8>, I32EnumAttrCase<"q2_k", 10>,
    I32EnumAttrCase<"q3_k", 11>, I32EnumAttrCase<"q4_k", 12>,
    I32EnumAttrCase<"q5_k", 13>, I32EnumAttrCase<"q6_k", 14>,
    I32EnumAttrCase<"q2_g64", 110>, I32EnumAttrCase<"q3_g64", 111>,
    I32EnumAttrCase<"q3_g192", 112>,
    I32EnumAttrCase<"q4_1_g128", 100>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_BlockLinearOp : Qnn_Op<"block_linear"> {
  let summary = "linear layer on block-quantized weights, activations "
                "quantized per block on the fly";
  let description = [{
    `result[t, n] = sum_k input[t, k] * W[n, k]`, where row `n` of `weight`
    holds `K / B` consecutive blocks of `format` in GGUF's byte layout (`B`
    = 32 elements for `q4_0`, `q4_1`, `q5_0`, `q5_1`, `q8_0`; 256 for the
    k-quants `q2_k`, `q3_k`, `q4_k`, `q5_k`, `q6_k`; 64 for qcc's 2- and 3-bit `q2_g64`,
    `q3_g64` and 192 for `q3_g192`), and the activations are quantized on
    the fly: per block of `B` elements `d = amax / 127`, `q = rint(x * 127 /
    amax)` (ties to even) in int8, like ggml's Q8_0 / Q8_K activation
    blocks. Each weight block then contributes exact int32 sums of code
    products (and of activation codes, for formats with offsets or mins)
    times float scales; docs/numerics.md defines the block terms, the order
    the reference interpreter combines them in (double, rounded once) and
    the tolerance every kernel meets. The weights are never dequantized.

    `input` is f32 `[T, K]`, `weight` an i8 (or ui8) byte tensor
    `[N, (K / B) * block bytes]`, the result f32 `[T, N]`.

    `row_interleave = 8` (`q4_0`, `q4_1`, `q5_0`, `q5_1`, `q8_0`, `q4_k`,
    `q5_k`, `q6_k`; N a multiple of 8) says
    the same bytes are stored with rows interleaved in groups of 8, the
    layout of the x86 kernel `qcc_rt_block_linear_x8` (runtime/BlockLinear.h
    defines it); qcc-interleave-block-weights writes it, and the value of
    the op does not change. The default, 1, is GGUF's row-major layout.

    `q4_1_g128` is qcc's own layout (docs/formats.md): Q4_1's `w = d q + m`
    with one f16 `d` and `m` per group of 128 weights. A row of `K` (a
    multiple of 32, activation blocks of 32) is `ceil(K / 128)` groups of
    f16 `d`, f16 `m` and the nibbles of the group's 32-weight sub-blocks in
    Q4_1's order; the last group holds `K mod 128` weights when `K` is not a
    multiple of 128. Row bytes: `4 ceil(K / 128) + K / 2`.

    ```mlir
    %y = qnn.block_linear q4_1, %x, %w
        : (tensor<1x64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
    ```
  }];
  let arguments = (ins Qnn_BlockFormat:$format, AnyRankedTensor:$input,
                       AnyRankedTensor:$weight,
                       DefaultValuedAttr<I64Attr, "1">:$row_interleave);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$format `,` $input `,` $weight attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Elements and bytes of one weight block of `format` (q4_1_g128: of
    /// one 32-weight sub-block's nibbles, without the group headers).
    static std::pair<int64_t, int64_t> blockShape(BlockFormat format);
    /// Bytes of one weight row of `k` elements (k a multiple of the block).
    static int64_t rowBytes(BlockFormat format, int64_t k);
  }];
}

#endif // QCC_DIALECT_QNN_IR_QNNBLOCKOPS_TD
