// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-method=ternary" | FileCheck %s --check-prefix=PACKED
// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-method=ternary" -canonicalize | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-method=ternary ternary-scale=tensor" -canonicalize | FileCheck %s --check-prefix=TENSOR
// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-method=ternary print-summary=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: not qcc-opt %s -split-input-file -qcc-quantize="weight-method=ternary ternary-scale=row" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD

// Absmean ternary weights (BitNet b1.58): per output column of the matmul
// s = mean |W| (0.9 and 1.0), w = clamp(round_half_even(W / s), -1, 1):
// 0.5 / 0.9 -> 1, 2.0 / 0.9 -> 1 (clamped), ties 0.5 -> 0 and -1.5 -> -2
// -> -1. Per tensor, s = 7.6 / 8 = 0.95 for both columns.
// The codes stay packed five to a byte (t + 1 in base 3, row-major, padding
// weight 0): 2 + 1*3 + 0*9 + 2*27 + 1*81 = 140 and 1 + 2*3 + 0*9 + 1*27 +
// 1*81 = 115; canonicalization unpacks them for the integer lowering.
// PACKED-LABEL: func.func @main
// PACKED: qnn.ternary_constant "base3" dense<[140, 115]> : tensor<2xui8> : tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.89999997{{[0-9]*}},1.000000e+00}>>
// CHECK-LABEL: func.func @main
// CHECK: arith.constant dense<{{\[\[}}1, 0], [-1, 1], [0, 0], [1, -1]]> : tensor<4x2xi8>
// CHECK: qnn.storage_cast %{{.*}} : tensor<4x2xi8> -> tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.89999997{{[0-9]*}},1.000000e+00}>>
// TENSOR-LABEL: func.func @main
// TENSOR: arith.constant dense<{{\[\[}}1, 1], [-1, 1], [0, -1], [1, -1]]> : tensor<4x2xi8>
// TENSOR: tensor<4x2x!quant.uniform<i8<-1:1>:f32:1, {0.94999998{{[0-9]*}},0.94999998{{[0-9]*}}}>>
// SUMMARY: [quant] ternary per-channel absmean: 1 layers
// BAD: error: ternary scale must be channel or tensor, got 'row'
func.func @main(%x: tensor<2x4xf32> {qcc.calib = array<f64: -1.0, 1.0>}) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[0.5, 0.5], [-1.0, 1.5], [0.1, -0.5], [2.0, -1.5]]> : tensor<4x2xf32>
  %y = qnn.matmul %x, %w {qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// Depthwise convolutions are ternary too; an all-zero filter gets the
// smallest scale, 1e-5, and zero codes.
// PACKED-LABEL: func.func @main
// PACKED: qnn.ternary_constant "base3" dense<113> : tensor<1xui8>
// CHECK-LABEL: func.func @main
// CHECK: arith.constant dense<{{\[\[\[\[}}1]]], {{\[\[\[}}0]]], {{\[\[\[}}-1]]]]> : tensor<3x1x1x1xi8>
// CHECK: tensor<3x1x1x1x!quant.uniform<i8<-1:1>:f32:0, {5.000000e-01,9.99999974{{[0-9]*}}E-6,2.000000e+00}>>
// SUMMARY: [quant] ternary per-channel absmean: 1 layers
func.func @main(%x: tensor<1x3x4x4xf32> {qcc.calib = array<f64: 0.0, 1.0>}) -> tensor<1x3x4x4xf32> {
  %w = arith.constant dense<[[[[0.5]]], [[[0.0]]], [[[-2.0]]]]> : tensor<3x1x1x1xf32>
  %c = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 3 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.calib = [array<f64: -2.0, 0.5>]} : (tensor<1x3x4x4xf32>, tensor<3x1x1x1xf32>) -> tensor<1x3x4x4xf32>
  return %c : tensor<1x3x4x4xf32>
}
