//===- QnnTernaryOps.td - packed ternary weights -------------*- tablegen -*-===//
//
// Ternary weights (values -1, 0, +1 times a scale) kept packed in the IR, in
// the two forms of qcc/Quant/Ternary.h.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNTERNARYOPS_TD
#define QCC_DIALECT_QNN_IR_QNNTERNARYOPS_TD

def Qnn_TernaryConstantOp : Qnn_Op<"ternary_constant", [Pure]> {
  let summary = "ternary weights stored packed";
  let description = [{
    A constant tensor of ternary weights: its element type is a `quant`
    type with signed 8-bit storage narrowed to `[-1, 1]` and zero point 0
    (per tensor or per axis: `!quant.uniform<i8<-1:1>:f32:0, {...}>`), the
    values those of `--weights=ternary` and of GGUF's TQ1_0/TQ2_0. `packed`
    holds the tensor's values in row-major order as one stream:

    - `packing = "2bit"`: four per byte, value `i` of a byte at bits
      `2i..2i+1` as the code `t + 1` (code 3 is invalid);
    - `packing = "base3"`: five per byte, the byte `sum_i (t_i + 1) 3^i`
      (bytes 243..255 are invalid; 1.6 bits per weight, TQ1_0's density).

    Padding after the last value is weight 0. The verifier rejects a packed
    length that does not match the shape, an invalid code (a weight that is
    not -1, 0 or 1), nonzero padding and any type other than the ternary
    one (scales must be positive: quant's parameters as everywhere).
    Canonicalization unpacks it into `arith.constant` + `qnn.storage_cast`,
    the form the integer path reads.

    ```mlir
    %w = qnn.ternary_constant "base3" dense<[59, 121]> : tensor<2xui8>
           : tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>>
    ```
  }];
  let arguments = (ins StrAttr:$packing, AnyIntElementsAttr:$packed);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$packing $packed attr-dict `:` type($result)";
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

#endif // QCC_DIALECT_QNN_IR_QNNTERNARYOPS_TD
