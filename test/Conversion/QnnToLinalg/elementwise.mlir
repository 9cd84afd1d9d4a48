// RUN: qcc-opt %s -qcc-convert-qnn-to-linalg | FileCheck %s

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func @broadcast_add
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<3xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: arith.addf
func.func @broadcast_add(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = qnn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// Size-1 dimensions broadcast through a constant index.
// CHECK-LABEL: func @broadcast_column
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[COL]], #{{.+}}]
// CHECK: arith.mulf
func.func @broadcast_column(%a: tensor<2x3xf32>, %b: tensor<2x1xf32>) -> tensor<2x3xf32> {
  %0 = qnn.mul %a, %b : (tensor<2x3xf32>, tensor<2x1xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// CHECK-LABEL: func @integer_ops
// CHECK: arith.divsi
// CHECK: arith.cmpi slt
func.func @integer_ops(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi1> {
  %0 = qnn.div %a, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %1 = qnn.compare lt, %0, %b : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  return %1 : tensor<4xi1>
}

// CHECK-LABEL: func @activations
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: arith.minimumf
func.func @activations(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = qnn.relu %x : tensor<8xf32>
  %1 = qnn.sigmoid %0 : tensor<8xf32>
  %2 = qnn.hard_sigmoid %1 {alpha = 0.2 : f64, beta = 0.5 : f64} : tensor<8xf32>
  return %2 : tensor<8xf32>
}

// x ** 2 becomes a multiplication.
// CHECK-LABEL: func @square
// CHECK-NOT: math.powf
// CHECK: arith.mulf %[[V:.+]], %[[V]]
func.func @square(%x: tensor<8xf32>) -> tensor<8xf32> {
  %two = arith.constant dense<2.0> : tensor<f32>
  %0 = qnn.pow %x, %two : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// CHECK-LABEL: func @cast
// CHECK: arith.fptosi %{{.*}} : f32 to i32
func.func @cast(%x: tensor<8xf32>) -> tensor<8xi32> {
  %0 = qnn.cast %x : tensor<8xf32> to tensor<8xi32>
  return %0 : tensor<8xi32>
}
