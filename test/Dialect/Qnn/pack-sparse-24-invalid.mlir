// RUN: qcc-opt %s -split-input-file -qcc-pack-sparse-24 -verify-diagnostics

func.func @dense_group(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<[[1, 0], [-4, 0], [3, 5], [0, 6], [2, 0], [0, 7], [-3, 0], [0, 0]]> : tensor<8x2xi8>
  // expected-error @below {{qcc-pack-sparse-24: layer 'qnn.matmul_integer' is marked 2:4 but output channel 0 keeps 3 nonzero weights in group 0 (reduction elements 0..3): not 2:4}}
  %y = qnn.matmul_integer %a, %w {a_zp = 128 : i64, b_zp = array<i64: 0>, qcc.sparse24} : (tensor<3x8xui8>, tensor<8x2xi8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

func.func @zero_point(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %w = arith.constant dense<0> : tensor<8x2xui8>
  // expected-error @below {{is marked 2:4 but its weight zero points are not 0}}
  %y = qnn.matmul_integer %a, %w {a_zp = 128 : i64, b_zp = array<i64: 128>, qcc.sparse24} : (tensor<3x8xui8>, tensor<8x2xui8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

func.func @kernel3(%x: tensor<1x4x5x5xi8>) -> tensor<1x2x3x3xi32> {
  %w = arith.constant dense<0> : tensor<2x4x3x3xi8>
  // expected-error @below {{only 1x1, stride-1, unpadded convolutions of one group and batch 1 pack}}
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, w_zp = array<i64: 0>, x_zp = 0 : i64, qcc.sparse24} : (tensor<1x4x5x5xi8>, tensor<2x4x3x3xi8>) -> tensor<1x2x3x3xi32>
  return %y : tensor<1x2x3x3xi32>
}
