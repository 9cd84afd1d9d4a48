// qnn.softmax_integer and qnn.layer_norm_integer on the reference
// interpreter, with hand-checkable parameters (docs/numerics.md).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/s.npy', np.array([[10, 9, 8, 0], [3, 4, 3, 4]], np.uint8)); np.save('%t/l.npy', np.array([[1, 2, 3, 6], [7, 7, 7, 7], [-128, 127, -128, 127]], np.int8))"
// RUN: qcc-reference %s --entry softmax --input x=%t/s.npy --print | FileCheck %s --check-prefix=SM
// RUN: qcc-reference %s --entry layer_norm --input x=%t/l.npy --print | FileCheck %s --check-prefix=LN
// RUN: %python -c "import numpy as np; np.save('%t/k.npy', np.array([[True, True, False, True], [False, False, False, False]]))"
// RUN: qcc-reference %s --entry masked_softmax --input x=%t/s.npy --input k=%t/k.npy --print | FileCheck %s --check-prefix=MASK

// Table 2^(8-d) (0 past d = 8), C = 255, F = 0: y = round_half_up(255 e / S).
// Row 0: e = [256, 128, 64, 0], S = 448: 145.7, 72.9, 36.4, 0.
// Row 1: e = [128, 256, 128, 256], S = 768: 42.5 rounds up to 43, 85.
// SM: y: tensor<2x4xui8> = [146, 73, 36, 0, 43, 85, 43, 85]
func.func @softmax(%x: tensor<2x4xui8> {qcc.name = "x"}) -> (tensor<2x4xui8> {qcc.name = "y"}) {
  %y = qnn.softmax_integer %x {axis = 1 : i64, exp_table = array<i32: 256, 128, 64, 32, 16, 8, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>,
         multiplier = 255 : i64, shift = 0 : i64, output_zp = 0 : i64,
         clamp_min = 0 : i64, clamp_max = 255 : i64} : tensor<2x4xui8> -> tensor<2x4xui8>
  return %y : tensor<2x4xui8>
}

// F = 4 fraction bits, M = 1, n = 0, B = 5: y = 5 + round(16 (x - mean) / std).
// Row 0: (x - mean) / std = [-1.069, -0.535, 0, 1.604] (V = 56, s = isqrt(56 << 56)).
// Row 1: constant, V = 0, W = max(0 + 0, 1): z = 0.
// Row 2: +-1 exactly (d = +-510, V = 510^2): 5 -+ 16.
// LN: y: tensor<3x4xi8> = [-12, -4, 5, 31, 5, 5, 5, 5, -11, 21, -11, 21]
func.func @layer_norm(%x: tensor<3x4xi8> {qcc.name = "x"}) -> (tensor<3x4xi8> {qcc.name = "y"}) {
  %y = qnn.layer_norm_integer %x {axis = 1 : i64, epsilon = 0 : i64, norm_shift = 4 : i64,
         multiplier = array<i64: 1>, shift = array<i64: 0>, offset = array<i64: 5>,
         output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<3x4xi8> -> tensor<3x4xi8>
  return %y : tensor<3x4xi8>
}

// The same table with a mask: row 0 keeps elements 0, 1, 3 (e = [256, 128,
// 0, 0], S = 384: 170, 85, 0, 0); row 1 keeps nothing, so it is uniform
// (e = 256 each, S = 1024: 63.75 -> 64).
// MASK: y: tensor<2x4xui8> = [170, 85, 0, 0, 64, 64, 64, 64]
func.func @masked_softmax(%x: tensor<2x4xui8> {qcc.name = "x"}, %k: tensor<2x4xi1> {qcc.name = "k"}) -> (tensor<2x4xui8> {qcc.name = "y"}) {
  %y = qnn.softmax_integer %x masked_by %k : tensor<2x4xi1> {axis = 1 : i64, exp_table = array<i32: 256, 128, 64, 32, 16, 8, 4, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0>,
         multiplier = 255 : i64, shift = 0 : i64, output_zp = 0 : i64,
         clamp_min = 0 : i64, clamp_max = 255 : i64} : tensor<2x4xui8> -> tensor<2x4xui8>
  return %y : tensor<2x4xui8>
}
