// RUN: qcc-opt %s -split-input-file -qcc-verify-sparse-24 -verify-diagnostics

// Valid: positions (1, 2) and (0, 2) (0x89), (2, 3) and (0, 1) (0x4E).
func.func @valid(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %v = arith.constant dense<[[-4, 3, 2, -3], [5, 6, 0, 7]]> : tensor<2x4xi8>
  %i = arith.constant dense<[[137], [78]]> : tensor<2x1xui8>
  %y = qnn.matmul_sparse24_integer %a, %v, %i {a_zp = 128 : i64} : (tensor<3x8xui8>, tensor<2x4xi8>, tensor<2x1xui8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// Corrupt packed positions: output channel 1, group 1 holds nibble 0x5,
// positions (1, 1).
func.func @corrupt_indices(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %v = arith.constant dense<[[-4, 3, 2, -3], [5, 6, 0, 7]]> : tensor<2x4xi8>
  %i = arith.constant dense<[[137], [94]]> : tensor<2x1xui8>
  // expected-error @below {{qcc-verify-sparse-24: layer 'qnn.matmul_sparse24_integer' violates 2:4: output channel 1, group 1 names positions (1, 1), not two distinct increasing positions of 4}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i {a_zp = 128 : i64} : (tensor<3x8xui8>, tensor<2x4xi8>, tensor<2x1xui8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// A layer marked 2:4 whose weights were changed afterwards (float level).
func.func @corrupt_dense(%x: tensor<1x8x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %w = arith.constant dense<[[[[0.5]], [[0.0]], [[1.0]], [[0.0]], [[-0.75]], [[0.3]], [[0.9]], [[0.0]]]]> : tensor<1x8x1x1xf32>
  // expected-error @below {{qcc-verify-sparse-24: layer 'qnn.conv' violates 2:4: output channel 0 keeps 3 nonzero weights in group 1 (reduction elements 4..7)}}
  %y = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.sparse24} : (tensor<1x8x2x2xf32>, tensor<1x8x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}
