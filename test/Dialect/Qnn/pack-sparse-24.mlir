// RUN: qcc-opt %s -split-input-file -qcc-pack-sparse-24 -qcc-verify-sparse-24 | FileCheck %s

// B [K = 8, N = 2]: column 0 keeps rows 1, 2 | 4, 6; column 1 keeps 2, 3 |
// 5 and one zero (position 4, the lowest free one, fills in). Values in
// position order; nibbles p0 | p1 << 2, group 0 in the low nibble.
// Column 0: group 0 (1, 2) -> 0x9, group 1 (0, 2) -> 0x8: byte 0x89 = 137.
// Column 1: group 0 (2, 3) -> 0xE, group 1 (0, 1) -> 0x4: byte 0x4E = 78.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[-4, 3, 2, -3], [5, 6, 0, 7]]> : tensor<2x4xi8>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<{{\[}}[137], [78]]> : tensor<2x1xui8>
// CHECK: qnn.matmul_sparse24_integer %arg0, %[[V]], %[[I]], %{{.*}} {a_zp = 128 : i64} : (tensor<3x8xui8>, tensor<2x4xi8>, tensor<2x1xui8>, tensor<2xi32>) -> tensor<3x2xi32>
// CHECK-NOT: qcc.sparse24
func.func @matmul(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[0, 0], [-4, 0], [3, 5], [0, 6], [2, 0], [0, 7], [-3, 0], [0, 0]]> : tensor<8x2xi8>
  %b = arith.constant dense<[10, -10]> : tensor<2xi32>
  %y = qnn.matmul_integer %a, %w, %b {a_zp = 128 : i64, b_zp = array<i64: 0>, qcc.sparse24} : (tensor<3x8xui8>, tensor<8x2xi8>, tensor<2xi32>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// A 1x1 convolution: channels-last rows, the product, and back to NCHW.
// CHECK-LABEL: func.func @conv
// CHECK: %[[T:.*]] = qnn.transpose %arg0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x3x5xi8>) -> tensor<1x3x5x4xi8>
// CHECK: %[[Y:.*]] = qnn.matmul_sparse24_integer %[[T]], %{{.*}}, %{{.*}} {a_zp = -3 : i64} : (tensor<1x3x5x4xi8>, tensor<2x2xi8>, tensor<2x1xui8>) -> tensor<1x3x5x2xi32>
// CHECK: qnn.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x5x2xi32>) -> tensor<1x2x3x5xi32>
func.func @conv(%x: tensor<1x4x3x5xi8>) -> tensor<1x2x3x5xi32> {
  %w = arith.constant dense<[[[[1]], [[0]], [[0]], [[-1]]], [[[0]], [[2]], [[3]], [[0]]]]> : tensor<2x4x1x1xi8>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0>, x_zp = -3 : i64, qcc.sparse24} : (tensor<1x4x3x5xi8>, tensor<2x4x1x1xi8>) -> tensor<1x2x3x5xi32>
  return %y : tensor<1x2x3x5xi32>
}
