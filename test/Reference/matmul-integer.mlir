// qnn.matmul_integer: bias[j] + sum_k (A[i,k] - a_zp)(B[k,j] - b_zp[j]),
// exact modulo 2^32 (int32 wraparound), numpy batch broadcasting.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.array([[0, 255, 128, 7], [255, 255, 255, 255]], np.uint8)); np.save('%t/b.npy', np.array([[-128, 127, 0], [1, -1, 127], [-128, -128, -128], [5, 0, -7]], np.int8))"
// RUN: qcc-reference %s --entry per_column --input a=%t/a.npy --input b=%t/b.npy --print | FileCheck %s --check-prefix=COL
// RUN: qcc-reference %s --entry wraparound --input a=%t/a.npy --input b=%t/b.npy --print | FileCheck %s --check-prefix=WRAP
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.arange(-12, 12, dtype=np.int8).reshape(2, 1, 3, 4) * 10); np.save('%t/w.npy', np.arange(-8, 16, dtype=np.int8).reshape(3, 4, 2)); np.save('%t/v.npy', np.array([3, -4, 5, -6], np.int8))"
// RUN: qcc-reference %s --entry batched --input x=%t/x.npy --input w=%t/w.npy --print | FileCheck %s --check-prefix=BATCH
// RUN: qcc-reference %s --entry vector --input v=%t/v.npy --input w=%t/w.npy --print | FileCheck %s --check-prefix=VEC

// ui8 x i8 with a_zp = 128 and one zero point per column (-128, 127, 0:
// the ends of the range), plus a bias.
// COL: c: tensor<2x3xi32> = [300, -909, 17006, 33284, -64790, -986]
func.func @per_column(%a: tensor<2x4xui8> {qcc.name = "a"}, %b: tensor<4x3xi8> {qcc.name = "b"}) -> (tensor<2x3xi32> {qcc.name = "c"}) {
  %bias = arith.constant dense<[10, -20, 30]> : tensor<3xi32>
  %c = qnn.matmul_integer %a, %b, %bias {a_zp = 128 : i64, b_zp = array<i64: -128, 127, 0>}
      : (tensor<2x4xui8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi32>
  return %c : tensor<2x3xi32>
}

// A bias at the int32 limits: negative sums past INT32_MIN and positive
// sums past INT32_MAX wrap around (two's complement).
// WRAP: c: tensor<2x3xi32> = [2147467554, -16634, -2147467697, 2147419898, -505, 2147481607]
func.func @wraparound(%a: tensor<2x4xui8> {qcc.name = "a"}, %b: tensor<4x3xi8> {qcc.name = "b"}) -> (tensor<2x3xi32> {qcc.name = "c"}) {
  %bias = arith.constant dense<[-2147483648, 5, 2147483647]> : tensor<3xi32>
  %c = qnn.matmul_integer %a, %b, %bias {a_zp = 0 : i64, b_zp = array<i64: 0>}
      : (tensor<2x4xui8>, tensor<4x3xi8>, tensor<3xi32>) -> tensor<2x3xi32>
  return %c : tensor<2x3xi32>
}

// Batch broadcasting: [2, 1, 3, 4] x [3, 4, 2] -> [2, 3, 3, 2].
// BATCH: c: tensor<2x3x3x2xi32> = [2596, 932, 1636, 612, 676, 292, -732, -2396, -412, -1436, -92, -476, -4060, -5724, -2460, -3484, -860, -1244, -284, -28, -1244, -348, -2204, -668, 228, 484, 548, 1444, 868, 2404, 740, 996, 2340, 3236, 3940, 5476]
func.func @batched(%x: tensor<2x1x3x4xi8> {qcc.name = "x"}, %w: tensor<3x4x2xi8> {qcc.name = "w"}) -> (tensor<2x3x3x2xi32> {qcc.name = "c"}) {
  %c = qnn.matmul_integer %x, %w {a_zp = -1 : i64, b_zp = array<i64: 1, -2>}
      : (tensor<2x1x3x4xi8>, tensor<3x4x2xi8>) -> tensor<2x3x3x2xi32>
  return %c : tensor<2x3x3x2xi32>
}

// A rank-1 left operand against batched matrices: [4] x [3, 4, 2] -> [3, 2].
// VEC: c: tensor<3x2xi32> = [-8, -10, -24, -26, -40, -42]
func.func @vector(%v: tensor<4xi8> {qcc.name = "v"}, %w: tensor<3x4x2xi8> {qcc.name = "w"}) -> (tensor<3x2xi32> {qcc.name = "c"}) {
  %c = qnn.matmul_integer %v, %w {a_zp = 0 : i64, b_zp = array<i64: 0>}
      : (tensor<4xi8>, tensor<3x4x2xi8>) -> tensor<3x2xi32>
  return %c : tensor<3x2xi32>
}
