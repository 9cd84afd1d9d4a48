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

// Transposed convolution: weights are C x F x K, the filters on axis 1.
// With s = [2, 4], v = 3, eps = 1 (k = [1, 2]), m = 1, beta = 0.5, no bias:
// w'[c, f] = w[c, f] * k[f] = [1, 2]; b' = -m * k + beta = [-0.5, -1.5].
// CHECK-LABEL: func @fold_transpose
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[\[}}{{\[\[}}1.000000e+00]], {{\[\[}}2.000000e+00]]]]> : tensor<1x2x1x1xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[-5.000000e-01, -1.500000e+00]> : tensor<2xf32>
// CHECK: %[[C:.+]] = qnn.conv_transpose %{{.*}}, %[[W]], %[[B]]
// CHECK-NOT: qnn.batch_norm
// CHECK: return %[[C]]
func.func @fold_transpose(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<1x2x1x1xf32>
  %s = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %beta = arith.constant dense<0.5> : tensor<2xf32>
  %m = arith.constant dense<1.0> : tensor<2xf32>
  %v = arith.constant dense<3.0> : tensor<2xf32>
  %0 = qnn.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
      : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = qnn.batch_norm %0, %s, %beta, %m, %v {epsilon = 1.0 : f64}
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %1 : tensor<1x2x4x4xf32>
}

// A per-channel constant add after a transposed convolution (how exporters
// write its bias) becomes the bias, so the batch norm behind it folds too:
// b = [1, 2], then k = [1, 2], m = 1, beta = 0.5: b' = (b - m) * k + beta.
// CHECK-LABEL: func @fold_bias_add_transpose
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[5.000000e-01, 2.500000e+00]> : tensor<2xf32>
// CHECK: %[[C:.+]] = qnn.conv_transpose %{{.*}}, %{{.*}}, %[[B]]
// CHECK-NOT: qnn.add
// CHECK-NOT: qnn.batch_norm
// CHECK: return %[[C]]
func.func @fold_bias_add_transpose(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<1x2x1x1xf32>
  %c = arith.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %s = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %beta = arith.constant dense<0.5> : tensor<2xf32>
  %m = arith.constant dense<1.0> : tensor<2xf32>
  %v = arith.constant dense<3.0> : tensor<2xf32>
  %0 = qnn.conv_transpose %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>}
      : (tensor<1x1x2x2xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %1 = qnn.add %0, %c : (tensor<1x2x4x4xf32>, tensor<2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %2 = qnn.batch_norm %1, %s, %beta, %m, %v {epsilon = 1.0 : f64}
      : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// An add that varies along a spatial axis is not a bias.
// CHECK-LABEL: func @keep_spatial_add
// CHECK: qnn.conv
// CHECK: qnn.add
func.func @keep_spatial_add(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %0 = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %1 = qnn.add %0, %c : (tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %1 : tensor<1x2x2x2xf32>
}
