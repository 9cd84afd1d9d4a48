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
