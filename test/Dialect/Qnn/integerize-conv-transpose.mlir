// RUN: qcc-opt %s -split-input-file -qcc-integerize -canonicalize | FileCheck %s

// Kernel == stride, no padding: one 1x1 conv_integer with filters x phases
// (W''[f * 4 + p, c] = W[c, f, p], here W[c, f, p] = 8c + 4f + p + 1),
// per-filter multipliers repeated over the phases, the ReLU as clamp, then
// the phases interleaved on the requantized integers.
!qx = !quant.uniform<u8:f32, 0.05:128>
!qw = !quant.uniform<i8:f32:1, {0.02, 0.04}>
!qy = !quant.uniform<u8:f32, 0.1:10>
// CHECK-LABEL: func.func @phases
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}{{\[\[}}1]], {{\[\[}}9]]], {{\[\[}}[2]], {{\[\[}}10]]], {{.*}}> : tensor<8x2x1x1xi8>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[500, 500, 500, 500, -125, -125, -125, -125]> : tensor<8xi32>
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<1x2x3x3xui8>
// CHECK: %[[ACC:.*]] = qnn.conv_integer %[[X]], %[[W]], %[[B]] {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, x_zp = 128 : i64} : (tensor<1x2x3x3xui8>, tensor<8x2x1x1xi8>, tensor<8xi32>) -> tensor<1x8x3x3xi32>
// CHECK: %[[Y:.*]] = qnn.requantize %[[ACC]] {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 10 : i64, multiplier = array<i32: 1374389535, 1374389535, 1374389535, 1374389535, 1374389535, 1374389535, 1374389535, 1374389535>, output_zp = 10 : i64, shift = array<i32: 37, 37, 37, 37, 36, 36, 36, 36>} : tensor<1x8x3x3xi32> -> tensor<1x8x3x3xui8>
// CHECK: %[[S:.*]] = qnn.reshape %[[Y]] : (tensor<1x8x3x3xui8>) -> tensor<1x2x2x2x3x3xui8>
// CHECK: %[[T:.*]] = qnn.transpose %[[S]] {perm = array<i64: 0, 1, 4, 2, 5, 3>} : (tensor<1x2x2x2x3x3xui8>) -> tensor<1x2x3x2x3x2xui8>
// CHECK: qnn.reshape %[[T]] : (tensor<1x2x3x2x3x2xui8>) -> tensor<1x2x6x6xui8>
// CHECK-NOT: qnn.conv_transpose
func.func @phases(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x6x6xf32> {
  %xq = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!qx>
  %xd = qnn.dequantize %xq : tensor<1x2x3x3x!qx> -> tensor<1x2x3x3xf32>
  %wi = arith.constant dense<[[[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[[9, 10], [11, 12]], [[13, 14], [15, 16]]]]> : tensor<2x2x2x2xi8>
  %wq = qnn.storage_cast %wi : tensor<2x2x2x2xi8> -> tensor<2x2x2x2x!qw>
  %wd = qnn.dequantize %wq : tensor<2x2x2x2x!qw> -> tensor<2x2x2x2xf32>
  %b = arith.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %c = qnn.conv_transpose %xd, %wd, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xf32>, tensor<2x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x6x6xf32>
  %r = qnn.relu %c : tensor<1x2x6x6xf32>
  %yq = qnn.quantize %r : tensor<1x2x6x6xf32> -> tensor<1x2x6x6x!qy>
  %yd = qnn.dequantize %yq : tensor<1x2x6x6x!qy> -> tensor<1x2x6x6xf32>
  return %yd : tensor<1x2x6x6xf32>
}

// -----

// Overlapping kernel (3 with stride 2), pads 1 and output_padding 1: the
// input spread with the zero point (reshape, pad the unit axes, reshape),
// edges padded by 2 - 1 = 1 before and what gives 4 outputs after, then a
// stride-1 conv_integer with the flipped filter.
!qx = !quant.uniform<i8:f32, 0.05:-3>
!qw = !quant.uniform<i8:f32, 0.02>
!qy = !quant.uniform<i8:f32, 0.1:1>
// CHECK-LABEL: func.func @spread
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}{{\[\[}}9, 8, 7], [6, 5, 4], [3, 2, 1]]]]> : tensor<1x1x3x3xi8>
// CHECK: %[[U:.*]] = qnn.reshape %{{.*}} : (tensor<1x1x2x2xi8>) -> tensor<1x1x2x1x2x1xi8>
// CHECK: %[[P:.*]] = qnn.pad constant, %[[U]] {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1>, value = -3.000000e+00 : f64} : (tensor<1x1x2x1x2x1xi8>) -> tensor<1x1x2x2x2x2xi8>
// CHECK: %[[F:.*]] = qnn.reshape %[[P]] : (tensor<1x1x2x2x2x2xi8>) -> tensor<1x1x4x4xi8>
// CHECK: %[[E:.*]] = qnn.pad constant, %[[F]] {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = -3.000000e+00 : f64} : (tensor<1x1x4x4xi8>) -> tensor<1x1x6x6xi8>
// CHECK: %[[ACC:.*]] = qnn.conv_integer %[[E]], %[[W]] {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0>, x_zp = -3 : i64} : (tensor<1x1x6x6xi8>, tensor<1x1x3x3xi8>) -> tensor<1x1x4x4xi32>
// CHECK: qnn.requantize %[[ACC]] {{{.*}}output_zp = 1 : i64{{.*}}} : tensor<1x1x4x4xi32> -> tensor<1x1x4x4xi8>
// CHECK-NOT: qnn.conv_transpose
func.func @spread(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  %xq = qnn.quantize %x : tensor<1x1x2x2xf32> -> tensor<1x1x2x2x!qx>
  %xd = qnn.dequantize %xq : tensor<1x1x2x2x!qx> -> tensor<1x1x2x2xf32>
  %wi = arith.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]> : tensor<1x1x3x3xi8>
  %wq = qnn.storage_cast %wi : tensor<1x1x3x3xi8> -> tensor<1x1x3x3x!qw>
  %wd = qnn.dequantize %wq : tensor<1x1x3x3x!qw> -> tensor<1x1x3x3xf32>
  %c = qnn.conv_transpose %xd, %wd {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x1x2x2xf32>, tensor<1x1x3x3xf32>) -> tensor<1x1x4x4xf32>
  %yq = qnn.quantize %c : tensor<1x1x4x4xf32> -> tensor<1x1x4x4x!qy>
  %yd = qnn.dequantize %yq : tensor<1x1x4x4x!qy> -> tensor<1x1x4x4xf32>
  return %yd : tensor<1x1x4x4xf32>
}

