// RUN: qcc-opt %s | qcc-opt | FileCheck %s

// CHECK-LABEL: func.func @sparse
// CHECK: qnn.matmul_sparse24_integer %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {a_zp = 128 : i64} : (tensor<2x16xui8>, tensor<4x8xi8>, tensor<4x2xui8>, tensor<4xi32>) -> tensor<2x4xi32>
// CHECK: qnn.matmul_sparse24_integer %{{.*}}, %{{.*}}, %{{.*}} : (tensor<3x2x12xi8>, tensor<5x6xi8>, tensor<5x2xui8>) -> tensor<3x2x5xi32>
func.func @sparse(%a: tensor<2x16xui8>, %v: tensor<4x8xi8>, %i: tensor<4x2xui8>, %b: tensor<4xi32>,
                  %c: tensor<3x2x12xi8>, %v2: tensor<5x6xi8>, %i2: tensor<5x2xui8>) -> (tensor<2x4xi32>, tensor<3x2x5xi32>) {
  %y = qnn.matmul_sparse24_integer %a, %v, %i, %b {a_zp = 128 : i64} : (tensor<2x16xui8>, tensor<4x8xi8>, tensor<4x2xui8>, tensor<4xi32>) -> tensor<2x4xi32>
  %z = qnn.matmul_sparse24_integer %c, %v2, %i2 : (tensor<3x2x12xi8>, tensor<5x6xi8>, tensor<5x2xui8>) -> tensor<3x2x5xi32>
  return %y, %z : tensor<2x4xi32>, tensor<3x2x5xi32>
}
