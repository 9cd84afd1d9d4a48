// RUN: qcc-opt %s -split-input-file -qcc-convert-qnn-to-linalg | FileCheck %s

// A convolution with one weight zero point and at least 8 output pixels
// takes the filters as the rows of its qcc.qgemm (X = weights [F, C*kh*kw],
// W = patches [pixels, C*kh*kw]) and writes F x pixels row-major, the NCHW
// layout, with no transposed output map.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[O:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @filters_as_rows
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]]
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<4x18xi8>, tensor<16x18xi8>) outs(%{{.*}} : tensor<4x16xi32>)
// CHECK-SAME: qcc.qgemm = {w_unsigned = true, w_zp = 7 : i64, x_unsigned = false, x_zp = 0 : i64}
func.func @filters_as_rows(%x: tensor<1x2x6x6xui8>) -> tensor<1x4x4x4xi32> {
  %w = arith.constant dense<1> : tensor<4x2x3x3xi8>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// Per-filter weight zero points (or fewer than 8 pixels) keep the patches
// as rows and a transposed output map.
// CHECK-LABEL: func.func @patches_as_rows
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}, #{{.+}}]
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<16x18xi8>, tensor<4x18xi8>, tensor<4xi32>) outs(%{{.*}} : tensor<4x16xi32>)
// CHECK-SAME: qcc.qgemm = {w_unsigned = false, x_unsigned = true, x_zp = 7 : i64}
func.func @patches_as_rows(%x: tensor<1x2x6x6xui8>) -> tensor<1x4x4x4xi32> {
  %w = arith.constant dense<1> : tensor<4x2x3x3xi8>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 1, 0, 2>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// Filters that are not ternary, one weight zero point, at least 8 pixels, a
// 2-D batch-1 ungrouped convolution: the convolution itself over the padded
// input (padded with the input zero point), tagged qcc.qconv for the
// runtime's implicit-im2col kernel; no patch matrix.
// CHECK-DAG: #[[CX:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d3, d1 * 2 + d4, d2 + d5 * 2)>
// CHECK-DAG: #[[CW:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d4, d5)>
// CHECK-DAG: #[[CO:.+]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d0, d1, d2)>
// CHECK-LABEL: func.func @implicit_patches
// CHECK: tensor.pad
// CHECK: tensor.yield %{{.*}} : i8
// CHECK-NOT: tensor<16x18xi8>
// CHECK: linalg.generic {indexing_maps = [#[[CX]], #[[CW]], #[[CO]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<1x2x10x8xi8>, tensor<4x2x3x3xi8>) outs(%{{.*}} : tensor<1x4x4x4xi32>)
// CHECK-SAME: qcc.qconv = {dilations = array<i64: 1, 2>, strides = array<i64: 2, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 7 : i64}
func.func @implicit_patches(%x: tensor<1x2x8x6xui8>) -> tensor<1x4x4x4xi32> {
  %w = arith.constant dense<3> : tensor<4x2x3x3xi8>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x8x6xui8>, tensor<4x2x3x3xi8>) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// A batch of two keeps the direct grouped form (no qcc.qconv).
// CHECK-LABEL: func.func @batch_two
// CHECK-NOT: qcc.qconv
// CHECK: return
func.func @batch_two(%x: tensor<2x2x6x6xui8>) -> tensor<2x4x4x4xi32> {
  %w = arith.constant dense<3> : tensor<4x2x3x3xi8>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<2x2x6x6xui8>, tensor<4x2x3x3xi8>) -> tensor<2x4x4x4xi32>
  return %y : tensor<2x4x4x4xi32>
}
