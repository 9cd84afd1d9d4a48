// RUN: qcc-opt %s -split-input-file -qcc-convert-linalg-to-ukernels | FileCheck %s

// A qcc.qconv convolution whose output was just zero-filled becomes a call
// of qcc_rt_qconv_s8 (F, C, IH, IW, KH, KW, OH, OW, sy, sx, dy, dx, X, its
// channel and row strides, x signed, x zero point, W, w signed, w zero
// point, out); the fill is erased.
#x = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d3, d1 * 2 + d4, d2 + d5 * 2)>
#w = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d4, d5)>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d0, d1, d2)>

// CHECK: func.func private @qcc_rt_qconv_s8(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func @qconv
// CHECK-DAG: %[[F:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[C:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[IH:.+]] = arith.constant 10 : i64
// CHECK-DAG: %[[IW:.+]] = arith.constant 8 : i64
// CHECK-DAG: %[[K:.+]] = arith.constant 3 : i64
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1 : i64
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0 : i64
// CHECK-DAG: %[[XZP:.+]] = arith.constant 7 : i64
// CHECK-NOT: linalg.fill
// CHECK: call @qcc_rt_qconv_s8(%[[F]], %[[C]], %[[IH]], %[[IW]], %[[K]], %[[K]], %[[F]], %[[F]], %[[C]], %[[ONE]], %[[ONE]], %[[C]], %{{.+}}, %{{.+}}, %{{.+}}, %[[ZERO]], %[[XZP]], %{{.+}}, %[[ONE]], %[[ZERO]], %{{.+}})
// CHECK-NOT: linalg.generic
func.func @qconv(%x: memref<1x2x10x8xi8>, %w: memref<4x2x3x3xi8>, %r: memref<1x4x4x4xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%r : memref<1x4x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x2x10x8xi8>, memref<4x2x3x3xi8>) outs(%r : memref<1x4x4x4xi32>)
      attrs = {qcc.qconv = {dilations = array<i64: 1, 2>, strides = array<i64: 2, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 7 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %c7 = arith.constant 7 : i32
    %0 = arith.extui %in : i8 to i32
    %1 = arith.subi %0, %c7 : i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}

// -----

// Output not known to be zero, a filter buffer that is not contiguous, or a
// tag without strides: the convolution stays a loop nest.
#x = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d3, d1 + d4, d2 + d5)>
#w = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d4, d5)>
#o = affine_map<(d0, d1, d2, d3, d4, d5) -> (0, d0, d1, d2)>
// CHECK-LABEL: func @not_converted
// CHECK-NOT: call @qcc_rt_qconv_s8
// CHECK-COUNT-3: qcc.qconv
func.func @not_converted(%x: memref<1x2x6x6xi8>, %w: memref<4x2x3x3xi8>, %ws: memref<4x2x3x3xi8, strided<[36, 18, 3, 1]>>, %r: memref<1x4x4x4xi32>) {
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x2x6x6xi8>, memref<4x2x3x3xi8>) outs(%r : memref<1x4x4x4xi32>)
      attrs = {qcc.qconv = {dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%r : memref<1x4x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %ws : memref<1x2x6x6xi8>, memref<4x2x3x3xi8, strided<[36, 18, 3, 1]>>) outs(%r : memref<1x4x4x4xi32>)
      attrs = {qcc.qconv = {dilations = array<i64: 1, 1>, strides = array<i64: 1, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  linalg.fill ins(%c0 : i32) outs(%r : memref<1x4x4x4xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x2x6x6xi8>, memref<4x2x3x3xi8>) outs(%r : memref<1x4x4x4xi32>)
      attrs = {qcc.qconv = {dilations = array<i64: 1, 1>, w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}
