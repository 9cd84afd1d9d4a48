// RUN: qcc-opt %s -split-input-file -qcc-integerize -canonicalize | FileCheck %s

// QDQ softmax: an exp table of the input scale (2^22 exp(-0.125 d)), and
// 1 / s_y = 256 as 2^30 * 2^-22.
!qx = !quant.uniform<u8:f32, 0.125:0>
!qy = !quant.uniform<u8:f32, 0.00390625:0>
// CHECK-LABEL: func.func @softmax
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<2x8xui8>
// CHECK: qnn.softmax_integer %[[X]] {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, exp_table = array<i32: 4194304, 3701460, 3266527, 2882700,
// CHECK-SAME: multiplier = 1073741824 : i64, output_zp = 0 : i64, shift = 22 : i64} : tensor<2x8xui8> -> tensor<2x8xui8>
// CHECK-NOT: qnn.softmax %
func.func @softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %xq = qnn.quantize %x : tensor<2x8xf32> -> tensor<2x8x!qx>
  %xd = qnn.dequantize %xq : tensor<2x8x!qx> -> tensor<2x8xf32>
  %s = qnn.softmax %xd {axis = 1 : i64} : tensor<2x8xf32>
  %yq = qnn.quantize %s : tensor<2x8xf32> -> tensor<2x8x!qy>
  %yd = qnn.dequantize %yq : tensor<2x8x!qy> -> tensor<2x8xf32>
  return %yd : tensor<2x8xf32>
}

// -----

