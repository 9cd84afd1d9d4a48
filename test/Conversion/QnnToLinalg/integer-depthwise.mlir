// RUN: qcc-opt %s -split-input-file -qcc-lower-qnn-to-linalg | FileCheck %s

// A depthwise convolution (one filter per channel, one weight zero point)
// becomes one generic over (c, oy, ox, ky, kx) on the zero-point-padded
// input, tagged qcc.qconv with `depthwise` for the runtime's
// qcc_rt_qdwconv_s8; its requantize and table become the tagged epilogue
// generic, as for the implicit-im2col convolution.
// CHECK-LABEL: func.func @depthwise_requant_table
// CHECK: tensor.pad
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x3x9x9xi8>, tensor<3x1x3x3xi8>)
// CHECK-SAME: qcc.qconv = {depthwise, dilations = array<i64: 1, 1>, strides = array<i64: 2, 2>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 9 : i64}
// CHECK: %[[E:.+]] = linalg.generic
// CHECK-SAME: qcc.qconv_epilogue = {bias, clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000>, output_zp = 128 : i64, shift = array<i32: 36, 37, 38>, table = array<i8: -128, -127, -126,
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]]
func.func @depthwise_requant_table(%x: tensor<1x3x7x7xui8>) -> tensor<1x3x4x4xi8> {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]]], [[[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]], [[[-96, -47, -107], [26, -113, 9], [114, 70, 90]]]]> : tensor<3x1x3x3xi8>
  %b = arith.constant dense<[100, -200, 300]> : tensor<3xi32>
  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, group = 3 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, w_zp = array<i64: 0, 0, 0>, x_zp = 9 : i64} : (tensor<1x3x7x7xui8>, tensor<3x1x3x3xi8>, tensor<3xi32>) -> tensor<1x3x4x4xi32>
  %r = qnn.requantize %y {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, input_zp = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000>, output_zp = 128 : i64, shift = array<i32: 36, 37, 38>} : tensor<1x3x4x4xi32> -> tensor<1x3x4x4xui8>
  %t = qnn.lut %r {table = dense<[-128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127]> : tensor<256xi8>} : tensor<1x3x4x4xui8> -> tensor<1x3x4x4xi8>
  return %t : tensor<1x3x4x4xi8>
}

// -----

// Without a requantize to fuse, the tagged depthwise generic and a bias add.
// CHECK-LABEL: func.func @depthwise_int32
// CHECK: linalg.generic
// CHECK-SAME: qcc.qconv = {depthwise, dilations = array<i64: 2, 2>, strides = array<i64: 1, 1>, w_unsigned = false, w_zp = 3 : i64, x_unsigned = false, x_zp = -4 : i64}
// CHECK-NOT: qcc.qconv_epilogue
// CHECK: return
func.func @depthwise_int32(%x: tensor<1x2x8x8xi8>) -> tensor<1x2x4x4xi32> {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]]], [[[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]]]> : tensor<2x1x3x3xi8>
  %b = arith.constant dense<[100, -200]> : tensor<2xi32>
  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: 2, 2>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 3, 3>, x_zp = -4 : i64} : (tensor<1x2x8x8xi8>, tensor<2x1x3x3xi8>, tensor<2xi32>) -> tensor<1x2x4x4xi32>
  return %y : tensor<1x2x4x4xi32>
}

// -----

// Not for the depthwise kernel: two filters per channel, weight zero points
// that differ between filters, and a batch of two keep the grouped loops.
// CHECK-LABEL: func.func @grouped_loops
// CHECK-NOT: qcc.qconv
// CHECK: return
func.func @grouped_loops(%x: tensor<1x2x6x6xui8>, %x2: tensor<2x2x6x6xui8>) -> (tensor<1x4x4x4xi32>, tensor<1x2x4x4xi32>, tensor<2x2x4x4xi32>) {
  %w4 = arith.constant dense<1> : tensor<4x1x3x3xi8>
  %w = arith.constant dense<2> : tensor<2x1x3x3xi8>
  %a = qnn.conv_integer %x, %w4 {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 1 : i64} : (tensor<1x2x6x6xui8>, tensor<4x1x3x3xi8>) -> tensor<1x4x4x4xi32>
  %b = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 1>, x_zp = 1 : i64} : (tensor<1x2x6x6xui8>, tensor<2x1x3x3xi8>) -> tensor<1x2x4x4xi32>
  %c = qnn.conv_integer %x2, %w {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0>, x_zp = 1 : i64} : (tensor<2x2x6x6xui8>, tensor<2x1x3x3xi8>) -> tensor<2x2x4x4xi32>
  return %a, %b, %c : tensor<1x4x4x4xi32>, tensor<1x2x4x4xi32>, tensor<2x2x4x4xi32>
}
