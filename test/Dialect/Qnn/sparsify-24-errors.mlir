// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force method=wanda" -verify-diagnostics

// Wanda without the calibration Hessian.
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  // expected-error @below {{2:4 pruning by wanda needs the Hessian of layer 'qnn.matmul''s input (qcc.hessian, 8x8 f64), which calibration computes: pass --calib}}
  %y = qnn.matmul %x, %w : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// --sparsity=force on a model without an eligible layer: K = 6 is not a
// multiple of 4, and a depthwise convolution has no groups of 4 channels.
// expected-error @below {{--sparsity=force: no layer of this model is eligible for 2:4 sparsity (int8 matmuls with K a multiple of 4, 1x1 stride-1 convolutions of one group with a multiple of 4 input channels); e.g. 'qnn.matmul' is its 6 reduction elements are not a multiple of 4}}
module {
func.func @main(%x: tensor<2x6xf32>, %c: tensor<1x4x4x4xf32>) -> (tensor<2x2xf32>, tensor<1x4x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<6x2xf32>
  %y = qnn.matmul %x, %w : (tensor<2x6xf32>, tensor<6x2xf32>) -> tensor<2x2xf32>
  %d = arith.constant dense<0.5> : tensor<4x1x3x3xf32>
  %z = qnn.conv %c, %d {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x4x4xf32>, tensor<4x1x3x3xf32>) -> tensor<1x4x4x4xf32>
  return %y, %z : tensor<2x2xf32>, tensor<1x4x4x4xf32>
}
}
