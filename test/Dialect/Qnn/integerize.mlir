// RUN: qcc-opt %s -split-input-file -qcc-integerize -canonicalize | FileCheck %s

// Conv + bias + ReLU between dequantize and quantize: integer conv, int32
// bias (b / (sx * sw[c])), per-channel requantize with the ReLU as clamp.
!qx = !quant.uniform<u8:f32, 0.05:128>
!qw = !quant.uniform<i8:f32:0, {0.02, 0.03}>
!qy = !quant.uniform<u8:f32, 0.1:10>
// CHECK-LABEL: func.func @conv
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[500, -167]> : tensor<2xi32>
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<1x3x6x6xui8>
// CHECK: %[[ACC:.*]] = qnn.conv_integer %[[X]], %{{.*}}, %[[B]] {{{.*}}w_zp = array<i64: 0, 0>, x_zp = 128 : i64}
// CHECK: qnn.requantize %[[ACC]] {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 10 : i64, multiplier = array<i32: 1374389535, 2061584302>, output_zp = 10 : i64, shift = array<i32: 37, 37>}
// CHECK-NOT: qnn.conv %
func.func @conv(%x: tensor<1x3x6x6xf32>) -> tensor<1x2x6x6xf32> {
  %xq = qnn.quantize %x : tensor<1x3x6x6xf32> -> tensor<1x3x6x6x!qx>
  %xd = qnn.dequantize %xq : tensor<1x3x6x6x!qx> -> tensor<1x3x6x6xf32>
  %wi = arith.constant dense<[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]], [[[-1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]> : tensor<2x3x3x3xi8>
  %wq = qnn.storage_cast %wi : tensor<2x3x3x3xi8> -> tensor<2x3x3x3x!qw>
  %wd = qnn.dequantize %wq : tensor<2x3x3x3x!qw> -> tensor<2x3x3x3xf32>
  %b = arith.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %c = qnn.conv %xd, %wd, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x3x6x6xf32>, tensor<2x3x3x3xf32>, tensor<2xf32>) -> tensor<1x2x6x6xf32>
  %r = qnn.relu %c : tensor<1x2x6x6xf32>
  %yq = qnn.quantize %r : tensor<1x2x6x6xf32> -> tensor<1x2x6x6x!qy>
  %yd = qnn.dequantize %yq : tensor<1x2x6x6x!qy> -> tensor<1x2x6x6xf32>
  return %yd : tensor<1x2x6x6xf32>
}

// -----

// A function of one input (x / 6): a 256-entry table.
!qa = !quant.uniform<u8:f32, 0.25:0>
!qb = !quant.uniform<u8:f32, 0.25:0>
// CHECK-LABEL: func.func @table
// q / 6 rounded half to even: 0..3 -> 0, 4..8 -> 1, 9 (1.5) -> 2, 15 (2.5) -> 2.
// CHECK: qnn.lut %{{.*}} {table = dense<"0x00000000010101010102020202020202030303{{.*}}> : tensor<256xui8>}
func.func @table(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = arith.constant dense<6.0> : tensor<f32>
  %q = qnn.quantize %x : tensor<8xf32> -> tensor<8x!qa>
  %d = qnn.dequantize %q : tensor<8x!qa> -> tensor<8xf32>
  %v = qnn.div %d, %c : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %q2 = qnn.quantize %v : tensor<8xf32> -> tensor<8x!qb>
  %d2 = qnn.dequantize %q2 : tensor<8x!qb> -> tensor<8xf32>
  return %d2 : tensor<8xf32>
}

// -----

// Add of two quantized tensors: one shared shift, two multipliers.
!qa = !quant.uniform<i8:f32, 0.5>
!qb = !quant.uniform<i8:f32, 0.25>
!qc = !quant.uniform<i8:f32, 1.0>
// CHECK-LABEL: func.func @add
// CHECK: qnn.qadd %{{.*}}, %{{.*}} {a_multiplier = 1073741824 : i64, a_zp = 0 : i64, b_multiplier = 536870912 : i64, b_zp = 0 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, output_zp = 0 : i64, shift = 31 : i64}
func.func @add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %aq = qnn.quantize %a : tensor<4xf32> -> tensor<4x!qa>
  %ad = qnn.dequantize %aq : tensor<4x!qa> -> tensor<4xf32>
  %bq = qnn.quantize %b : tensor<4xf32> -> tensor<4x!qb>
  %bd = qnn.dequantize %bq : tensor<4x!qb> -> tensor<4xf32>
  %s = qnn.add %ad, %bd : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %sq = qnn.quantize %s : tensor<4xf32> -> tensor<4x!qc>
  %sd = qnn.dequantize %sq : tensor<4x!qc> -> tensor<4xf32>
  return %sd : tensor<4xf32>
}

