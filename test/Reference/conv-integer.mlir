// qnn.conv_integer: the convolution of (x - x_zp) with (w - w_zp[f]), padded
// positions contributing 0, plus bias[f], exact modulo 2^32.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[[0, 255, 128], [10, 200, 64], [255, 255, 0]]]], np.uint8)); np.save('%t/w.npy', np.array([[[[1, -1], [127, -128]]], [[[3, 3], [3, -125]]]], np.int8))"
// RUN: qcc-reference %s --entry padded --input x=%t/x.npy --input w=%t/w.npy --print | FileCheck %s --check-prefix=PAD
// RUN: %python -c "import numpy as np; r = np.random.RandomState(7); np.save('%t/x1.npy', r.randint(-128, 128, (1, 4, 5)).astype(np.int8)); np.save('%t/w1.npy', r.randint(-128, 128, (4, 2, 3)).astype(np.int8)); np.save('%t/x2.npy', r.randint(-128, 128, (2, 3, 5, 4)).astype(np.int8)); np.save('%t/w2.npy', r.randint(-128, 128, (2, 3, 3, 2)).astype(np.int8)); np.save('%t/x3.npy', r.randint(0, 256, (1, 2, 3, 3, 3)).astype(np.uint8)); np.save('%t/w3.npy', r.randint(-8, 8, (2, 1, 2, 2, 2)).astype(np.int8))"
// RUN: qcc-reference %s --entry grouped_1d --input x=%t/x1.npy --input w=%t/w1.npy --print | FileCheck %s --check-prefix=G1D
// RUN: qcc-reference %s --entry batch_2d --input x=%t/x2.npy --input w=%t/w2.npy --print | FileCheck %s --check-prefix=B2D
// RUN: qcc-reference %s --entry depthwise_3d --input x=%t/x3.npy --input w=%t/w3.npy --print | FileCheck %s --check-prefix=D3D

// ui8 input with x_zp = 128 and pads of 1: the padded border reads 128,
// which contributes nothing (the corner outputs see one real input each).
// Filter 1 has w_zp = 3.
// PAD: y: tensor<1x2x4x4xi32> = [16384, -32512, 16129, 0, 15232, -24457, 17463, -8128, -16138, -317, 32649, -16320, -127, 0, 255, -128, 16384, -16256, 0, 0, 15104, -9216, 8192, 0, -16256, -16256, 16384, 0, 0, 0, 0, 0]
func.func @padded(%x: tensor<1x1x3x3xui8> {qcc.name = "x"}, %w: tensor<2x1x2x2xi8> {qcc.name = "w"}) -> (tensor<1x2x4x4xi32> {qcc.name = "y"}) {
  %y = qnn.conv_integer %x, %w {x_zp = 128 : i64, w_zp = array<i64: 0, 3>, dilations = array<i64: 1, 1>,
                                group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
      : (tensor<1x1x3x3xui8>, tensor<2x1x2x2xi8>) -> tensor<1x2x4x4xi32>
  return %y : tensor<1x2x4x4xi32>
}

// 1-d, two groups, stride 2, dilation 2, asymmetric pads, per-filter zero
// points at the range ends and a bias whose INT32_MIN wraps.
// G1D: y: tensor<1x4x2xi32> = [9027, -15967, -23730, -3688, 15680, 8752, 2147470765, 2147469711]
func.func @grouped_1d(%x: tensor<1x4x5xi8> {qcc.name = "x"}, %w: tensor<4x2x3xi8> {qcc.name = "w"}) -> (tensor<1x4x2xi32> {qcc.name = "y"}) {
  %bias = arith.constant dense<[1, -2, 3, -2147483648]> : tensor<4xi32>
  %y = qnn.conv_integer %x, %w, %bias {x_zp = -5 : i64, w_zp = array<i64: 0, -128, 127, 1>, dilations = array<i64: 2>,
                                       group = 2 : i64, pads = array<i64: 2, 1>, strides = array<i64: 2>}
      : (tensor<1x4x5xi8>, tensor<4x2x3xi8>, tensor<4xi32>) -> tensor<1x4x2xi32>
  return %y : tensor<1x4x2xi32>
}

// Two images, strides (2, 1), dilations (1, 2), pads (0, 1, 2, 0).
// B2D: y: tensor<2x2x3x3xi32> = [17850, -31270, -5892, -18089, 37834, 5697, -1443, -1669, -17646, 530, -601, 15752, -2208, -8751, 8046, 7539, -3505, -16607, 5545, 15257, -6859, -6376, -3875, 20698, 5644, 3301, -1419, -2709, -14922, -7031, -13445, -13989, 31918, 11813, 12760, 14808]
func.func @batch_2d(%x: tensor<2x3x5x4xi8> {qcc.name = "x"}, %w: tensor<2x3x3x2xi8> {qcc.name = "w"}) -> (tensor<2x2x3x3xi32> {qcc.name = "y"}) {
  %y = qnn.conv_integer %x, %w {x_zp = 0 : i64, w_zp = array<i64: 7>, dilations = array<i64: 1, 2>,
                                group = 1 : i64, pads = array<i64: 0, 1, 2, 0>, strides = array<i64: 2, 1>}
      : (tensor<2x3x5x4xi8>, tensor<2x3x3x2xi8>) -> tensor<2x2x3x3xi32>
  return %y : tensor<2x2x3x3xi32>
}

// 3-d depthwise (group = channels) on ui8 with x_zp = 255.
// D3D: y: tensor<1x2x1x3x3xi32> = [-654, -832, -2293, 871, -357, -1431, -309, -1350, -1984, 1504, 1110, -96, 3049, 5348, 1483, 3711, 4307, 570]
func.func @depthwise_3d(%x: tensor<1x2x3x3x3xui8> {qcc.name = "x"}, %w: tensor<2x1x2x2x2xi8> {qcc.name = "w"}) -> (tensor<1x2x1x3x3xi32> {qcc.name = "y"}) {
  %y = qnn.conv_integer %x, %w {x_zp = 255 : i64, w_zp = array<i64: 0>, dilations = array<i64: 1, 1, 2>,
                                group = 2 : i64, pads = array<i64: 0, 1, 1, 0, 0, 1>, strides = array<i64: 2, 1, 1>}
      : (tensor<1x2x3x3x3xui8>, tensor<2x1x2x2x2xi8>) -> tensor<1x2x1x3x3xi32>
  return %y : tensor<1x2x1x3x3xi32>
}
