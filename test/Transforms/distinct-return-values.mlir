// RUN: qcc-opt %s -qcc-distinct-return-values -split-input-file | FileCheck %s
// RUN: qcc-opt %s -qcc-bufferize -split-input-file | FileCheck %s --check-prefix=BUF
// A value returned more than once is copied for every later occurrence, so
// bufferization gives each result its own buffer (qcc-bufferize runs this
// pass first; buffer-results-to-out-params crashed on a buffer returned
// twice). Values returned once stay as they are.

// CHECK-LABEL: func.func @twice
// CHECK-SAME:  (%[[X:.+]]: tensor<2x3xf32>, %[[S:.+]]: f32)
// CHECK:       %[[R:.+]] = linalg.fill ins(%[[S]] : f32)
// CHECK:       %[[C1:.+]] = bufferization.alloc_tensor() copy(%[[R]]) : tensor<2x3xf32>
// CHECK:       %[[C2:.+]] = bufferization.alloc_tensor() copy(%[[R]]) : tensor<2x3xf32>
// CHECK:       return %[[R]], %[[X]], %[[C1]], %[[C2]]
// Each result is its own out-parameter: the fill writes the first, the
// copies fill the others.
// BUF-LABEL: func.func @twice
// BUF-SAME:  (%[[X:.+]]: memref<2x3xf32>, %[[S:.+]]: f32, %[[O0:.+]]: memref<2x3xf32>, %[[O1:.+]]: memref<2x3xf32>, %[[O2:.+]]: memref<2x3xf32>, %[[O3:.+]]: memref<2x3xf32>)
// BUF:       linalg.fill ins(%[[S]] : f32) outs(%[[O0]] : memref<2x3xf32>)
// BUF-DAG:   memref.copy %[[O0]], %[[O2]]
// BUF-DAG:   memref.copy %[[O0]], %[[O3]]
// BUF-DAG:   memref.copy %[[X]], %[[O1]]
// BUF:       return
func.func @twice(%x: tensor<2x3xf32>, %s: f32) -> (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>) {
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.fill ins(%s : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r, %x, %r, %r : tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>
}

// -----

// A returned argument needs no copy, even twice: the out-parameter
// conversion copies it into each result.
// CHECK-LABEL: func.func @argument
// CHECK-NOT:   bufferization.alloc_tensor
// CHECK:       return %arg0, %arg0
// BUF-LABEL: func.func @argument
// BUF-NOT:   memref.alloc
// BUF-DAG:   memref.copy %arg0, %arg1
// BUF-DAG:   memref.copy %arg0, %arg2
func.func @argument(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  return %x, %x : tensor<?xf32>, tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @distinct
// CHECK-NOT:   bufferization.alloc_tensor
// CHECK:       return %arg0, %{{.+}}, %arg1, %arg1 :
func.func @distinct(%x: tensor<4xf32>, %s: f32) -> (tensor<4xf32>, tensor<4xf32>, f32, f32) {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.fill ins(%s : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %x, %r, %s, %s : tensor<4xf32>, tensor<4xf32>, f32, f32
}
