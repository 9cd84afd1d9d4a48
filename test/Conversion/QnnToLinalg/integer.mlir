// RUN: qcc-opt %s -split-input-file -qcc-convert-qnn-to-linalg | FileCheck %s

// requantize: 64-bit (x - zp) * M, + 2^(n-1), arithmetic shift, clamp.
// CHECK-LABEL: func.func @requantize
// CHECK: arith.extui %{{.*}} : i8 to i64
// CHECK: arith.muli
// CHECK: arith.addi %{{.*}}, %c2147483648_i64
// CHECK: arith.shrsi %{{.*}}, %c32_i64
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @requantize(%x: tensor<4xui8>) -> tensor<4xi8> {
  %y = qnn.requantize %x {input_zp = 128 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 32>, output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<4xui8> -> tensor<4xi8>
  return %y : tensor<4xi8>
}

// -----

// matmul_integer: one tagged contraction over X [M, K] and W^T [N, K].
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic
// CHECK-SAME: qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 3 : i64}
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
func.func @matmul(%a: tensor<2x4xui8>) -> tensor<2x3xi32> {
  %b = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8>
  %c = qnn.matmul_integer %a, %b {a_zp = 3 : i64, b_zp = array<i64: 0>} : (tensor<2x4xui8>, tensor<4x3xi8>) -> tensor<2x3xi32>
  return %c : tensor<2x3xi32>
}

// -----

// quantize / dequantize: f32 division, round half to even, saturation.
// CHECK-LABEL: func.func @boundary
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.fptosi
// CHECK: arith.sitofp
// CHECK: arith.mulf
func.func @boundary(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<u8:f32, 0.1:128>>
  %d = qnn.dequantize %q : tensor<4x!quant.uniform<u8:f32, 0.1:128>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// A windowed table (16-bit operand): the index is clamp(x, first,
// first + N - 1) - first, the entries widened to i32.
// CHECK-LABEL: func.func @lut_window
// CHECK: arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
// CHECK: arith.extui %{{.*}} : i16 to i64
// CHECK: arith.maxsi %{{.*}}, %c100_i64
// CHECK: arith.minsi %{{.*}}, %c103_i64
// CHECK: arith.subi %{{.*}}, %c100_i64
// CHECK: tensor.extract
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @lut_window(%x: tensor<4xui16>) -> tensor<4xui8> {
  %y = qnn.lut %x {first = 100 : i64, table = dense<[1, 2, 3, 4]> : tensor<4xui8>} : tensor<4xui16> -> tensor<4xui8>
  return %y : tensor<4xui8>
}
