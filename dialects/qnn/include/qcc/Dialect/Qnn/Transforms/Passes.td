//===- Passes.td - qnn dialect passes ----------------------*- tablegen -*-===//

#ifndef QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD
#define QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FoldBatchNorm : Pass<"qcc-fold-batch-norm"> {
  let summary = "Fold batch normalization and per-channel bias adds into the preceding convolution";
  let description = [{
    A `qnn.batch_norm` whose input is a `qnn.conv` (used only there) with
    constant weights, bias and normalization parameters is folded into the
    convolution: `w' = w * scale / sqrt(var + eps)` per filter and
    `b' = (b - mean) * scale / sqrt(var + eps) + bias`. A `qnn.conv_transpose`
    folds the same way (its filters are the weights' second axis), and so
    does a constant add that varies along the channel axis only (a bias
    written as a separate `Add`, as exporters do for `ConvTranspose`). Batch
    norms that do not follow such a convolution are left alone.

    ```mlir
    %c = qnn.conv %x, %w, %b {...} : ...
    %y = qnn.batch_norm %c, %s, %beta, %m, %v {epsilon = 1.0e-05 : f64} : ...
    // becomes
    %y = qnn.conv %x, %w2, %b2 {...} : ...
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def FuseLayerNorm : Pass<"qcc-fuse-layer-norm"> {
  let summary = "Fuse a decomposed layer normalization into qnn.layer_norm";
  let description = [{
    Recognizes layer normalization written out over the trailing axes, as
    paddle2onnx and older PyTorch exports do, and replaces it (with a
    following multiplication by and addition of constants on the normalized
    axes) by one `qnn.layer_norm`, so that quantization sees one op:

    ```mlir
    %m = qnn.reduce mean, %x {axes = array<i64: 2>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
    %c = qnn.sub %x, %m : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
    %p = qnn.pow %c, %two : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
    %v = qnn.reduce mean, %p {axes = array<i64: 2>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
    %e = qnn.add %v, %eps : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
    %s = qnn.sqrt %e : tensor<1x4x1xf32>
    %n = qnn.div %c, %s : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
    %g = qnn.mul %n, %gamma : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    %y = qnn.add %g, %beta : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    // becomes
    %y = qnn.layer_norm %x, %gamma, %beta {axis = 2 : i64, epsilon = ...}
        : (tensor<1x4x8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def FuseAttention : Pass<"qcc-fuse-attention"> {
  let summary = "Fuse a decode step's attention into qnn.attention";
  let description = [{
    Recognizes the attention of a few queries as LlamaGraph writes it (score
    product, `where` with a fill of at most -1e30, softmax over the
    positions, transpose, value product) and replaces it by one
    `qnn.attention`, whose runtime call reads only the cache positions the
    queries see. Only where a KV head has at most 16 queries (decode steps
    and short sequences); the chain's intermediate results must have no
    other users. Runs in the lowering to linalg, after calibration.

    ```mlir
    %s = qnn.matmul %k, %q : (tensor<3x128x64xf32>, tensor<3x64x3xf32>) -> tensor<3x128x3xf32>
    %r = qnn.reshape %s : (tensor<3x128x3xf32>) -> tensor<3x128x3x1xf32>
    %w = qnn.where %mask, %r, %ninf : (tensor<128x1x1xi1>, tensor<3x128x3x1xf32>, tensor<1xf32>) -> tensor<3x128x3x1xf32>
    %p = qnn.softmax %w {axis = 1 : i64} : tensor<3x128x3x1xf32>
    %p3 = qnn.reshape %p : (tensor<3x128x3x1xf32>) -> tensor<3x128x3xf32>
    %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<3x128x3xf32>) -> tensor<3x3x128xf32>
    %o = qnn.matmul %pt, %v : (tensor<3x3x128xf32>, tensor<3x128x64xf32>) -> tensor<3x3x64xf32>
    // becomes
    %m = qnn.reshape %mask : (tensor<128x1x1xi1>) -> tensor<128x1xi1>
    %o = qnn.attention %k, %q, %v masked_by %m : (...) -> tensor<3x3x64xf32>
    ```
  }];
}

def PrepareQuantization : Pass<"qcc-prepare-quantization"> {
  let summary = "Rewrite float ops into the forms the quantizer covers";
  let description = [{
    Runs before calibration. Each rewrite keeps what the model computes and
    only changes its spelling to one that `qcc-quantize` and
    `qcc-integerize` know:

    * `qnn.gemm` with a constant `B` becomes `qnn.matmul` with the constant
      `alpha * op(B)` (a `[K, N]` weight quantized per column), a
      `qnn.transpose` of `A` when `transA`, and a `qnn.add` of `beta * C`
      (a bias vector when `C` is constant and varies along `N` only);
    * a `qnn.reduce` (sum, mean, max, min, prod) whose reduced axes all have
      extent 1 becomes a `qnn.reshape`.

    ```mlir
    %y = qnn.gemm %a, %w, %b {transB = true}
        : (tensor<1x128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> tensor<1x512xf32>
    // becomes
    %m = qnn.matmul %a, %wt : (tensor<1x128xf32>, tensor<128x512xf32>) -> tensor<1x512xf32>
    %y = qnn.add %m, %b : (tensor<1x512xf32>, tensor<512xf32>) -> tensor<1x512xf32>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def Integerize : Pass<"qcc-integerize"> {
  let summary = "Turn QDQ patterns into integer-level qnn ops";
  let description = [{
    Rewrites every float op that sits between `qnn.dequantize` operands and
    a `qnn.quantize` of its result (the QDQ form of a quantized op) into
    qcc's integer level (docs/numerics.md), folding the scales into
    fixed-point multipliers:

    - conv / matmul (+ constant bias, + ReLU/Clip) with 8-bit operands:
      `qnn.conv_integer` / `qnn.matmul_integer` with an int32 bias, then
      `qnn.requantize` (per-channel multipliers, activation as clamp bounds);
    - add and mul of per-tensor operands: `qnn.qadd` / `qnn.qmul`;
    - any function of one 8-bit input built from float elementwise ops
      (sigmoid, tanh, GELU, x * sigmoid(x), ...): a 256-entry `qnn.lut`;
    - data movement (reshape, transpose, slice, broadcast, concat, pad, max
      pooling, nearest resize) and dequantize -> quantize pairs: the same op
      on the storage integers, with a `qnn.requantize` where the parameters
      change.

    Anything else is left in float; `qcc-verify-integer-only` reports it.

    ```mlir
    %x = qnn.dequantize %xq : tensor<1x4x!quant.uniform<i8:f32, 0.1>> -> tensor<1x4xf32>
    %y = qnn.sigmoid %x : tensor<1x4xf32>
    %yq = qnn.quantize %y : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<i8:f32, 0.0039:-128>>
    // becomes
    %s = quant.scast %xq : tensor<1x4x!quant.uniform<i8:f32, 0.1>> to tensor<1x4xi8>
    %t = qnn.lut %s {table = dense<...> : tensor<256xi8>} : tensor<1x4xi8> -> tensor<1x4xi8>
    %yq = quant.scast %t : tensor<1x4xi8> to tensor<1x4x!quant.uniform<i8:f32, 0.0039:-128>>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::quant::QuantDialect"];
}

def ComposeLuts : Pass<"qcc-compose-luts"> {
  let summary = "Compose chains of integer ops of one 8-bit tensor into one qnn.lut";
  let description = [{
    A `qnn.lut`, per-tensor `qnn.requantize`, `qnn.qadd` or `qnn.qmul` with
    an 8-bit result whose operands are one 8-bit tensor `x` (of the result's
    shape), tables of `x` and splat constants computes a function of `x`
    alone: it is replaced by one `qnn.lut` of `x`, the function evaluated
    exactly (docs/numerics.md) for each of the 256 values. Applied to a
    fixpoint, hard-swish and similar chains become a single table. The
    integers computed are unchanged.

    ```mlir
    %a = qnn.qadd %x, %c3 {...} : (tensor<8xui8>, tensor<i8>) -> tensor<8xui8>
    %r = qnn.lut %a {table = dense<...> : tensor<256xui8>} : tensor<8xui8> -> tensor<8xui8>
    %y = qnn.qmul %x, %r {...} : (tensor<8xui8>, tensor<8xui8>) -> tensor<8xui8>
    // becomes
    %y = qnn.lut %x {table = dense<...> : tensor<256xui8>} : tensor<8xui8> -> tensor<8xui8>
    ```
  }];
}

def Quantize : Pass<"qcc-quantize", "mlir::ModuleOp"> {
  let summary = "Insert quantize/dequantize pairs from calibration ranges";
  let description = [{
    Turns a calibrated float model into its QDQ form: every calibration
    point of `@main` (the float operands and results of quantizable ops)
    with a measured range (`qcc.calib = [array<f64: lo, hi>]` on the op, or
    on the function argument) gets a `qnn.quantize` + `qnn.dequantize`
    whose result feeds the quantizable users; conv and matmul weights that
    are constants become per-channel symmetric int8. Conv/matmul results
    that only feed a ReLU/Clip (or a matmul's bias add) stay float, so
    qcc-integerize fuses them. A point without a range is an error.

    Activations are 8-bit, except those on a recurrent state path: values
    computed from a float argument that has a same-typed result (a state
    the caller feeds back, such as an LSTM's cell state) and flowing to
    that result through elementwise add/mul and data movement only. They
    get `state-bits` (16 by default: u16 asymmetric or i16 symmetric, as
    `activation-type` says), since 8-bit rounding there compounds from call
    to call. With `residual-bits=16`, the residual stream gets 16 bits too:
    values whose every user is an addition, a layer norm or the return
    (and whose producer is a float value, an addition, a layer norm, a
    matmul or a conv). A layer norm that feeds both such users and others
    (a transformer's next matmuls) is first cloned for the others, which
    keep 8 bits.

    With `weight-method=ternary` every such weight becomes BitNet b1.58's
    ternary form: `s = mean |W|` per output channel (or per tensor),
    `w = clamp(round(W / s), -1, 1)`, stored as `!quant.uniform<i8<-1:1>:f32:axis, {s...}>`;
    the int8 lowering then reads these weights with the ternary kernel.
  }];
  let options = [
    Option<"activationType", "activation-type", "std::string", "\"u8\"",
           "u8 (asymmetric, onnxruntime's default) or i8 (symmetric)">,
    Option<"weightBits", "weight-bits", "int", "8",
           "weight bits: 8 (per-channel), or 4, 3, 2 (grouped codes)">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "reduction elements per weight group below 8 bits (0: whole rows)">,
    Option<"weightMethod", "weight-method", "std::string", "\"rtn\"",
           "rtn, hqq (calibration-free), gptq (needs qcc.hessian), awq "
           "(needs qcc.act_mean_abs / qcc.act_sample), or ternary (every "
           "conv/matmul weight in {-1, 0, 1} times an absmean scale)">,
    Option<"ternaryScale", "ternary-scale", "std::string", "\"channel\"",
           "scale of ternary weights: channel (per output channel) or tensor">,
    Option<"smoothAlpha", "smooth-alpha", "double", "-1.0",
           "SmoothQuant strength in [0, 1] for the int8 per-channel layers "
           "(needs qcc.act_channel_range); negative: off">,
    Option<"stateBits", "state-bits", "int", "16",
           "activation bits on a recurrent state path: 16, or 8 (as every "
           "other activation)">,
    Option<"residualBits", "residual-bits", "int", "8",
           "activation bits of the residual stream (values read only by "
           "additions, layer norms and the return; a layer norm that also "
           "feeds matmuls is cloned for them): 8, or 16">,
    Option<"printSummary", "print-summary", "bool", "false",
           "print how many layers got which weight configuration">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::quant::QuantDialect"];
}

def Sparsify24 : Pass<"qcc-sparsify-24", "mlir::ModuleOp"> {
  let summary = "Prune the weights of int8 conv/matmul layers to the 2:4 pattern";
  let description = [{
    Runs on the calibrated float model, before `qcc-quantize`. Every group of
    4 consecutive reduction elements of an output channel's weights keeps at
    most 2 nonzero values; the layer is marked `qcc.sparse24`, which
    `qcc-integerize` carries to the integer op and `qcc-pack-sparse-24`
    packs. Eligible layers: those that get per-channel int8 weights, and

    - `qnn.matmul` with a constant `[K, N]` weight, `K` a multiple of 4;
    - `qnn.conv` with a 1x1 kernel, stride 1, no padding, one group,
      batch 1 and a multiple of 4 input channels (groups then run along
      the input channels).

    `mode`:

    - `enable`: only where the target's cost model (`fast-kernel`, and the
      shape rule of docs/sparsity.md: at least 16 output channels,
      `K >= 64`, at least 8 rows) says the 2:4 kernel beats the dense one;
      a target without a faster 2:4 kernel prunes nothing;
    - `force`: every eligible layer; a model without one is an error.

    `layers` (a regex, default empty: all) restricts pruning to the eligible
    layers whose name (the ONNX node name) matches it; in `force` mode a
    regex that selects no eligible layer is an error.

    `method`: `magnitude` (largest |w|), `wanda` (largest |w| * ||x_j||)
    or `sparsegpt` (OBS column sweep with error compensation); the last two
    read `qcc.hessian` (X^T X of the layer's input, from calibration) and
    fail without it. With `qcc.hessian_rows` (the rows it was accumulated
    from) below the layer's reduction length, sparsegpt shrinks the Hessian
    toward its diagonal by 1 - rows / K (lib/Quant/Prune24.h). The Hessians
    are consumed.

    `stages` / `stage` (SparseGPT's sequential order): the layers to prune
    (eligible, selected, and in `enable` mode profitable), in program
    order, are split into `stages` contiguous chunks of equal size (the
    earlier chunks one smaller when it does not divide); only chunk `stage`
    is pruned and needs Hessians. The driver (`--sparse-stages`) runs stage
    `s` after re-calibrating the model whose stages before `s` are already
    pruned. A layer already marked `qcc.sparse24` is never pruned again.

    ```mlir
    %y = qnn.matmul %x, %w : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
    // becomes (every 4 rows of %w2's columns hold at most 2 nonzeros)
    %y = qnn.matmul %x, %w2 {qcc.sparse24} : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", "\"enable\"",
           "enable (where the cost model says faster) or force (every eligible layer)">,
    Option<"method", "method", "std::string", "\"magnitude\"",
           "magnitude, wanda (needs qcc.hessian) or sparsegpt (needs qcc.hessian)">,
    Option<"fastKernel", "fast-kernel", "bool", "true",
           "the target has a 2:4 int8 kernel faster than its dense one">,
    Option<"weightBits", "weight-bits", "int", "8",
           "as qcc-quantize's: layers that get grouped codes are not pruned">,
    Option<"groupSize", "group-size", "int64_t", "128",
           "as qcc-quantize's group-size">,
    Option<"printSummary", "print-summary", "bool", "false",
           "print how many layers were pruned and their weight sparsity">,
    Option<"layers", "layers", "std::string", "\"\"",
           "prune only layers whose name matches this regex (empty: all)">,
    Option<"stages", "stages", "int", "1",
           "split the layers to prune, in program order, into this many "
           "equal stages">,
    Option<"stage", "stage", "int", "0",
           "prune only this stage (0 to stages - 1); the summary is printed "
           "after the last">,
  ];
}

def PackSparse24 : Pass<"qcc-pack-sparse-24"> {
  let summary = "Pack 2:4-pruned integer weights into values and 2-bit indices";
  let description = [{
    Runs after `qcc-integerize`. A `qnn.matmul_integer` or 1x1
    `qnn.conv_integer` marked `qcc.sparse24` with constant int8 weights and
    weight zero points 0 becomes `qnn.matmul_sparse24_integer` with the kept
    values and their positions (a convolution through transposes of its
    NCHW input and output). Fails, naming the layer, when a group holds
    more than 2 nonzero weights or the op cannot be packed.

    ```mlir
    %c = qnn.matmul_integer %a, %w, %b {a_zp = 128 : i64, b_zp = array<i64: 0>, qcc.sparse24}
        : (tensor<2x8xui8>, tensor<8x4xi8>, tensor<4xi32>) -> tensor<2x4xi32>
    // becomes
    %c = qnn.matmul_sparse24_integer %a, %values, %indices, %b {a_zp = 128 : i64}
        : (tensor<2x8xui8>, tensor<4x4xi8>, tensor<4x1xui8>, tensor<4xi32>) -> tensor<2x4xi32>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def VerifySparse24 : Pass<"qcc-verify-sparse-24"> {
  let summary = "Fail if a 2:4 sparse weight violates the pattern";
  let description = [{
    Checks every `qnn.matmul_sparse24_integer` with constant indices (each
    group's two positions distinct and increasing) and every op still marked
    `qcc.sparse24` (float or integer weights: at most 2 nonzeros per group of
    4 reduction elements of an output channel). A violation is reported at
    the layer with its name, row and group, and the pass fails.
  }];
}

def InterleaveBlockWeights : Pass<"qcc-interleave-block-weights"> {
  let summary = "Store block-quantized weights with rows interleaved by 8";
  let description = [{
    For every `qnn.block_linear` in `q4_0`, `q4_1`, `q5_0`, `q5_1`, `q8_0`,
    `q4_k`, `q5_k` or `q6_k` whose weight is a constant with a multiple of 8
    rows, writes the weight bytes in the
    row-interleaved layout of the x86 kernel `qcc_rt_block_linear_x8`
    (runtime/BlockLinear.h) and sets `row_interleave = 8`; the op's value
    does not change. The x86-64 backend runs it on levels with AVX2 and the
    AArch64 backend always (sdot by lane where the CPU has dotprod); ops
    whose weight is not a constant, or in other formats (`q2_k`, `q3_k`,
    qcc's low-bit and `q4_1_g128` layouts), keep GGUF's layout.
    A constant that other ops also read is copied, not changed.

    ```mlir
    %y = qnn.block_linear q4_0, %x, %w : (tensor<1x32xf32>, tensor<8x18xi8>) -> tensor<1x8xf32>
    // becomes, %w8 holding %w's bytes permuted
    %y = qnn.block_linear q4_0, %x, %w8 {row_interleave = 8 : i64} : (tensor<1x32xf32>, tensor<8x18xi8>) -> tensor<1x8xf32>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect"];
}

def VerifyIntegerOnly : Pass<"qcc-verify-integer-only"> {
  let summary = "Fail if float arithmetic remains inside a quantized region";
  let description = [{
    A quantized region is the set of ops that depend on a `qnn.dequantize`
    and feed a `qnn.quantize`. After `qcc-integerize`, any op there that
    still computes on floats is reported by name and the pass fails. Float
    ops before the first quantize or after the last dequantize (the model's
    float inputs and outputs) are allowed.
  }];
}

#endif // QCC_DIALECT_QNN_TRANSFORMS_PASSES_TD