// QDQ layer norm: eps in the integer statistics' units (eps N^2 / s_x^2),
// gamma / (s_y 2^16) as signed multipliers, beta 2^n / s_y as offsets.
!qx = !quant.uniform<u8:f32, 0.05:128>
!qy = !quant.uniform<u8:f32, 0.1:10>
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<3x4xui8>
// CHECK: qnn.layer_norm_integer %[[X]] {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, epsilon = 64 : i64, multiplier = array<i64: 1342177280, -1342177280, 1342177280, 0>, norm_shift = 16 : i64, offset = array<i64: 0, 10995116277760, 0, -10>, output_zp = 10 : i64, shift = array<i64: 43, 42, 44, 0>} : tensor<3x4xui8> -> tensor<3x4xui8>
func.func @layer_norm(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %g = arith.constant dense<[1.0, -2.0, 0.5, 0.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.25, 0.0, -1.0]> : tensor<4xf32>
  %xq = qnn.quantize %x : tensor<3x4xf32> -> tensor<3x4x!qx>
  %xd = qnn.dequantize %xq : tensor<3x4x!qx> -> tensor<3x4xf32>
  %l = qnn.layer_norm %xd, %g, %b {axis = 1 : i64, epsilon = 0.01 : f64} : (tensor<3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %yq = qnn.quantize %l : tensor<3x4xf32> -> tensor<3x4x!qy>
  %yd = qnn.dequantize %yq : tensor<3x4x!qy> -> tensor<3x4xf32>
  return %yd : tensor<3x4xf32>
}

// -----

// A 16-bit input (a residual stream at --residual-bits=16) and output:
// epsilon in the input's units is 0.01 * 4^2 / 0.0005^2.
!qx = !quant.uniform<u16:f32, 0.0005:32768>
!qy = !quant.uniform<u16:f32, 0.001:30000>
// CHECK-LABEL: func.func @layer_norm_16
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<3x4xui16>
// CHECK: qnn.layer_norm_integer %[[X]] {axis = 1 : i64, clamp_max = 65535 : i64, clamp_min = 0 : i64, epsilon = 640000 : i64, {{.*}} output_zp = 30000 : i64, {{.*}} : tensor<3x4xui16> -> tensor<3x4xui16>
func.func @layer_norm_16(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %g = arith.constant dense<[1.0, -2.0, 0.5, 0.0]> : tensor<4xf32>
  %b = arith.constant dense<[0.0, 0.25, 0.0, -1.0]> : tensor<4xf32>
  %xq = qnn.quantize %x : tensor<3x4xf32> -> tensor<3x4x!qx>
  %xd = qnn.dequantize %xq : tensor<3x4x!qx> -> tensor<3x4xf32>
  %l = qnn.layer_norm %xd, %g, %b {axis = 1 : i64, epsilon = 0.01 : f64} : (tensor<3x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  %yq = qnn.quantize %l : tensor<3x4xf32> -> tensor<3x4x!qy>
  %yd = qnn.dequantize %yq : tensor<3x4x!qy> -> tensor<3x4xf32>
  return %yd : tensor<3x4xf32>
}

// -----

// Attention's activation x activation product, batched with a broadcast
// batch axis: matmul_integer on both storage tensors, one multiplier
// (0.1 * 0.2 / 0.5).
!qa = !quant.uniform<u8:f32, 0.1:3>
!qb = !quant.uniform<u8:f32, 0.2:7>
!qy = !quant.uniform<u8:f32, 0.5:0>
// CHECK-LABEL: func.func @batched_matmul
// CHECK-DAG: %[[A:.*]] = qnn.storage_cast %{{.*}} -> tensor<1x2x4x5xui8>
// CHECK-DAG: %[[B:.*]] = qnn.storage_cast %{{.*}} -> tensor<3x1x5x6xui8>
// CHECK: %[[ACC:.*]] = qnn.matmul_integer %[[A]], %[[B]] {a_zp = 3 : i64, b_zp = array<i64: 7>} : (tensor<1x2x4x5xui8>, tensor<3x1x5x6xui8>) -> tensor<3x2x4x6xi32>
// CHECK: qnn.requantize %[[ACC]] {axis = 3 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = array<i32: 1374389535>, shift = array<i32: 35>}
func.func @batched_matmul(%a: tensor<1x2x4x5xf32>, %b: tensor<3x1x5x6xf32>) -> tensor<3x2x4x6xf32> {
  %aq = qnn.quantize %a : tensor<1x2x4x5xf32> -> tensor<1x2x4x5x!qa>
  %ad = qnn.dequantize %aq : tensor<1x2x4x5x!qa> -> tensor<1x2x4x5xf32>
  %bq = qnn.quantize %b : tensor<3x1x5x6xf32> -> tensor<3x1x5x6x!qb>
  %bd = qnn.dequantize %bq : tensor<3x1x5x6x!qb> -> tensor<3x1x5x6xf32>
  %c = qnn.matmul %ad, %bd : (tensor<1x2x4x5xf32>, tensor<3x1x5x6xf32>) -> tensor<3x2x4x6xf32>
  %yq = qnn.quantize %c : tensor<3x2x4x6xf32> -> tensor<3x2x4x6x!qy>
  %yd = qnn.dequantize %yq : tensor<3x2x4x6x!qy> -> tensor<3x2x4x6xf32>
  return %yd : tensor<3x2x4x6xf32>
}

// -----

// A batched B quantized per column (QLinearMatMul's 1-D b_scale on a 3-D
// b): one zero point and one multiplier per column for every batch
// (0.1 * {0.1, 0.2, 0.4} / 0.5 = 0.02, 0.04, 0.08).
!qa = !quant.uniform<i8:f32, 0.1:-2>
!qb = !quant.uniform<i8:f32:2, {0.1:1, 0.2:0, 0.4:-1}>
!qy = !quant.uniform<u8:f32, 0.5:10>
// CHECK-LABEL: func.func @batched_matmul_per_column
// CHECK-DAG: %[[A:.*]] = qnn.storage_cast %{{.*}} -> tensor<2x3x4xi8>
// CHECK-DAG: %[[B:.*]] = qnn.storage_cast %{{.*}} -> tensor<2x4x3xi8>
// CHECK: %[[ACC:.*]] = qnn.matmul_integer %[[A]], %[[B]] {a_zp = -2 : i64, b_zp = array<i64: 1, 0, -1>} : (tensor<2x3x4xi8>, tensor<2x4x3xi8>) -> tensor<2x3x3xi32>
// CHECK: qnn.requantize %[[ACC]] {axis = 2 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = array<i32: 1374389535, 1374389535, 1374389535>, output_zp = 10 : i64, shift = array<i32: 36, 35, 34>}
func.func @batched_matmul_per_column(%a: tensor<2x3x4xf32>, %b: tensor<2x4x3xf32>) -> tensor<2x3x3xf32> {
  %aq = qnn.quantize %a : tensor<2x3x4xf32> -> tensor<2x3x4x!qa>
  %ad = qnn.dequantize %aq : tensor<2x3x4x!qa> -> tensor<2x3x4xf32>
  %bq = qnn.quantize %b : tensor<2x4x3xf32> -> tensor<2x4x3x!qb>
  %bd = qnn.dequantize %bq : tensor<2x4x3x!qb> -> tensor<2x4x3xf32>
  %c = qnn.matmul %ad, %bd : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %yq = qnn.quantize %c : tensor<2x3x3xf32> -> tensor<2x3x3x!qy>
  %yd = qnn.dequantize %yq : tensor<2x3x3x!qy> -> tensor<2x3x3xf32>
  return %yd : tensor<2x3x3xf32>
}

// -----

// Parameters that vary per batch and column (a [2, 1, 3] grid) have no
// integer form (one requantize axis): the product stays in float.
!qa = !quant.uniform<i8:f32, 0.1:-2>
!qb = !quant.uniform<i8:f32:{0:1, 2:1}, {{{0.1, 0.2, 0.4}}, {{0.2, 0.2, 0.2}}}>
!qy = !quant.uniform<u8:f32, 0.5:10>
// CHECK-LABEL: func.func @batched_matmul_per_batch
// CHECK-NOT: qnn.matmul_integer
// CHECK: qnn.matmul %
func.func @batched_matmul_per_batch(%a: tensor<2x3x4xf32>, %b: tensor<2x4x3xf32>) -> tensor<2x3x3xf32> {
  %aq = qnn.quantize %a : tensor<2x3x4xf32> -> tensor<2x3x4x!qa>
  %ad = qnn.dequantize %aq : tensor<2x3x4x!qa> -> tensor<2x3x4xf32>
  %bq = qnn.quantize %b : tensor<2x4x3xf32> -> tensor<2x4x3x!qb>
  %bd = qnn.dequantize %bq : tensor<2x4x3x!qb> -> tensor<2x4x3xf32>
  %c = qnn.matmul %ad, %bd : (tensor<2x3x4xf32>, tensor<2x4x3xf32>) -> tensor<2x3x3xf32>
  %yq = qnn.quantize %c : tensor<2x3x3xf32> -> tensor<2x3x3x!qy>
  %yd = qnn.dequantize %yq : tensor<2x3x3x!qy> -> tensor<2x3x3xf32>
  return %yd : tensor<2x3x3xf32>
}

// -----

// Log-softmax has no integer form here: left in float.
!qx = !quant.uniform<u8:f32, 0.125:0>
!qy = !quant.uniform<u8:f32, 0.1:255>
// CHECK-LABEL: func.func @log_softmax
// CHECK-NOT: qnn.softmax_integer
// CHECK: qnn.softmax %{{.*}} {axis = 1 : i64, log = true}
func.func @log_softmax(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %xq = qnn.quantize %x : tensor<2x8xf32> -> tensor<2x8x!qx>
  %xd = qnn.dequantize %xq : tensor<2x8x!qx> -> tensor<2x8xf32>
  %s = qnn.softmax %xd {axis = 1 : i64, log = true} : tensor<2x8xf32>
  %yq = qnn.quantize %s : tensor<2x8xf32> -> tensor<2x8x!qy>
  %yd = qnn.dequantize %yq : tensor<2x8x!qy> -> tensor<2x8xf32>
  return %yd : tensor<2x8xf32>
}

// -----

// Attention over padding keys: softmax(where(mask, dequantize(x), lowest))
// is a masked integer softmax; the [B, S] mask gains leading unit axes.
!qx = !quant.uniform<u8:f32, 0.125:0>
!qy = !quant.uniform<u8:f32, 0.00390625:0>
// CHECK-LABEL: func.func @masked_softmax
// CHECK: %[[K:.*]] = qnn.reshape %arg1 : (tensor<8xi1>) -> tensor<1x8xi1>
// CHECK: qnn.softmax_integer %{{.*}} masked_by %[[K]] : tensor<1x8xi1> {axis = 1 : i64,
// CHECK-NOT: qnn.where
func.func @masked_softmax(%x: tensor<2x8xf32>, %k: tensor<8xi1>) -> tensor<2x8xf32> {
  %low = arith.constant dense<-3.40282347E+38> : tensor<1xf32>
  %xq = qnn.quantize %x : tensor<2x8xf32> -> tensor<2x8x!qx>
  %xd = qnn.dequantize %xq : tensor<2x8x!qx> -> tensor<2x8xf32>
  %w = qnn.where %k, %xd, %low : (tensor<8xi1>, tensor<2x8xf32>, tensor<1xf32>) -> tensor<2x8xf32>
  %s = qnn.softmax %w {axis = 1 : i64} : tensor<2x8xf32>
  %yq = qnn.quantize %s : tensor<2x8xf32> -> tensor<2x8x!qy>
  %yd = qnn.dequantize %yq : tensor<2x8x!qy> -> tensor<2x8xf32>
  return %yd : tensor<2x8xf32>
}

// -----

// A fill that is not far below every score would change the softmax of
// the kept elements: no integer form, the softmax stays float.
!qx = !quant.uniform<u8:f32, 0.125:0>
!qy = !quant.uniform<u8:f32, 0.00390625:0>
// CHECK-LABEL: func.func @where_fill_not_low
// CHECK-NOT: qnn.softmax_integer
// CHECK: qnn.softmax
func.func @where_fill_not_low(%x: tensor<2x8xf32>, %k: tensor<8xi1>) -> tensor<2x8xf32> {
  %fill = arith.constant dense<-4.0> : tensor<1xf32>
  %xq = qnn.quantize %x : tensor<2x8xf32> -> tensor<2x8x!qx>
  %xd = qnn.dequantize %xq : tensor<2x8x!qx> -> tensor<2x8xf32>
  %w = qnn.where %k, %xd, %fill : (tensor<8xi1>, tensor<2x8xf32>, tensor<1xf32>) -> tensor<2x8xf32>
  %s = qnn.softmax %w {axis = 1 : i64} : tensor<2x8xf32>
  %yq = qnn.quantize %s : tensor<2x8xf32> -> tensor<2x8x!qy>
  %yd = qnn.dequantize %yq : tensor<2x8x!qy> -> tensor<2x8xf32>
  return %yd : tensor<2x8xf32>
}
