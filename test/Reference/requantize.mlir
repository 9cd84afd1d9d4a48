// qnn.requantize: clamp(out_zp + round_shift((x - in_zp) * M[c], n[c]), lo, hi)
// with round_shift(v, n) = (v + 2^(n-1)) >> n, an arithmetic shift: halves
// round toward +infinity (docs/numerics.md).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/ties.npy', np.array([1, -1, 3, -3, 5, -5, 2, -2, 0, 255, -257, 1000, -1000], np.int32))"
// RUN: qcc-reference %s --entry ties --input x=%t/ties.npy --print | FileCheck %s --check-prefix=TIES
// RUN: qcc-reference %s --entry zero_points --input x=%t/ties.npy --print | FileCheck %s --check-prefix=ZP
// RUN: %python -c "import numpy as np; np.save('%t/pc.npy', np.arange(-6, 6, dtype=np.int32).reshape(2, 3, 2) * 1000003)"
// RUN: qcc-reference %s --entry per_channel --input x=%t/pc.npy --print | FileCheck %s --check-prefix=PC
// RUN: %python -c "import numpy as np; np.save('%t/u8.npy', np.array([0, 1, 127, 128, 129, 254, 255], np.uint8))"
// RUN: qcc-reference %s --entry unsigned --input x=%t/u8.npy --print | FileCheck %s --check-prefix=U8
// RUN: %python -c "import numpy as np; np.save('%t/big.npy', np.array([2147483647, -2147483648, 1073741824, -1073741825], np.int32))"
// RUN: qcc-reference %s --entry extremes --input x=%t/big.npy --print | FileCheck %s --check-prefix=BIG

// M = 2^30, n = 31: r = 0.5 exactly, so every odd x is a tie.
// 1 -> 1, -1 -> 0, 3 -> 2, -3 -> -1, 5 -> 3, -5 -> -2; then saturation.
// TIES: y: tensor<13xi8> = [1, 0, 2, -1, 3, -2, 1, -1, 0, 127, -128, 127, -128]
func.func @ties(%x: tensor<13xi32> {qcc.name = "x"}) -> (tensor<13xi8> {qcc.name = "y"}) {
  %y = qnn.requantize %x {input_zp = 0 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 31>,
                          output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64}
      : tensor<13xi32> -> tensor<13xi8>
  return %y : tensor<13xi8>
}

// Input and output zero points, and a clamp narrower than the type (a
// folded ReLU6-like range): out = clamp(-3 + round((x + 7) / 2), -3, 100).
// ZP: y: tensor<13xi8> = [1, 0, 2, -1, 3, -2, 2, 0, 1, 100, -3, 100, -3]
func.func @zero_points(%x: tensor<13xi32> {qcc.name = "x"}) -> (tensor<13xi8> {qcc.name = "y"}) {
  %y = qnn.requantize %x {input_zp = -7 : i64, multiplier = array<i32: 1073741824>, shift = array<i32: 31>,
                          output_zp = -3 : i64, clamp_min = -3 : i64, clamp_max = 100 : i64}
      : tensor<13xi32> -> tensor<13xi8>
  return %y : tensor<13xi8>
}

// Per-channel along axis 1: r = 0.5 (n = 31), 1518500250 * 2^-38
// (~ 1/181.02, n = 38) and 1 * 2^0 (n = 0: no rounding term).
// PC: y: tensor<2x3x2xi32> = [-3000002, -2500001, -22092, -16568, -1999998, -999995, 7, 500008, 11054, 16578, 4000020, 5000023]
func.func @per_channel(%x: tensor<2x3x2xi32> {qcc.name = "x"}) -> (tensor<2x3x2xi32> {qcc.name = "y"}) {
  %y = qnn.requantize %x {input_zp = -3 : i64, multiplier = array<i32: 1073741824, 1518500250, 1>,
                          shift = array<i32: 31, 38, 0>, axis = 1 : i64,
                          output_zp = 5 : i64, clamp_min = -2147483648 : i64, clamp_max = 2147483647 : i64}
      : tensor<2x3x2xi32> -> tensor<2x3x2xi32>
  return %y : tensor<2x3x2xi32>
}

// ui8 in and out with zero points at the range ends:
// y = clamp(255 + round((x - 255) * 1.5), 0, 255) (-190.5 -> -190),
// z = clamp(128 + round(x * 1.5), 0, 255) (1.5 -> 2).
// U8: y: tensor<7xui8> = [0, 0, 63, 65, 66, 254, 255]
// U8: z: tensor<7xui8> = [128, 130, 255, 255, 255, 255, 255]
func.func @unsigned(%x: tensor<7xui8> {qcc.name = "x"}) -> (tensor<7xui8> {qcc.name = "y"}, tensor<7xui8> {qcc.name = "z"}) {
  %y = qnn.requantize %x {input_zp = 255 : i64, multiplier = array<i32: 1610612736>, shift = array<i32: 30>,
                          output_zp = 255 : i64, clamp_min = 0 : i64, clamp_max = 255 : i64}
      : tensor<7xui8> -> tensor<7xui8>
  %z = qnn.requantize %x {input_zp = 0 : i64, multiplier = array<i32: 1610612736>, shift = array<i32: 30>,
                          output_zp = 128 : i64, clamp_min = 0 : i64, clamp_max = 255 : i64}
      : tensor<7xui8> -> tensor<7xui8>
  return %y, %z : tensor<7xui8>, tensor<7xui8>
}

// int32 extremes with the largest multiplier and shift: the 64-bit product
// (2^31 - 1)^2 needs all of the 64 bits and rounds exactly.
// BIG: y: tensor<4xi32> = [1073741823, -1073741823, 536870912, -536870912]
func.func @extremes(%x: tensor<4xi32> {qcc.name = "x"}) -> (tensor<4xi32> {qcc.name = "y"}) {
  %y = qnn.requantize %x {input_zp = 0 : i64, multiplier = array<i32: 2147483647>, shift = array<i32: 32>,
                          output_zp = 0 : i64, clamp_min = -2147483648 : i64, clamp_max = 2147483647 : i64}
      : tensor<4xi32> -> tensor<4xi32>
  return %y : tensor<4xi32>
}