// -----

// Gather with constant indices moves values: the same gather on the
// integers (equal parameters, so no requantize).
!q = !quant.uniform<u8:f32, 0.05:3>
// CHECK-LABEL: func.func @gather
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<1x8x1xui8>
// CHECK: %[[G:.*]] = qnn.gather %[[X]], %{{.*}} {axis = 2 : i64} : (tensor<1x8x1xui8>, tensor<i64>) -> tensor<1x8xui8>
// CHECK-NOT: qnn.requantize
// CHECK: qnn.storage_cast %[[G]]
func.func @gather(%x: tensor<1x8x1xf32>) -> tensor<1x8xf32> {
  %i = arith.constant dense<0> : tensor<i64>
  %xq = qnn.quantize %x : tensor<1x8x1xf32> -> tensor<1x8x1x!q>
  %xd = qnn.dequantize %xq : tensor<1x8x1x!q> -> tensor<1x8x1xf32>
  %g = qnn.gather %xd, %i {axis = 2 : i64} : (tensor<1x8x1xf32>, tensor<i64>) -> tensor<1x8xf32>
  %gq = qnn.quantize %g : tensor<1x8xf32> -> tensor<1x8x!q>
  %gd = qnn.dequantize %gq : tensor<1x8x!q> -> tensor<1x8xf32>
  return %gd : tensor<1x8xf32>
}

// -----

// A unary function of a 16-bit tensor (an LSTM's tanh of its 16-bit cell
// state) is a windowed table: tanh(0.5 (q - 32768)) in u8 steps of 2/255
// (zero point 128) is 255 for every q >= 32774 (x >= 3); at the bottom, 1
// down to q = 32730 and 0 (-127.5 rounded to even) from q = 32729 (x =
// -19.5, where tanh is -1 in double) on, so 46 entries from first = 32729
// cover all 65536 inputs.
!c16 = !quant.uniform<u16:f32, 0.5:32768>
!t8 = !quant.uniform<u8:f32, 0.0078431372549019607:128>
// CHECK-LABEL: func.func @table16
// CHECK: qnn.lut %{{.*}} {first = 32729 : i64, table = dense<[0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 5, 13, 31, 69, 128, 187, 225, 243, 251, 254, 255]> : tensor<46xui8>} : tensor<4xui16> -> tensor<4xui8>
func.func @table16(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!c16>
  %d = qnn.dequantize %q : tensor<4x!c16> -> tensor<4xf32>
  %t = qnn.tanh %d : tensor<4xf32>
  %q2 = qnn.quantize %t : tensor<4xf32> -> tensor<4x!t8>
  %d2 = qnn.dequantize %q2 : tensor<4x!t8> -> tensor<4xf32>
  return %d2 : tensor<4xf32>
}

// -----

// A concatenation of an 8-bit and a 16-bit part into a 16-bit result (an
// LSTM's h and c into its state output): the 8-bit part is requantized to
// the result's parameters: (2/255) / 0.5 = 1077952576 * 2^-36.
!h8 = !quant.uniform<u8:f32, 0.0078431372549019607:128>
!c16 = !quant.uniform<u16:f32, 0.5:32768>
// CHECK-LABEL: func.func @concat16
// CHECK: %[[H:.*]] = qnn.requantize %{{.*}} {clamp_max = 65535 : i64, clamp_min = 0 : i64, input_zp = 128 : i64, multiplier = array<i32: 1077952576>, output_zp = 32768 : i64, shift = array<i32: 36>} : tensor<1x4xui8> -> tensor<1x4xui16>
// CHECK: qnn.concat %[[H]], %{{.*}} {axis = 0 : i64} : (tensor<1x4xui16>, tensor<1x4xui16>) -> tensor<2x4xui16>
func.func @concat16(%h: tensor<1x4xf32>, %c: tensor<1x4xf32>) -> tensor<2x4xf32> {
  %qh = qnn.quantize %h : tensor<1x4xf32> -> tensor<1x4x!h8>
  %dh = qnn.dequantize %qh : tensor<1x4x!h8> -> tensor<1x4xf32>
  %qc = qnn.quantize %c : tensor<1x4xf32> -> tensor<1x4x!c16>
  %dc = qnn.dequantize %qc : tensor<1x4x!c16> -> tensor<1x4xf32>
  %s = qnn.concat %dh, %dc {axis = 0 : i64} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  %qs = qnn.quantize %s : tensor<2x4xf32> -> tensor<2x4x!c16>
  %ds = qnn.dequantize %qs : tensor<2x4x!c16> -> tensor<2x4xf32>
  return %ds : tensor<2x4xf32>
}
