// RUN: qcc-opt %s -qcc-quantize | FileCheck %s
// RUN: qcc-opt %s -qcc-quantize -qcc-integerize -canonicalize | FileCheck %s --check-prefix=INT

// A conv channel with (nearly) zero weights and a bias: its RTN scale
// (1e-12 / 127) would put the int32 bias 100 / (s_x s_w) far past 2^31, so
// the weight scale is raised to 1.0001 |b| / (s_x (2^31 - 1)) and the
// channel requantized (its codes become 0); the other channel is untouched.
// CHECK-LABEL: func.func @main
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}0]]], {{\[\[\[}}127]]]]> : tensor<2x1x1x1xi8>
// CHECK: qnn.storage_cast %[[W]] : tensor<2x1x1x1xi8> -> tensor<2x1x1x1x!quant.uniform<i8:f32:0, {1.18755{{[0-9]*}}E-5,0.0039370078{{[0-9]*}}}>>
// INT-LABEL: func.func @main
// INT: arith.constant dense<[2147268893, 0]> : tensor<2xi32>
// INT: qnn.conv_integer
func.func @main(%x: tensor<1x1x4x4xf32> {qcc.calib = array<f64: 0.0, 1.0>}) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0e-12]]], [[[0.5]]]]> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<[100.0, 0.0]> : tensor<2xf32>
  %c = qnn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.calib = [array<f64: 0.0, 100.5>]} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %c : tensor<1x2x4x4xf32>
}