// -----

// Weights quantized along the input channels (axis 0) cannot fold into a
// per-filter requantization: the op stays for qcc-verify-integer-only to name.
!qx = !quant.uniform<u8:f32, 0.05:128>
!qw = !quant.uniform<i8:f32:0, {0.02, 0.04}>
!qy = !quant.uniform<u8:f32, 0.1:10>
// CHECK-LABEL: func.func @input_channel_scales
// CHECK: qnn.conv_transpose
// CHECK-NOT: qnn.conv_integer
func.func @input_channel_scales(%x: tensor<1x2x3x3xf32>) -> tensor<1x1x6x6xf32> {
  %xq = qnn.quantize %x : tensor<1x2x3x3xf32> -> tensor<1x2x3x3x!qx>
  %xd = qnn.dequantize %xq : tensor<1x2x3x3x!qx> -> tensor<1x2x3x3xf32>
  %wi = arith.constant dense<1> : tensor<2x1x2x2xi8>
  %wq = qnn.storage_cast %wi : tensor<2x1x2x2xi8> -> tensor<2x1x2x2x!qw>
  %wd = qnn.dequantize %wq : tensor<2x1x2x2x!qw> -> tensor<2x1x2x2xf32>
  %c = qnn.conv_transpose %xd, %wd {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x2x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x1x6x6xf32>
  %yq = qnn.quantize %c : tensor<1x1x6x6xf32> -> tensor<1x1x6x6x!qy>
  %yd = qnn.dequantize %yq : tensor<1x1x6x6x!qy> -> tensor<1x1x6x6xf32>
  return %yd : tensor<1x1x6x6xf32>
}
