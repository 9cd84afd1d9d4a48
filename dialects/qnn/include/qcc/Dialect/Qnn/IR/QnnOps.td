//===- QnnOps.td - qnn operator definitions ----------------*- tablegen -*-===//
//
// Operators of the qnn dialect. Elementwise operators broadcast numpy-style;
// spatial operators use NCHW (N, C, spatial...) layout as ONNX does.
//
//===----------------------------------------------------------------------===//

#ifndef QCC_DIALECT_QNN_IR_QNNOPS_TD
#define QCC_DIALECT_QNN_IR_QNNOPS_TD

include "qcc/Dialect/Qnn/IR/QnnDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/EnumAttr.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

class Qnn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Qnn_Dialect, mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

// Binary operators whose result has the operands' element type.
class Qnn_BinaryOp<string mnemonic, string what, list<Trait> traits = []>
    : Qnn_Op<mnemonic, !listconcat(traits,
        [SameOperandsElementType,
         DeclareOpInterfaceMethods<InferTypeOpInterface>])> {
  let summary = "elementwise " # what # " with numpy broadcasting";
  let description = [{
    Computes `}] # what # [{` of two tensors elementwise. Operand shapes
    broadcast numpy-style (dimensions are aligned from the right; a dimension
    of size 1 stretches). The result has the broadcast shape and the
    operands' element type.

    Example:

    ```mlir
    %r = qnn.}] # mnemonic # [{ %a, %b
        : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_AddOp : Qnn_BinaryOp<"add", "addition", [Commutative]> {
  let hasFolder = 1;
}
def Qnn_SubOp : Qnn_BinaryOp<"sub", "subtraction">;
def Qnn_MulOp : Qnn_BinaryOp<"mul", "multiplication", [Commutative]> {
  let hasFolder = 1;
}
def Qnn_DivOp : Qnn_BinaryOp<"div", "division (integer division truncates)">;
def Qnn_PowOp : Qnn_BinaryOp<"pow", "power">;
def Qnn_MaxOp : Qnn_BinaryOp<"max", "maximum", [Commutative]>;
def Qnn_MinOp : Qnn_BinaryOp<"min", "minimum", [Commutative]>;
def Qnn_ModOp : Qnn_BinaryOp<"mod", "remainder"> {
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs,
                       DefaultValuedAttr<BoolAttr, "false">:$fmod);
}
def Qnn_AndOp : Qnn_BinaryOp<"and", "logical and", [Commutative]>;
def Qnn_OrOp : Qnn_BinaryOp<"or", "logical or", [Commutative]>;
def Qnn_XorOp : Qnn_BinaryOp<"xor", "logical exclusive or", [Commutative]>;

def Qnn_CompareKind : I32EnumAttr<"CompareKind", "comparison predicate", [
    I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"lt", 1>,
    I32EnumAttrCase<"le", 2>, I32EnumAttrCase<"gt", 3>,
    I32EnumAttrCase<"ge", 4>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_CompareOp : Qnn_Op<"compare",
    [SameOperandsElementType, DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "elementwise comparison with numpy broadcasting";
  let description = [{
    Compares two tensors elementwise with the given predicate and produces a
    tensor of `i1`. Shapes broadcast numpy-style.

    Example:

    ```mlir
    %r = qnn.compare eq, %a, %b
        : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
    ```
  }];
  let arguments = (ins Qnn_CompareKind:$kind, AnyRankedTensor:$lhs,
                       AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$kind `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_WhereOp : Qnn_Op<"where", [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "elementwise select with numpy broadcasting";
  let description = [{
    Picks `x` where `condition` is true and `y` elsewhere; all three operands
    broadcast.

    ```mlir
    %r = qnn.where %c, %x, %y
        : (tensor<2xi1>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$condition, AnyRankedTensor:$x,
                       AnyRankedTensor:$y);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$condition `,` $x `,` $y attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

// Unary operators: result type equals operand type.
class Qnn_UnaryOp<string mnemonic, string what, list<Trait> traits = []>
    : Qnn_Op<mnemonic, !listconcat(traits, [SameOperandsAndResultType])> {
  let summary = what # ", elementwise";
  let description = [{
    Applies }] # what # [{ to every element.

    ```mlir
    %r = qnn.}] # mnemonic # [{ %x : tensor<1x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

def Qnn_ReluOp : Qnn_UnaryOp<"relu", "max(x, 0)">;
def Qnn_SigmoidOp : Qnn_UnaryOp<"sigmoid", "the logistic function 1 / (1 + exp(-x))">;
def Qnn_TanhOp : Qnn_UnaryOp<"tanh", "the hyperbolic tangent">;
def Qnn_SqrtOp : Qnn_UnaryOp<"sqrt", "the square root">;
def Qnn_ExpOp : Qnn_UnaryOp<"exp", "the exponential">;
def Qnn_LogOp : Qnn_UnaryOp<"log", "the natural logarithm">;
def Qnn_AbsOp : Qnn_UnaryOp<"abs", "the absolute value">;
def Qnn_NegOp : Qnn_UnaryOp<"neg", "negation">;
def Qnn_ErfOp : Qnn_UnaryOp<"erf", "the error function">;
def Qnn_FloorOp : Qnn_UnaryOp<"floor", "rounding down">;
def Qnn_CeilOp : Qnn_UnaryOp<"ceil", "rounding up">;
def Qnn_RoundOp : Qnn_UnaryOp<"round", "rounding half to even">;
def Qnn_ReciprocalOp : Qnn_UnaryOp<"reciprocal", "1 / x">;
def Qnn_SinOp : Qnn_UnaryOp<"sin", "the sine">;
def Qnn_CosOp : Qnn_UnaryOp<"cos", "the cosine">;
def Qnn_NotOp : Qnn_UnaryOp<"not", "logical negation">;
def Qnn_SignOp : Qnn_UnaryOp<"sign", "the sign (-1, 0 or 1)">;
def Qnn_SoftplusOp : Qnn_UnaryOp<"softplus", "log(1 + exp(x))">;
def Qnn_SoftsignOp : Qnn_UnaryOp<"softsign", "x / (1 + |x|)">;
def Qnn_HardSwishOp : Qnn_UnaryOp<"hard_swish", "x * max(0, min(1, x / 6 + 1 / 2))">;

// Unary operators with a float parameter or two.
class Qnn_ParamUnaryOp<string mnemonic, string what, dag params>
    : Qnn_UnaryOp<mnemonic, what> {
  let arguments = !con((ins AnyRankedTensor:$input), params);
}

def Qnn_ClipOp : Qnn_ParamUnaryOp<"clip", "clamping to [min, max]",
    (ins OptionalAttr<F64Attr>:$min, OptionalAttr<F64Attr>:$max)>;
def Qnn_HardSigmoidOp : Qnn_ParamUnaryOp<"hard_sigmoid",
    "max(0, min(1, alpha * x + beta))",
    (ins DefaultValuedAttr<F64Attr, "0.2">:$alpha,
         DefaultValuedAttr<F64Attr, "0.5">:$beta)>;
def Qnn_LeakyReluOp : Qnn_ParamUnaryOp<"leaky_relu", "x < 0 ? alpha * x : x",
    (ins DefaultValuedAttr<F64Attr, "0.01">:$alpha)>;
def Qnn_EluOp : Qnn_ParamUnaryOp<"elu", "x < 0 ? alpha * (exp(x) - 1) : x",
    (ins DefaultValuedAttr<F64Attr, "1.0">:$alpha)>;
def Qnn_SeluOp : Qnn_ParamUnaryOp<"selu",
    "gamma * (x <= 0 ? alpha * (exp(x) - 1) : x)",
    (ins F64Attr:$alpha, F64Attr:$gamma)>;
def Qnn_CeluOp : Qnn_ParamUnaryOp<"celu",
    "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))",
    (ins DefaultValuedAttr<F64Attr, "1.0">:$alpha)>;
def Qnn_ThresholdedReluOp : Qnn_ParamUnaryOp<"thresholded_relu",
    "x > alpha ? x : 0", (ins DefaultValuedAttr<F64Attr, "1.0">:$alpha)>;
def Qnn_GeluOp : Qnn_ParamUnaryOp<"gelu",
    "x * Phi(x), exactly (erf) or by the tanh approximation",
    (ins DefaultValuedAttr<BoolAttr, "false">:$tanh_approximation)>;

def Qnn_CastOp : Qnn_Op<"cast", [SameOperandsAndResultShape]> {
  let summary = "element type conversion";
  let description = [{
    Converts every element to the result's element type with ONNX `Cast`
    semantics: float to integer truncates toward zero, integer to `i1` tests
    for non-zero.

    ```mlir
    %r = qnn.cast %x : tensor<4xf32> to tensor<4xi32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Linear algebra and convolution
//===----------------------------------------------------------------------===//

def Qnn_MatMulOp : Qnn_Op<"matmul", [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "matrix product with numpy semantics";
  let description = [{
    `numpy.matmul`: operands of rank 1 are promoted to matrices, leading
    (batch) dimensions broadcast.

    ```mlir
    %r = qnn.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$lhs, AnyRankedTensor:$rhs);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_GemmOp : Qnn_Op<"gemm"> {
  let summary = "general matrix multiply alpha * op(A) * op(B) + beta * C";
  let description = [{
    ONNX `Gemm`: `A` and `B` are matrices, optionally transposed; `C` is
    optional and broadcasts to the result.

    ```mlir
    %r = qnn.gemm %a, %b, %c {transB = true}
        : (tensor<1x128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> tensor<1x512xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$a, AnyRankedTensor:$b,
                       Optional<AnyRankedTensor>:$c,
                       DefaultValuedAttr<F64Attr, "1.0">:$alpha,
                       DefaultValuedAttr<F64Attr, "1.0">:$beta,
                       DefaultValuedAttr<BoolAttr, "false">:$transA,
                       DefaultValuedAttr<BoolAttr, "false">:$transB);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$a `,` $b (`,` $c^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ConvOp : Qnn_Op<"conv", [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "grouped N-d convolution (NCHW, FCHW weights)";
  let description = [{
    Convolution of an `N x C x D1..Dk` input with `F x C/group x K1..Kk`
    weights and an optional bias of `F` elements. `pads` lists the padding
    at the start of every spatial axis, then at the end.

    ```mlir
    %r = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
        : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x3x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ConvTransposeOp : Qnn_Op<"conv_transpose"> {
  let summary = "grouped N-d transposed convolution (C x F/group x K weights)";
  let description = [{
    The gradient of `qnn.conv` with respect to its input, as ONNX
    `ConvTranspose`: weights are `C x F/group x K1..Kk`, `pads` are removed
    from the full output, and the result type fixes the output size (which
    carries any `output_padding`).

    ```mlir
    %r = qnn.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64,
           pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
        : (tensor<1x4x4x4xf32>, tensor<4x2x2x2xf32>) -> tensor<1x2x8x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$weight,
                       Optional<AnyRankedTensor>:$bias,
                       DenseI64ArrayAttr:$strides, DenseI64ArrayAttr:$pads,
                       DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<I64Attr, "1">:$group);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $weight (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_BatchNormOp : Qnn_Op<"batch_norm"> {
  let summary = "inference-mode batch normalization over axis 1";
  let description = [{
    `y = (x - mean) / sqrt(var + epsilon) * scale + bias`, with the four
    parameter vectors indexed by channel (axis 1).

    ```mlir
    %r = qnn.batch_norm %x, %s, %b, %m, %v {epsilon = 1.0e-05 : f64}
        : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
          -> tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       AnyRankedTensor:$bias, AnyRankedTensor:$mean,
                       AnyRankedTensor:$variance,
                       DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $scale `,` $bias `,` $mean `,` $variance attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pooling, normalization, reductions
//===----------------------------------------------------------------------===//

def Qnn_PoolKind : I32EnumAttr<"PoolKind", "pooling function", [
    I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"avg", 1>,
    I32EnumAttrCase<"lp", 2>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_PoolOp : Qnn_Op<"pool"> {
  let summary = "N-d max, average or Lp pooling over the spatial axes";
  let description = [{
    Windows of `kernel` elements with `strides`, `dilations` and `pads`
    (starts, then ends). The result type carries the output size (so
    `ceil_mode` is already resolved). Padding never wins a max; for `avg`,
    `count_include_pad` says whether padded elements count in the divisor.

    ```mlir
    %r = qnn.pool max, %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>,
           pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
    ```
  }];
  let arguments = (ins Qnn_PoolKind:$kind, AnyRankedTensor:$input,
                       DenseI64ArrayAttr:$kernel, DenseI64ArrayAttr:$strides,
                       DenseI64ArrayAttr:$pads, DenseI64ArrayAttr:$dilations,
                       DefaultValuedAttr<BoolAttr, "false">:$count_include_pad,
                       DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$kind `,` $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ReduceKind : I32EnumAttr<"ReduceKind", "reduction function", [
    I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
    I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
    I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"l1", 5>,
    I32EnumAttrCase<"l2", 6>, I32EnumAttrCase<"sum_square", 7>,
    I32EnumAttrCase<"log_sum", 8>, I32EnumAttrCase<"log_sum_exp", 9>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_ReduceOp : Qnn_Op<"reduce"> {
  let summary = "reduction over a set of axes";
  let description = [{
    Reduces `axes` (non-negative, sorted, unique) with the given function.
    With `keepdims` the reduced axes stay with size 1; otherwise they are
    dropped. Global pooling is a reduction over the spatial axes.

    ```mlir
    %r = qnn.reduce mean, %x {axes = array<i64: 2, 3>, keepdims = true}
        : (tensor<1x4x8x8xf32>) -> tensor<1x4x1x1xf32>
    ```
  }];
  let arguments = (ins Qnn_ReduceKind:$kind, AnyRankedTensor:$input,
                       DenseI64ArrayAttr:$axes,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$kind `,` $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ArgKind : I32EnumAttr<"ArgKind", "arg-reduction", [
    I32EnumAttrCase<"argmax", 0>, I32EnumAttrCase<"argmin", 1>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_ArgReduceOp : Qnn_Op<"arg_reduce"> {
  let summary = "index of the maximum or minimum along an axis";
  let description = [{
    ONNX `ArgMax`/`ArgMin`: `i64` indices; ties pick the first (or, with
    `select_last_index`, the last) occurrence.

    ```mlir
    %r = qnn.arg_reduce argmax, %x {axis = 1 : i64, keepdims = false}
        : (tensor<2x5xf32>) -> tensor<2xi64>
    ```
  }];
  let arguments = (ins Qnn_ArgKind:$kind, AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$keepdims,
                       DefaultValuedAttr<BoolAttr, "false">:$select_last_index);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$kind `,` $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_SoftmaxOp : Qnn_Op<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax (or log-softmax) along one axis";
  let description = [{
    `exp(x - max) / sum(exp(x - max))` along `axis`; with `log`, the
    logarithm of that.

    ```mlir
    %r = qnn.softmax %x {axis = 1 : i64} : tensor<2x10xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$log);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Qnn_LayerNormOp : Qnn_Op<"layer_norm"> {
  let summary = "layer normalization over the trailing axes from `axis`";
  let description = [{
    `(x - mean) / sqrt(var + epsilon) * scale + bias`, the statistics taken
    over axes `axis .. rank-1`; `scale` and `bias` broadcast to those axes.

    ```mlir
    %r = qnn.layer_norm %x, %s, %b {axis = 2 : i64, epsilon = 1.0e-05 : f64}
        : (tensor<1x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<1x8x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$scale,
                       Optional<AnyRankedTensor>:$bias, I64Attr:$axis,
                       DefaultValuedAttr<F64Attr, "1e-5">:$epsilon);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $scale (`,` $bias^)? attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Qnn_TransposeOp : Qnn_Op<"transpose", [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "permutation of the axes";
  let description = [{
    Result axis `i` is input axis `perm[i]`.

    ```mlir
    %r = qnn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$perm);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qnn_ReshapeOp : Qnn_Op<"reshape"> {
  let summary = "reinterpretation of the elements under a new static shape";
  let description = [{
    Row-major order is kept; the element count must not change. ONNX
    `Reshape`, `Flatten`, `Squeeze` and `Unsqueeze` all become this op.

    ```mlir
    %r = qnn.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qnn_BroadcastOp : Qnn_Op<"broadcast"> {
  let summary = "numpy broadcast to the result shape";
  let description = [{
    ONNX `Expand`: the input broadcasts to the result's shape.

    ```mlir
    %r = qnn.broadcast %x : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qnn_ConcatOp : Qnn_Op<"concat", [DeclareOpInterfaceMethods<InferTypeOpInterface>]> {
  let summary = "concatenation along an axis";
  let description = [{
    ```mlir
    %r = qnn.concat %a, %b {axis = 0 : i64}
        : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyRankedTensor>:$inputs, I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_SliceOp : Qnn_Op<"slice"> {
  let summary = "strided slice, one start and step per axis";
  let description = [{
    Result element `i` along axis `k` is input element
    `starts[k] + i * steps[k]`; steps may be negative. The result type gives
    the extent. ONNX `Slice` and `Split` become this op.

    ```mlir
    %r = qnn.slice %x {starts = array<i64: 0, 1>, steps = array<i64: 1, 2>}
        : (tensor<2x8xf32>) -> tensor<2x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, DenseI64ArrayAttr:$starts,
                       DenseI64ArrayAttr:$steps);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Qnn_GatherOp : Qnn_Op<"gather"> {
  let summary = "gather of slices along an axis by an index tensor";
  let description = [{
    ONNX `Gather`: the result shape is
    `input[:axis] ++ indices ++ input[axis+1:]`; negative indices count from
    the end.

    ```mlir
    %r = qnn.gather %x, %i {axis = 0 : i64}
        : (tensor<5x4xf32>, tensor<3xi64>) -> tensor<3x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$indices,
                       I64Attr:$axis);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $indices attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_UpdateSliceOp : Qnn_Op<"update_slice"> {
  let summary = "a copy of a tensor with one block replaced at run-time offsets";
  let description = [{
    The result equals `input` except for the block of `update`'s shape that
    starts at `offsets` (one integer per axis, a 1-D tensor known only at
    run time): there it holds `update`. Each offset is clamped to
    `[0, input_dim - update_dim]`, so the block always lies inside (as
    StableHLO's `dynamic_update_slice`). A decode step writes the new
    position's key and value into a KV cache this way, at O(block) cost
    where a select over the whole cache would be O(cache).

    ```mlir
    %r = qnn.update_slice %cache, %row, %offsets
        : (tensor<4x16x8xf32>, tensor<4x1x8xf32>, tensor<3xi64>) -> tensor<4x16x8xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, AnyRankedTensor:$update,
                       AnyRankedTensor:$offsets);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `,` $update `,` $offsets attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_PadMode : I32EnumAttr<"PadMode", "padding mode", [
    I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
    I32EnumAttrCase<"edge", 2>, I32EnumAttrCase<"wrap", 3>]> {
  let cppNamespace = "::qcc::qnn";
}

def Qnn_PadOp : Qnn_Op<"pad"> {
  let summary = "padding (constant, reflect, edge, wrap)";
  let description = [{
    `pads` lists, for every axis, the amount added at the start, then for
    every axis the amount at the end; negative amounts crop.

    ```mlir
    %r = qnn.pad reflect, %x {pads = array<i64: 0, 2, 0, 2>, value = 0.0 : f64}
        : (tensor<1x8xf32>) -> tensor<1x12xf32>
    ```
  }];
  let arguments = (ins Qnn_PadMode:$mode, AnyRankedTensor:$input,
                       DenseI64ArrayAttr:$pads,
                       DefaultValuedAttr<F64Attr, "0.0">:$value);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$mode `,` $input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qnn_ResizeOp : Qnn_Op<"resize"> {
  let summary = "N-d resampling (nearest, linear, cubic), separable";
  let description = [{
    ONNX `Resize` with static output size. `scales` holds the per-axis
    scale used by the coordinate transformation (output / input unless the
    model gave explicit scales); `roi` (starts, then ends) is used only by
    `tf_crop_and_resize`.

    ```mlir
    %r = qnn.resize %x {mode = "nearest", coordinate_transformation_mode = "asymmetric",
           nearest_mode = "floor", scales = array<f64: 1.0, 1.0, 2.0, 2.0>}
        : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, StrAttr:$mode,
                       StrAttr:$coordinate_transformation_mode,
                       DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode,
                       DefaultValuedAttr<F64Attr, "-0.75">:$cubic_coeff_a,
                       DefaultValuedAttr<BoolAttr, "false">:$exclude_outside,
                       DefaultValuedAttr<F64Attr, "0.0">:$extrapolation_value,
                       DefaultValuedAttr<BoolAttr, "false">:$antialias,
                       DenseF64ArrayAttr:$scales,
                       OptionalAttr<DenseF64ArrayAttr>:$roi);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

include "qcc/Dialect/Qnn/IR/QnnQuantOps.td"
include "qcc/Dialect/Qnn/IR/QnnNormOps.td"
include "qcc/Dialect/Qnn/IR/QnnGroupedOps.td"
include "qcc/Dialect/Qnn/IR/QnnBlockOps.td"
include "qcc/Dialect/Qnn/IR/QnnSparseOps.td"
include "qcc/Dialect/Qnn/IR/QnnTernaryOps.td"
include "qcc/Dialect/Qnn/IR/QnnAttentionOps.td"

#endif // QCC_DIALECT_QNN_IR_QNNOPS_TD
