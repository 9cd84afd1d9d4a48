// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @values_width(%a: tensor<2x16xui8>, %v: tensor<4x7xi8>, %i: tensor<4x2xui8>) -> tensor<2x4xi32> {
  // expected-error @below {{values rows have 7 elements, expected K/2 = 8}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x16xui8>, tensor<4x7xi8>, tensor<4x2xui8>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @indices_shape(%a: tensor<2x16xui8>, %v: tensor<4x8xi8>, %i: tensor<4x3xui8>) -> tensor<2x4xi32> {
  // expected-error @below {{indices must be [4, 2] (two 2-bit positions per group of 4), got 'tensor<4x3xui8>'}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x16xui8>, tensor<4x8xi8>, tensor<4x3xui8>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @k_not_multiple(%a: tensor<2x6xui8>, %v: tensor<4x3xi8>, %i: tensor<4x1xui8>) -> tensor<2x4xi32> {
  // expected-error @below {{A's last axis has 6 elements, not a multiple of 4 (2:4 groups)}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x6xui8>, tensor<4x3xi8>, tensor<4x1xui8>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @wide_a(%a: tensor<2x16xi16>, %v: tensor<4x8xi8>, %i: tensor<4x2xui8>) -> tensor<2x4xi32> {
  // expected-error @below {{A must have an 8-bit integer element type}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x16xi16>, tensor<4x8xi8>, tensor<4x2xui8>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @signed_indices(%a: tensor<2x16xui8>, %v: tensor<4x8xi8>, %i: tensor<4x2xi8>) -> tensor<2x4xi32> {
  // expected-error @below {{indices must have element type ui8}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x16xui8>, tensor<4x8xi8>, tensor<4x2xi8>) -> tensor<2x4xi32>
  return %y : tensor<2x4xi32>
}

// -----

func.func @result_shape(%a: tensor<2x16xui8>, %v: tensor<4x8xi8>, %i: tensor<4x2xui8>) -> tensor<2x5xi32> {
  // expected-error @below {{}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i : (tensor<2x16xui8>, tensor<4x8xi8>, tensor<4x2xui8>) -> tensor<2x5xi32>
  return %y : tensor<2x5xi32>
}
