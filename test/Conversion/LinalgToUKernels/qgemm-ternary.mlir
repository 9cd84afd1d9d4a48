// RUN: qcc-opt %s -split-input-file -qcc-convert-linalg-to-ukernels | FileCheck %s

// A qcc.qgemm contraction whose weights are a constant in {-1, 0, 1} with
// zero point 0 calls the ternary kernel with the weights tiled at compile
// time (runtime/QGemmTernary.h: 32-row blocks, one byte of four 2-bit codes
// t + 1 per row and byte column, padding code 1): row 0 = 1 0 -1 1 | 0 gives
// bytes 0b10000110 (-122) and 0b01010101 (85), row 1 = -1 -1 0 0 | 1 gives
// 0b01010000 (80) and 0b01010110 (86). The int8 weights go away.
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#o = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK: memref.global "private" constant @__qcc_ternary_w : memref<1x64xi8> = dense<{{\[\[}}-122, 80, 85, 85, {{.*}}, 85, 86, 85, 85,
// CHECK-NOT: memref.global "private" constant @w
// CHECK-LABEL: func @ternary
// CHECK: memref.get_global @__qcc_ternary_w
// CHECK-NOT: linalg.generic
// CHECK-NOT: qcc_rt_qgemm_s8
// CHECK: call @qcc_rt_qgemm_ternary
// CHECK-NOT: linalg.generic
// CHECK: return
memref.global "private" constant @w : memref<3x5xi8> = dense<[[1, 0, -1, 1, 0], [-1, -1, 0, 0, 1], [0, 0, 0, 0, 0]]>
func.func @ternary(%x: memref<4x5xi8>, %r: memref<4x3xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%r : memref<4x3xi32>)
  %w = memref.get_global @w : memref<3x5xi8>
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x5xi8>, memref<3x5xi8>) outs(%r : memref<4x3xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = false, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}

// -----

// A weight of 2, a nonzero weight zero point, or weights that are not
// constant: the int8 kernel.
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#o = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func @not_ternary
// CHECK-NOT: qcc_rt_qgemm_ternary
// CHECK: call @qcc_rt_qgemm_s8
// CHECK: call @qcc_rt_qgemm_s8
// CHECK: call @qcc_rt_qgemm_s8
// CHECK-NOT: call @qcc_rt_qgemm_ternary
// CHECK: return
memref.global "private" constant @w2 : memref<2x4xi8> = dense<[[1, 0, -1, 2], [0, 0, 0, 0]]>
memref.global "private" constant @w1 : memref<2x4xi8> = dense<[[1, 0, -1, 1], [0, 0, 0, 0]]>
func.func @not_ternary(%x: memref<4x4xi8>, %v: memref<2x4xi8>, %r: memref<4x2xi32>, %s: memref<4x2xi32>, %t: memref<4x2xi32>) {
  %c0 = arith.constant 0 : i32
  %w2 = memref.get_global @w2 : memref<2x4xi8>
  %w1 = memref.get_global @w1 : memref<2x4xi8>
  linalg.fill ins(%c0 : i32) outs(%r : memref<4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w2 : memref<4x4xi8>, memref<2x4xi8>) outs(%r : memref<4x2xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = false, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  linalg.fill ins(%c0 : i32) outs(%s : memref<4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w1 : memref<4x4xi8>, memref<2x4xi8>) outs(%s : memref<4x2xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 1 : i64, x_unsigned = false, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %c1 = arith.constant 1 : i32
    %0 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %5 = arith.subi %2, %c1 : i32
    %3 = arith.muli %0, %5 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  linalg.fill ins(%c0 : i32) outs(%t : memref<4x2xi32>)
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %v : memref<4x4xi8>, memref<2x4xi8>) outs(%t : memref<4x2xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = false, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}

// -----

// A convolution's product has the filters as X and the im2col rows as W
// (zero point 3): the kernel computes the transposed product, the rows as
// its activations (m = 6, x_zp 3, unsigned), the 2 filters as its ternary
// rows, and the result strides swapped (row stride 1, column stride 6).
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#o = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK: memref.global "private" constant @__qcc_ternary_w : memref<1x32xi8>
// CHECK-LABEL: func @filters_as_x
// CHECK-DAG: %[[C6:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[C2:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : i64
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : i64
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : i64
// CHECK: call @qcc_rt_qgemm_ternary(%[[C6]], %[[C2]], %[[C4]], %{{.+}}, %[[C4]], %[[C0]], %[[C3]], %{{.+}}, %{{.+}}, %[[C1]], %[[C6]])
memref.global "private" constant @f : memref<2x4xi8> = dense<[[1, 0, -1, 1], [0, -1, 0, 1]]>
func.func @filters_as_x(%rows: memref<6x4xi8>, %r: memref<2x6xi32>) {
  %c0 = arith.constant 0 : i32
  linalg.fill ins(%c0 : i32) outs(%r : memref<2x6xi32>)
  %f = memref.get_global @f : memref<2x4xi8>
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%f, %rows : memref<2x4xi8>, memref<6x4xi8>) outs(%r : memref<2x6xi32>)
      attrs = {qcc.qgemm = {w_unsigned = true, w_zp = 3 : i64, x_unsigned = false, x_zp = 0 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %c3 = arith.constant 3 : i32
    %0 = arith.extsi %in : i8 to i32
    %2 = arith.extui %in_w : i8 to i32
    %5 = arith.subi %2, %c3 : i32
    %3 = arith.muli %0, %5 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}
