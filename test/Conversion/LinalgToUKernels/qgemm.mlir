// RUN: qcc-opt %s -qcc-convert-linalg-to-ukernels | FileCheck %s

// The qcc.qgemm contractions become calls of qcc_rt_qgemm_s8 when their
// output is known to hold zeros: a fill right before (erased), a copy of a
// zero-filled buffer (the copy erased) or a zero-filled buffer only read
// since its fill (the fill kept for the copy that reads it), as one-shot
// bufferization leaves them after CSE merged the init tensors.
#x = affine_map<(d0, d1, d2) -> (d0, d2)>
#w = affine_map<(d0, d1, d2) -> (d1, d2)>
#o = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func @shared_zero_init
// CHECK-SAME: (%[[X:.+]]: memref<4x8xi8>, %[[W:.+]]: memref<16x8xi8>, %[[R:.+]]: memref<4x16xi32>)
// CHECK: %[[A:.+]] = memref.alloc() : memref<4x16xi32>
// CHECK-NEXT: linalg.fill ins(%{{.+}} : i32) outs(%[[A]] : memref<4x16xi32>)
// CHECK-NEXT: %[[B:.+]] = memref.alloc() : memref<4x16xi32>
// CHECK-NOT: memref.copy %[[A]], %[[B]]
// CHECK: call @qcc_rt_qgemm_s8
// CHECK: memref.copy %[[B]], %[[R]]
// CHECK-NOT: linalg.fill
// CHECK: call @qcc_rt_qgemm_s8
// CHECK-NOT: linalg.generic
func.func @shared_zero_init(%x: memref<4x8xi8>, %w: memref<16x8xi8>, %r: memref<4x16xi32>) {
  %c0 = arith.constant 0 : i32
  %a = memref.alloc() : memref<4x16xi32>
  linalg.fill ins(%c0 : i32) outs(%a : memref<4x16xi32>)
  %b = memref.alloc() : memref<4x16xi32>
  memref.copy %a, %b : memref<4x16xi32> to memref<4x16xi32>
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xi8>, memref<16x8xi8>) outs(%b : memref<4x16xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 3 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.subi %0, %c0 : i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %1, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  memref.copy %b, %r : memref<4x16xi32> to memref<4x16xi32>
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xi8>, memref<16x8xi8>) outs(%a : memref<4x16xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 3 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  return
}

// A write to the zero-filled buffer (through a view) before the
// contraction: it stays a loop nest.
// CHECK-LABEL: func @written_in_between
// CHECK-NOT: call @qcc_rt_qgemm_s8
// CHECK: linalg.generic
// CHECK-SAME: qcc.qgemm
func.func @written_in_between(%x: memref<4x8xi8>, %w: memref<16x8xi8>, %v: memref<64xi32>) {
  %c0 = arith.constant 0 : i32
  %a = memref.alloc() : memref<4x16xi32>
  linalg.fill ins(%c0 : i32) outs(%a : memref<4x16xi32>)
  %flat = memref.collapse_shape %a [[0, 1]] : memref<4x16xi32> into memref<64xi32>
  memref.copy %v, %flat : memref<64xi32> to memref<64xi32>
  linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<4x8xi8>, memref<16x8xi8>) outs(%a : memref<4x16xi32>)
      attrs = {qcc.qgemm = {w_unsigned = false, w_zp = 0 : i64, x_unsigned = true, x_zp = 3 : i64}} {
  ^bb0(%in: i8, %in_w: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %2 = arith.extsi %in_w : i8 to i32
    %3 = arith.muli %0, %2 : i32
    %4 = arith.addi %out, %3 : i32
    linalg.yield %4 : i32
  }
  memref.copy %flat, %v : memref<64xi32> to memref<64xi32>
  return
}
