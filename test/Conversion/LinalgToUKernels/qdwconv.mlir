// RUN: qcc-opt %s -split-input-file -qcc-convert-linalg-to-ukernels | FileCheck %s

// A depthwise qcc.qconv (tagged `depthwise`: [C, 1, KH, KW] filters, the
// generic over (c, oy, ox, ky, kx)) becomes a call of qcc_rt_qdwconv_s8 with
// the operands of qcc_rt_qconv_s8 (F = C; the x zero point 9 is the
// input's padded size, one constant).
#x = affine_map<(d0, d1, d2, d3, d4) -> (0, d0, d1 * 2 + d3, d2 * 2 + d4)>
#w = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (0, d0, d1, d2)>

// CHECK: func.func private @qcc_rt_qdwconv_s8(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func @qdwconv
// CHECK-DAG: %[[C:.+]] = arith.constant 3 : i64
// CHECK-DAG: %[[IH:.+]] = arith.constant 9 : i64
// CHECK-DAG: %[[OH:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[TWO:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1 : i64
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0 : i64
// CHECK-NOT: linalg.fill
// CHECK: call @qcc_rt_qdwconv_s8(%[[C]], %[[C]], %[[IH]], %[[IH]], %[[C]], %[[C]], %[[OH]], %[[OH]], %[[TWO]], %[[TWO]], %[[ONE]], %[[ONE]], %{{.+}}, %{{.+}}, %{{.+}}, %[[ZERO]], %[[IH]], %{{.+}}, %[[ONE]], %[[ZERO]], %{{.+}})
// CHECK-NOT: linalg.generic
func.func @qdwconv(%x: memref<1x3x9x9xi8>, %w: memref<3x1x3x3xi8>, %r: memref<1x3x4x4xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%r : memref<1x3x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x3x9x9xi8>, memref<3x1x3x3xi8>) outs(%r : memref<1x3x4x4xi32>)
      attrs = {qcc.qconv = {depthwise, dilations = array<i64: 1, 1>, strides = array<i64: 2, 2>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 9 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %c9 = arith.constant 9 : i32
    %0 = arith.extui %in : i8 to i32
    %1 = arith.subi %0, %c9 : i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}

// -----

// With its requantizing epilogue: one call of qcc_rt_qdwconv_s8_rq (the
// operands of qcc_rt_qconv_s8_rq), the int32 buffer gone.
#x = affine_map<(d0, d1, d2, d3, d4) -> (0, d0, d1 + d3, d2 + d4)>
#w = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (0, d0, d1, d2)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d0, d1, 0, 0)>
// CHECK-DAG: func.func private @qcc_rt_qdwconv_s8_rq(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func @fused
// CHECK-DAG: %[[ZP:.+]] = arith.constant -3 : i64
// CHECK-DAG: %[[LO:.+]] = arith.constant -128 : i64
// CHECK-DAG: %[[HI:.+]] = arith.constant 127 : i64
// CHECK-NOT: memref.alloc
// CHECK: %[[T:.+]] = memref.get_global @__qcc_rq_table
// CHECK: call @qcc_rt_qdwconv_s8_rq({{.*}}, %[[ZP]], %[[LO]], %[[HI]], %{{[^,]+}}, %{{[^,]+}})
// CHECK-NOT: linalg
// CHECK-NOT: memref.dealloc
func.func @fused(%x: memref<1x2x6x6xi8>, %w: memref<2x1x3x3xi8>, %b: memref<1x2x1x1xi32>, %m: memref<1x2x1x1xi64>, %s: memref<1x2x1x1xi64>, %r: memref<1x2x1x1xi64>, %out: memref<1x2x4x4xi8>) {
  %acc = memref.alloc() : memref<1x2x4x4xi32>
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%acc : memref<1x2x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : memref<1x2x6x6xi8>, memref<2x1x3x3xi8>) outs(%acc : memref<1x2x4x4xi32>)
      attrs = {qcc.qconv = {depthwise, dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 7 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %o: i32):
    %c7 = arith.constant 7 : i32
    %0 = arith.extui %in : i8 to i32
    %1 = arith.subi %0, %c7 : i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %o, %3 : i32
    linalg.yield %4 : i32
  }
  linalg.generic {indexing_maps = [#id, #ch, #ch, #ch, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%acc, %b, %m, %s, %r : memref<1x2x4x4xi32>, memref<1x2x1x1xi32>, memref<1x2x1x1xi64>, memref<1x2x1x1xi64>, memref<1x2x1x1xi64>) outs(%out : memref<1x2x4x4xi8>)
      attrs = {qcc.qconv_epilogue = {bias, clamp_max = 127 : i64, clamp_min = -128 : i64, multiplier = array<i32: 1073741824, 1073741825>, output_zp = -3 : i64, shift = array<i32: 36, 37>, table = array<i8: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, -128, -127, -126, -125, -124, -123, -122, -121, -120, -119, -118, -117, -116, -115, -114, -113, -112, -111, -110, -109, -108, -107, -106, -105, -104, -103, -102, -101, -100, -99, -98, -97, -96, -95, -94, -93, -92, -91, -90, -89, -88, -87, -86, -85, -84, -83, -82, -81, -80, -79, -78, -77, -76, -75, -74, -73, -72, -71, -70, -69, -68, -67, -66, -65, -64, -63, -62, -61, -60, -59, -58, -57, -56, -55, -54, -53, -52, -51, -50, -49, -48, -47, -46, -45, -44, -43, -42, -41, -40, -39, -38, -37, -36, -35, -34, -33, -32, -31, -30, -29, -28, -27, -26, -25, -24, -23, -22, -21, -20, -19, -18, -17, -16, -15, -14, -13, -12, -11, -10, -9, -8, -7, -6, -5, -4, -3, -2, -1>}} {
  ^bb0(%a: i32, %bb: i32, %mm: i64, %ss: i64, %rr: i64, %o: i8):
    %0 = arith.addi %a, %bb : i32
    %1 = arith.extsi %0 : i32 to i64
    %2 = arith.muli %1, %mm : i64
    %3 = arith.addi %2, %rr : i64
    %4 = arith.shrsi %3, %ss : i64
    %5 = arith.trunci %4 : i64 to i8
    linalg.yield %5 : i8
  }
  memref.dealloc %acc : memref<1x2x4x4xi32>
  return
}
