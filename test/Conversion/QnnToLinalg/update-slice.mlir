// RUN: qcc-opt %s -qcc-convert-qnn-to-linalg -cse | FileCheck %s

// Offsets are read from the tensor, clamped to [0, dim - block] per axis,
// and the block goes in with tensor.insert_slice.
// CHECK-LABEL: func @update_slice
// CHECK-SAME: (%[[C:.+]]: tensor<2x3x16x8xf32>, %[[U:.+]]: tensor<1x3x1x8xf32>, %[[O:.+]]: tensor<4xi64>)
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: tensor.extract %[[O]][%[[C0]]] : tensor<4xi64>
// CHECK: %[[C2:.+]] = arith.constant 2 : index
// CHECK: %[[E2:.+]] = tensor.extract %[[O]][%[[C2]]] : tensor<4xi64>
// CHECK: %[[I2:.+]] = arith.index_cast %[[E2]] : i64 to index
// CHECK: %[[L2:.+]] = arith.maxsi %[[I2]], %[[C0]] : index
// CHECK: %[[C15:.+]] = arith.constant 15 : index
// CHECK: %[[H2:.+]] = arith.minsi %[[L2]], %[[C15]] : index
// CHECK: %[[R:.+]] = tensor.insert_slice %[[U]] into %[[C]][%{{.+}}, %{{.+}}, %[[H2]], %{{.+}}] [1, 3, 1, 8] [1, 1, 1, 1] : tensor<1x3x1x8xf32> into tensor<2x3x16x8xf32>
// CHECK: return %[[R]]
func.func @update_slice(%c: tensor<2x3x16x8xf32>, %u: tensor<1x3x1x8xf32>, %o: tensor<4xi64>) -> tensor<2x3x16x8xf32> {
  %0 = qnn.update_slice %c, %u, %o : (tensor<2x3x16x8xf32>, tensor<1x3x1x8xf32>, tensor<4xi64>) -> tensor<2x3x16x8xf32>
  return %0 : tensor<2x3x16x8xf32>
}
