//===- QnnSparseOps.td - integer products with 2:4 sparse weights -*- tablegen -*-===//
//
// The integer form of 2:4 structured sparsity: weights that keep at most 2 of
// every 4 consecutive reduction elements, stored packed as the kept int8
// values plus two 2-bit positions per group (qcc-pack-sparse-24 writes it,
// qcc-verify-sparse-24 checks it, docs/numerics.md defines its integers).
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNSPARSEOPS_TD
#define QCC_DIALECT_QNN_IR_QNNSPARSEOPS_TD

def Qnn_MatMulSparse24IntegerOp : Qnn_Op<"matmul_sparse24_integer"> {
  let summary = "integer matrix product with 2:4 sparse packed int8 weights";
  let description = [{
    The weight row of output column `n` is `K` int8 values of which every
    group `g` of 4 consecutive ones (`K` a multiple of 4) keeps two, in
    positions `p0 < p1` (0..3); the rest are zero. Packed storage:

    - `values` (i8 `[N, K/2]`): element `2g + t` of row `n` is the kept
      value at position `p_t` of group `g`;
    - `indices` (ui8 `[N, ceil(K/8)]`): byte `g / 2` of row `n` holds group
      `g`'s positions in its low nibble when `g` is even, its high nibble
      when odd; a nibble is `p0 | p1 << 2`.

    `C[..., m, n] = bias[n] + sum_g sum_t (A[..., m, 4g + p_t] - a_zp) * values[n, 2g + t]`

    exactly in int32 (two's-complement wraparound). `A` is an 8-bit integer
    tensor whose last axis has `K` elements. The weights' zero point is 0
    (symmetric int8), so a pruned weight contributes nothing. Verifiers
    check shapes; the positions themselves are data, which
    `qcc-verify-sparse-24` checks.

    ```mlir
    %c = qnn.matmul_sparse24_integer %a, %v, %i {a_zp = 128 : i64}
        : (tensor<2x64xui8>, tensor<16x32xi8>, tensor<16x8xui8>) -> tensor<2x16xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$values,
                       AnyRankedTensor:$indices,
                       Optional<AnyRankedTensor>:$bias,
                       DefaultValuedAttr<I64Attr, "0">:$a_zp);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$a `,` $values `,` $indices (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNSPARSEOPS_TD
