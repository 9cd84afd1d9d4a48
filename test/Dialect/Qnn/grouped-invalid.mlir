// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @weight_bits(%a: tensor<2x64xui8>, %w: tensor<16x64xi16>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi16>) {
  // expected-error @+1 {{weight must have an integer element type of 2 to 8 bits}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi16>, tensor<16x2xi32>, tensor<16x2xi16>) -> tensor<2x16xi32>
  return
}

// -----

func.func @group_divides(%a: tensor<2x64xui8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi4>) {
  // expected-error @+1 {{group_size 48 does not divide the reduction length 64}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 48 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x16xi32>
  return
}

// -----

func.func @zp_shape(%a: tensor<2x64xui8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x4xi4>) {
  // expected-error @+1 {{w_zp must be 'tensor<16x2xi4>', got 'tensor<16x4xi4>'}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x4xi4>) -> tensor<2x16xi32>
  return
}

// -----

func.func @zp_type(%a: tensor<2x64xui8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi8>) {
  // expected-error @+1 {{w_zp must be 'tensor<16x2xi4>'}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi8>) -> tensor<2x16xi32>
  return
}

// -----

func.func @negative_sub_scale(%a: tensor<2x64xui8>, %w: tensor<16x64xi4>, %zp: tensor<16x2xi4>) {
  %sc = arith.constant dense<-1> : tensor<16x2xi32>
  // expected-error @+1 {{sub-scale -1 is negative}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x16xi32>
  return
}

// -----

func.func @k_mismatch(%a: tensor<2x32xui8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi4>) {
  // expected-error @+1 {{A's last axis has 32 elements, the weight rows 64}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x32xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x16xi32>
  return
}

// -----

func.func @a_zp_range(%a: tensor<2x64xi8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi4>) {
  // expected-error @+1 {{A zero point 200 is outside the operand range [-128, 127]}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 200 : i64, group_size = 32 : i64}
      : (tensor<2x64xi8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x16xi32>
  return
}

// -----

func.func @result_shape(%a: tensor<2x64xui8>, %w: tensor<16x64xi4>, %sc: tensor<16x2xi32>, %zp: tensor<16x2xi4>) {
  // expected-error @+1 {{result shape}}
  %c = qnn.matmul_grouped_integer %a, %w, %sc, %zp {a_zp = 0 : i64, group_size = 32 : i64}
      : (tensor<2x64xui8>, tensor<16x64xi4>, tensor<16x2xi32>, tensor<16x2xi4>) -> tensor<2x8xi32>
  return
}

// -----

func.func @conv_group(%x: tensor<1x8x4x4xui8>, %w: tensor<8x4x1x1xi4>, %sc: tensor<8x1xi32>, %zp: tensor<8x1xi4>) {
  // expected-error @+1 {{grouped weights need group = 1, got 2}}
  %y = qnn.conv_grouped_integer %x, %w, %sc, %zp {x_zp = 0 : i64, group_size = 4 : i64,
         dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x8x4x4xui8>, tensor<8x4x1x1xi4>, tensor<8x1xi32>, tensor<8x1xi4>) -> tensor<1x8x4x4xi32>
  return
}

// -----

func.func @conv_groups(%x: tensor<1x8x4x4xui8>, %w: tensor<4x8x3x3xi4>, %sc: tensor<4x2xi32>, %zp: tensor<4x2xi4>) {
  // expected-error @+1 {{w_zp must be 'tensor<4x9xi4>'}}
  %y = qnn.conv_grouped_integer %x, %w, %sc, %zp {x_zp = 0 : i64, group_size = 8 : i64,
         dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
      : (tensor<1x8x4x4xui8>, tensor<4x8x3x3xi4>, tensor<4x2xi32>, tensor<4x2xi4>) -> tensor<1x4x4x4xi32>
  return
}
