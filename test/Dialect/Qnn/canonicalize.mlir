// RUN: qcc-opt %s -canonicalize | FileCheck %s

// CHECK-LABEL: func @identities
// CHECK-SAME: (%[[X:.+]]: tensor<2x3xf32>)
func.func @identities(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  %one = arith.constant dense<1.0> : tensor<2x3xf32>
  %0 = qnn.add %x, %zero : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = qnn.mul %0, %one : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = qnn.transpose %1 {perm = array<i64: 0, 1>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = qnn.reshape %2 : (tensor<2x3xf32>) -> tensor<6xf32>
  %4 = qnn.reshape %3 : (tensor<6xf32>) -> tensor<2x3xf32>
  // CHECK-NOT: qnn.
  // CHECK: return %[[X]]
  return %4 : tensor<2x3xf32>
}

// CHECK-LABEL: func @constant_fold
func.func @constant_fold() -> tensor<2xi64> {
  %a = arith.constant dense<[1, 2]> : tensor<2xi64>
  %b = arith.constant dense<[10, 20]> : tensor<2xi64>
  // CHECK: %[[C:.+]] = arith.constant dense<[11, 22]> : tensor<2xi64>
  // CHECK: return %[[C]]
  %0 = qnn.add %a, %b : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// A broadcasting add with zero keeps the op: the result type differs.
// CHECK-LABEL: func @broadcast_add_kept
func.func @broadcast_add_kept(%x: tensor<3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant dense<0.0> : tensor<2x3xf32>
  // CHECK: qnn.add
  %0 = qnn.add %x, %zero : (tensor<3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
