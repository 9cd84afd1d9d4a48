// RUN: qcc-opt %s -split-input-file -qcc-prepare-quantization | FileCheck %s

// Gemm with constant B (transB): matmul with alpha * B^T and a bias add of
// beta * C as a vector.
// CHECK-LABEL: func @gemm
// CHECK-DAG: %[[W:.+]] = arith.constant dense<{{\[}}[2.000000e+00, 6.000000e+00, 1.000000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<2x3xf32>
// CHECK-DAG: %[[B:.+]] = arith.constant dense<[5.000000e-01, 1.000000e+00, 1.500000e+00]> : tensor<3xf32>
// CHECK: %[[M:.+]] = qnn.matmul %{{.*}}, %[[W]] : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
// CHECK: %[[Y:.+]] = qnn.add %[[M]], %[[B]] : (tensor<1x3xf32>, tensor<3xf32>) -> tensor<1x3xf32>
// CHECK-NOT: qnn.gemm
// CHECK: return %[[Y]]
func.func @gemm(%a: tensor<1x2xf32>) -> tensor<1x3xf32> {
  %b = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %c = arith.constant dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>
  %0 = qnn.gemm %a, %b, %c {alpha = 2.0 : f64, beta = 0.5 : f64, transB = true}
      : (tensor<1x2xf32>, tensor<3x2xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// transA transposes A; a C over all of M x N stays a plain add.
// CHECK-LABEL: func @gemm_trans_a
// CHECK: %[[T:.+]] = qnn.transpose %{{.*}} {perm = array<i64: 1, 0>} : (tensor<2x4xf32>) -> tensor<4x2xf32>
// CHECK: %[[M:.+]] = qnn.matmul %[[T]], %{{.*}} : (tensor<4x2xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
// CHECK: qnn.add %[[M]], %{{.*}} : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
func.func @gemm_trans_a(%a: tensor<2x4xf32>) -> tensor<4x3xf32> {
  %b = arith.constant dense<1.0> : tensor<2x3xf32>
  %c = arith.constant dense<1.0> : tensor<4x3xf32>
  %0 = qnn.gemm %a, %b, %c {transA = true}
      : (tensor<2x4xf32>, tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

// A runtime B stays a gemm.
// CHECK-LABEL: func @gemm_runtime_b
// CHECK: qnn.gemm
func.func @gemm_runtime_b(%a: tensor<1x2xf32>, %b: tensor<2x3xf32>) -> tensor<1x3xf32> {
  %0 = qnn.gemm %a, %b : (tensor<1x2xf32>, tensor<2x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// A mean over an axis of extent 1 is a reshape; over more elements, or an
// L2 norm, it stays.
// CHECK-LABEL: func @unit_reduce
// CHECK: %[[R:.+]] = qnn.reshape %{{.*}} : (tensor<1x1xf32>) -> tensor<1xf32>
// CHECK: qnn.reduce mean, %{{.*}} {axes = array<i64: 1>, keepdims = false} : (tensor<1x4xf32>) -> tensor<1xf32>
// CHECK: qnn.reduce l2
func.func @unit_reduce(%x: tensor<1x1xf32>, %y: tensor<1x4xf32>) -> (tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) {
  %0 = qnn.reduce mean, %x {axes = array<i64: 1>, keepdims = false} : (tensor<1x1xf32>) -> tensor<1xf32>
  %1 = qnn.reduce mean, %y {axes = array<i64: 1>, keepdims = false} : (tensor<1x4xf32>) -> tensor<1xf32>
  %2 = qnn.reduce l2, %x {axes = array<i64: 1>, keepdims = false} : (tensor<1x1xf32>) -> tensor<1xf32>
  return %0, %1, %2 : tensor<1xf32>, tensor<1xf32>, tensor<1xf32>
}
