// qnn.qadd: clamp(out_zp + round_shift((a - a_zp) Ma + (b - b_zp) Mb, n), lo, hi)
// qnn.qmul: clamp(out_zp + round_shift((a - a_zp)(b - b_zp) M, n), lo, hi)
// Both terms are formed exactly in 64 bits and shifted once; operands
// broadcast numpy-style.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.array([[1, -1, 3, -3, 127, -128], [0, 2, -2, 5, -5, 100]], np.int8)); np.save('%t/b.npy', np.array([0, 1, -1, 0, 127, -128], np.int8)); np.save('%t/u.npy', np.array([[0], [255]], np.uint8))"
// RUN: qcc-reference %s --entry qadd_ties --input a=%t/a.npy --input b=%t/b.npy --print | FileCheck %s --check-prefix=ADD
// RUN: qcc-reference %s --entry qadd_mixed --input a=%t/a.npy --input u=%t/u.npy --print | FileCheck %s --check-prefix=MIXED
// RUN: qcc-reference %s --entry qmul_ties --input a=%t/a.npy --input b=%t/b.npy --print | FileCheck %s --check-prefix=MUL
// RUN: qcc-reference %s --entry qmul_mixed --input a=%t/a.npy --input u=%t/u.npy --print | FileCheck %s --check-prefix=MULU

// (a + b) / 2 with Ma = Mb = 2^30, n = 31: odd sums are ties, rounded up.
// ADD: y: tensor<2x6xi8> = [1, 0, 1, -1, 127, -128, 0, 2, -1, 3, 61, -14]
func.func @qadd_ties(%a: tensor<2x6xi8> {qcc.name = "a"}, %b: tensor<6xi8> {qcc.name = "b"}) -> (tensor<2x6xi8> {qcc.name = "y"}) {
  %y = qnn.qadd %a, %b {a_zp = 0 : i64, a_multiplier = 1073741824 : i64, b_zp = 0 : i64,
                        b_multiplier = 1073741824 : i64, shift = 31 : i64, output_zp = 0 : i64,
                        clamp_min = -128 : i64, clamp_max = 127 : i64}
      : (tensor<2x6xi8>, tensor<6xi8>) -> tensor<2x6xi8>
  return %y : tensor<2x6xi8>
}

// i8 plus a broadcast ui8 column with zero point 255, into ui8 with zero
// point 128 and a clamp of [10, 200]: y = 128 + round(0.75 (a + 3) + 0.25 (u - 255)).
// MIXED: y: tensor<2x6xui8> = [67, 66, 69, 64, 162, 10, 130, 132, 129, 134, 127, 200]
func.func @qadd_mixed(%a: tensor<2x6xi8> {qcc.name = "a"}, %u: tensor<2x1xui8> {qcc.name = "u"}) -> (tensor<2x6xui8> {qcc.name = "y"}) {
  %y = qnn.qadd %a, %u {a_zp = -3 : i64, a_multiplier = 1610612736 : i64, b_zp = 255 : i64,
                        b_multiplier = 536870912 : i64, shift = 31 : i64, output_zp = 128 : i64,
                        clamp_min = 10 : i64, clamp_max = 200 : i64}
      : (tensor<2x6xi8>, tensor<2x1xui8>) -> tensor<2x6xui8>
  return %y : tensor<2x6xui8>
}

// a * b / 2 (M = 2^30, n = 31): odd products are ties; saturation at both
// ends (127 * 127 / 2, 127 * -128 / 2).
// MUL: y: tensor<2x6xi8> = [0, 0, -1, 0, 127, 127, 0, 1, 1, 0, -128, -128]
func.func @qmul_ties(%a: tensor<2x6xi8> {qcc.name = "a"}, %b: tensor<6xi8> {qcc.name = "b"}) -> (tensor<2x6xi8> {qcc.name = "y"}) {
  %y = qnn.qmul %a, %b {a_zp = 0 : i64, b_zp = 0 : i64, multiplier = 1073741824 : i64, shift = 31 : i64,
                        output_zp = 0 : i64, clamp_min = -128 : i64, clamp_max = 127 : i64}
      : (tensor<2x6xi8>, tensor<6xi8>) -> tensor<2x6xi8>
  return %y : tensor<2x6xi8>
}

// Zero points at the extremes (a_zp = -128, u_zp = 255: the row u = 255
// is all output_zp) and an i16 result: y = -12 + round((a + 128)(u - 255) / 4).
// MULU: y: tensor<2x6xi16> = [-8236, -8108, -8363, -7981, -16268, -12, -12, -12, -12, -12, -12, -12]
func.func @qmul_mixed(%a: tensor<2x6xi8> {qcc.name = "a"}, %u: tensor<2x1xui8> {qcc.name = "u"}) -> (tensor<2x6xi16> {qcc.name = "y"}) {
  %y = qnn.qmul %a, %u {a_zp = -128 : i64, b_zp = 255 : i64, multiplier = 1073741824 : i64, shift = 32 : i64,
                        output_zp = -12 : i64, clamp_min = -32768 : i64, clamp_max = 32767 : i64}
      : (tensor<2x6xi8>, tensor<2x1xui8>) -> tensor<2x6xi16>
  return %y : tensor<2x6xi16>
}
