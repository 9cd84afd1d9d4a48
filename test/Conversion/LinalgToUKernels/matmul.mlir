// RUN: qcc-opt %s -qcc-convert-linalg-to-ukernels | FileCheck %s

// CHECK: func.func private @qcc_rt_sgemm(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK-LABEL: func @matmul
// CHECK-DAG: %[[B1:.+]] = arith.constant 1 : i64
// CHECK-DAG: %[[M:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[N:.+]] = arith.constant 16 : i64
// CHECK-DAG: %[[K:.+]] = arith.constant 8 : i64
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: call @qcc_rt_sgemm(%[[B1]], %[[M]], %[[N]], %[[K]],
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// CHECK-LABEL: func @batched
// CHECK-DAG: %[[B3:.+]] = arith.constant 3 : i64
// CHECK: call @qcc_rt_sgemm(%[[B3]]
func.func @batched(%a: memref<3x4x8xf32>, %b: memref<3x8x16xf32>, %c: memref<3x4x16xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<3x4x8xf32>, memref<3x8x16xf32>) outs(%c : memref<3x4x16xf32>)
  return
}

// Strided rows are fine; a non-unit innermost stride is not.
// CHECK-LABEL: func @column_stride
// CHECK-NOT: call @qcc_rt_sgemm
// CHECK: linalg.matmul
func.func @column_stride(%a: memref<4x8xf32, strided<[1, 4]>>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32, strided<[1, 4]>>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// Integer matmuls and tensors stay for the loop lowering.
// CHECK-LABEL: func @integer
// CHECK: linalg.matmul
func.func @integer(%a: memref<4x8xi32>, %b: memref<8x16xi32>, %c: memref<4x16xi32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x16xi32>) outs(%c : memref<4x16xi32>)
  return
}
