// RUN: qcc-opt %s -split-input-file -qcc-fuse-layer-norm | FileCheck %s

// The paddle2onnx form: mean, sub, pow 2, mean, add eps, sqrt, div, * gamma,
// + beta over the last axis becomes one qnn.layer_norm.
// CHECK-LABEL: func.func @decomposed
// CHECK-SAME: (%[[X:.*]]: tensor<1x4x8xf32>)
// CHECK-DAG: %[[G:.*]] = arith.constant dense<2.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<5.000000e-01> : tensor<8xf32>
// CHECK: %[[Y:.*]] = qnn.layer_norm %[[X]], %[[G]], %[[B]] {axis = 2 : i64, epsilon = 9.9999997473787516E-6 : f64}
// CHECK-NOT: qnn.reduce
// CHECK-NOT: qnn.sqrt
// CHECK: return %[[Y]]
func.func @decomposed(%x: tensor<1x4x8xf32>) -> tensor<1x4x8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %gamma = arith.constant dense<2.0> : tensor<8xf32>
  %beta = arith.constant dense<0.5> : tensor<8xf32>
  %m = qnn.reduce mean, %x {axes = array<i64: 2>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %c = qnn.sub %x, %m : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %p = qnn.pow %c, %two : (tensor<1x4x8xf32>, tensor<f32>) -> tensor<1x4x8xf32>
  %v = qnn.reduce mean, %p {axes = array<i64: 2>} : (tensor<1x4x8xf32>) -> tensor<1x4x1xf32>
  %e = qnn.add %v, %eps : (tensor<1x4x1xf32>, tensor<f32>) -> tensor<1x4x1xf32>
  %s = qnn.sqrt %e : tensor<1x4x1xf32>
  %n = qnn.div %c, %s : (tensor<1x4x8xf32>, tensor<1x4x1xf32>) -> tensor<1x4x8xf32>
  %g = qnn.mul %n, %gamma : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  %y = qnn.add %g, %beta : (tensor<1x4x8xf32>, tensor<8xf32>) -> tensor<1x4x8xf32>
  return %y : tensor<1x4x8xf32>
}

// -----

// Two trailing axes, c * c for the square, no affine part: unit scale.
// CHECK-LABEL: func.func @two_axes_no_affine
// CHECK: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<6xf32>
// CHECK: qnn.layer_norm %{{.*}}, %[[ONE]] {axis = 1 : i64, epsilon = 0.0010000000474974513 : f64} : (tensor<2x3x6xf32>, tensor<6xf32>) -> tensor<2x3x6xf32>
func.func @two_axes_no_affine(%x: tensor<2x3x6xf32>) -> tensor<2x3x6xf32> {
  %m = qnn.reduce mean, %x {axes = array<i64: 1, 2>} : (tensor<2x3x6xf32>) -> tensor<2x1x1xf32>
  %c = qnn.sub %x, %m : (tensor<2x3x6xf32>, tensor<2x1x1xf32>) -> tensor<2x3x6xf32>
  %p = qnn.mul %c, %c : (tensor<2x3x6xf32>, tensor<2x3x6xf32>) -> tensor<2x3x6xf32>
  %v = qnn.reduce mean, %p {axes = array<i64: 1, 2>} : (tensor<2x3x6xf32>) -> tensor<2x1x1xf32>
  %eps32 = arith.constant dense<1.0e-3> : tensor<f32>
  %e = qnn.add %eps32, %v : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %s = qnn.sqrt %e : tensor<2x1x1xf32>
  %n = qnn.div %c, %s : (tensor<2x3x6xf32>, tensor<2x1x1xf32>) -> tensor<2x3x6xf32>
  return %n : tensor<2x3x6xf32>
}

// -----

// The statistics over a different axis than the centering: left alone.
// CHECK-LABEL: func.func @mismatched_axes
// CHECK-NOT: qnn.layer_norm
// CHECK: qnn.div
func.func @mismatched_axes(%x: tensor<2x3x6xf32>) -> tensor<2x3x6xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %eps = arith.constant dense<1.0e-5> : tensor<f32>
  %m = qnn.reduce mean, %x {axes = array<i64: 2>} : (tensor<2x3x6xf32>) -> tensor<2x3x1xf32>
  %c = qnn.sub %x, %m : (tensor<2x3x6xf32>, tensor<2x3x1xf32>) -> tensor<2x3x6xf32>
  %p = qnn.pow %c, %two : (tensor<2x3x6xf32>, tensor<f32>) -> tensor<2x3x6xf32>
  %v = qnn.reduce mean, %p {axes = array<i64: 1, 2>} : (tensor<2x3x6xf32>) -> tensor<2x1x1xf32>
  %e = qnn.add %v, %eps : (tensor<2x1x1xf32>, tensor<f32>) -> tensor<2x1x1xf32>
  %s = qnn.sqrt %e : tensor<2x1x1xf32>
  %n = qnn.div %c, %s : (tensor<2x3x6xf32>, tensor<2x1x1xf32>) -> tensor<2x3x6xf32>
  return %n : tensor<2x3x6xf32>
}
