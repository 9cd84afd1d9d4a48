//===- QnnAttentionOps.td - fused attention of a decode step -*- tablegen -*-===//
//
// The scores, mask, softmax and value product of a few queries as one op:
// what qcc-fuse-attention makes of a language model's decode step, so that
// the runtime reads only the cache positions the queries see.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNATTENTIONOPS_TD
#define QCC_DIALECT_QNN_IR_QNNATTENTIONOPS_TD

def Qnn_AttentionOp : Qnn_Op<"attention"> {
  let summary = "masked softmax attention of a few queries per batch";
  let description = [{
    For each batch `b` (a KV head) and query `m`:

    ```
    s[n]          = sum_d keys[b, n, d] * queries[b, d, m]
    p             = softmax of s over the positions n with mask[n, m mod T]
    result[b, m, e] = sum_n p[n] * values[b, n, e]
    ```

    `keys` is f32 `[B, N, D]`, `queries` f32 `[B, D, M]` (columns, as the
    right operand of the unfused score product), `values` f32 `[B, N, E]`,
    `mask` i1 `[N, T]` with `M` a multiple of `T` (a decode step's queries
    are `[group, T]`: the query heads of a KV head share each token's causal
    row) and the result f32 `[B, M, E]`. Masked positions take no part; a
    query with no visible position gets the mean of all `N` values (the
    uniform softmax of `where(mask, s, fill)` for a finite fill).

    ```mlir
    %o = qnn.attention %k, %q, %v masked_by %mask
        : (tensor<3x128x64xf32>, tensor<3x64x3xf32>, tensor<3x128x64xf32>,
           tensor<128x1xi1>) -> tensor<3x3x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$keys, AnyRankedTensor:$queries,
                       AnyRankedTensor:$values, AnyRankedTensor:$mask);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$keys `,` $queries `,` $values `masked_by` $mask attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNATTENTIONOPS_TD
