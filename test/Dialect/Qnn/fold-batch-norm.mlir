// RUN: qcc-opt %s -qcc-fold-batch-norm | FileCheck %s

// w' = w * s / sqrt(v + eps), b' = (b - m) * s / sqrt(v + eps) + beta
// with s = 2, v = 3 (+ eps 1 = 4, sqrt = 2), m = 1, beta = 0.5, b = 3, w = 1:
// w' = 1, b' = (3 - 1) * 1 + 0.5 = 2.5.
// CHECK-LABEL: func @fold
// CHECK-DAG: %[[W:.+]] = arith.constant dense<1.000000e+00> : tensor<2x1x1x1xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<2.500000e+00> : tensor<2xf32>
// CHECK: %[[C:.+]] = qnn.conv %{{.*}}, %[[W]], %[[B]]
// CHECK-NOT: qnn.batch_norm
// CHECK: return %[[C]]
func.func @fold(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = arith.constant dense<3.0> : tensor<2xf32>
  %s = arith.constant dense<2.0> : tensor<2xf32>
  %beta = arith.constant dense<0.5> : tensor<2xf32>
  %m = arith.constant dense<1.0> : tensor<2xf32>
  %v = arith.constant dense<3.0> : tensor<2xf32>
  %0 = qnn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %1 = qnn.batch_norm %0, %s, %beta, %m, %v {epsilon = 1.0 : f64}
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// A batch norm on a function argument stays.
// CHECK-LABEL: func @keep
// CHECK: qnn.batch_norm
func.func @keep(%x: tensor<1x2x4x4xf32>, %p: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %0 = qnn.batch_norm %x, %p, %p, %p, %p
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
