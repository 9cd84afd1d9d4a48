// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// RUN: qcc-opt %s --mlir-print-op-generic | qcc-opt | FileCheck %s

// CHECK-LABEL: func @elementwise
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %c: tensor<2x3xi1>) -> tensor<2x3xf32> {
  // CHECK: qnn.add %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %0 = qnn.add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.sub
  %1 = qnn.sub %0, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.mul
  %2 = qnn.mul %1, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.div
  %3 = qnn.div %2, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.pow
  %4 = qnn.pow %3, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.max
  %5 = qnn.max %4, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.min
  %6 = qnn.min %5, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.compare lt, %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  %7 = qnn.compare lt, %6, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xi1>
  // CHECK: qnn.and
  %8 = qnn.and %7, %c : (tensor<2x3xi1>, tensor<2x3xi1>) -> tensor<2x3xi1>
  // CHECK: qnn.where
  %9 = qnn.where %8, %6, %a : (tensor<2x3xi1>, tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: qnn.relu
  %10 = qnn.relu %9 : tensor<2x3xf32>
  // CHECK: qnn.sigmoid
  %11 = qnn.sigmoid %10 : tensor<2x3xf32>
  // CHECK: qnn.tanh
  %12 = qnn.tanh %11 : tensor<2x3xf32>
  // CHECK: qnn.clip %{{.*}} {max = 6.000000e+00 : f64, min = 0.000000e+00 : f64}
  %13 = qnn.clip %12 {min = 0.0 : f64, max = 6.0 : f64} : tensor<2x3xf32>
  // CHECK: qnn.hard_sigmoid %{{.*}} {alpha = 1.666000e-01 : f64} :
  %14 = qnn.hard_sigmoid %13 {alpha = 0.1666 : f64, beta = 0.5 : f64} : tensor<2x3xf32>
  // CHECK: qnn.gelu %{{.*}} {tanh_approximation = true}
  %15 = qnn.gelu %14 {tanh_approximation = true} : tensor<2x3xf32>
  // CHECK: qnn.sqrt
  %16 = qnn.sqrt %15 : tensor<2x3xf32>
  return %16 : tensor<2x3xf32>
}

// CHECK-LABEL: func @cast_and_broadcast
func.func @cast_and_broadcast(%a: tensor<3x1xf32>) -> tensor<2x3x4xi32> {
  // CHECK: qnn.broadcast %{{.*}} : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  %0 = qnn.broadcast %a : (tensor<3x1xf32>) -> tensor<2x3x4xf32>
  // CHECK: qnn.cast %{{.*}} : tensor<2x3x4xf32> to tensor<2x3x4xi32>
  %1 = qnn.cast %0 : tensor<2x3x4xf32> to tensor<2x3x4xi32>
  return %1 : tensor<2x3x4xi32>
}

// CHECK-LABEL: func @linear
func.func @linear(%a: tensor<2x4x8xf32>, %b: tensor<8x16xf32>, %x: tensor<1x128xf32>,
                  %w: tensor<512x128xf32>, %c: tensor<512xf32>) -> (tensor<2x4x16xf32>, tensor<1x512xf32>) {
  // CHECK: qnn.matmul %{{.*}}, %{{.*}} : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %0 = qnn.matmul %a, %b : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  // CHECK: qnn.gemm %{{.*}}, %{{.*}}, %{{.*}} {transB = true}
  %1 = qnn.gemm %x, %w, %c {transB = true} : (tensor<1x128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> tensor<1x512xf32>
  return %0, %1 : tensor<2x4x16xf32>, tensor<1x512xf32>
}

// CHECK-LABEL: func @conv_and_pool
func.func @conv_and_pool(%x: tensor<1x4x8x8xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>,
                         %tw: tensor<8x4x2x2xf32>, %s: tensor<8xf32>) -> (tensor<1x8x4x4xf32>, tensor<1x4x16x16xf32>) {
  // CHECK: qnn.conv %{{.*}}, %{{.*}}, %{{.*}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
  %0 = qnn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}
      : (tensor<1x4x8x8xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: qnn.batch_norm
  %1 = qnn.batch_norm %0, %s, %s, %s, %s {epsilon = 1.0e-05 : f64}
      : (tensor<1x8x8x8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<1x8x8x8xf32>
  // CHECK: qnn.pool max, %{{.*}}
  %2 = qnn.pool max, %1 {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, dilations = array<i64: 1, 1>}
      : (tensor<1x8x8x8xf32>) -> tensor<1x8x4x4xf32>
  // CHECK: qnn.conv_transpose
  %3 = qnn.conv_transpose %2, %tw {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 4, 4>}
      : (tensor<1x8x4x4xf32>, tensor<8x4x2x2xf32>) -> tensor<1x4x14x14xf32>
  // CHECK: qnn.resize
  %4 = qnn.resize %3 {mode = "linear", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 1.0, 1.0>}
      : (tensor<1x4x14x14xf32>) -> tensor<1x4x14x14xf32>
  // CHECK: qnn.pad constant, %{{.*}} {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>
  %5 = qnn.pad constant, %4 {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 1>, value = 0.0 : f64}
      : (tensor<1x4x14x14xf32>) -> tensor<1x4x16x16xf32>
  return %2, %5 : tensor<1x8x4x4xf32>, tensor<1x4x16x16xf32>
}

// CHECK-LABEL: func @reductions
func.func @reductions(%x: tensor<2x5x3xf32>) -> (tensor<2x1x3xf32>, tensor<2x3xi64>, tensor<2x5x3xf32>) {
  // CHECK: qnn.reduce mean, %{{.*}} {axes = array<i64: 1>} :
  %0 = qnn.reduce mean, %x {axes = array<i64: 1>, keepdims = true} : (tensor<2x5x3xf32>) -> tensor<2x1x3xf32>
  // CHECK: qnn.arg_reduce argmax, %{{.*}} {axis = 1 : i64, keepdims = false}
  %1 = qnn.arg_reduce argmax, %x {axis = 1 : i64, keepdims = false} : (tensor<2x5x3xf32>) -> tensor<2x3xi64>
  // CHECK: qnn.softmax %{{.*}} {axis = 2 : i64}
  %2 = qnn.softmax %x {axis = 2 : i64} : tensor<2x5x3xf32>
  return %0, %1, %2 : tensor<2x1x3xf32>, tensor<2x3xi64>, tensor<2x5x3xf32>
}

// CHECK-LABEL: func @data_movement
func.func @data_movement(%x: tensor<2x3xf32>, %i: tensor<4xi64>) -> (tensor<6xf32>, tensor<3x2xf32>, tensor<4x3xf32>, tensor<2x2xf32>, tensor<4x3xf32>) {
  // CHECK: qnn.reshape %{{.*}} : (tensor<2x3xf32>) -> tensor<6xf32>
  %0 = qnn.reshape %x : (tensor<2x3xf32>) -> tensor<6xf32>
  // CHECK: qnn.transpose %{{.*}} {perm = array<i64: 1, 0>}
  %1 = qnn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  // CHECK: qnn.concat %{{.*}}, %{{.*}} {axis = 0 : i64}
  %2 = qnn.concat %x, %x {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  // CHECK: qnn.slice %{{.*}} {starts = array<i64: 0, 2>, steps = array<i64: 1, -2>}
  %3 = qnn.slice %x {starts = array<i64: 0, 2>, steps = array<i64: 1, -2>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  // CHECK: qnn.gather %{{.*}}, %{{.*}} {axis = 0 : i64}
  %4 = qnn.gather %2, %i {axis = 0 : i64} : (tensor<4x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return %0, %1, %2, %3, %4 : tensor<6xf32>, tensor<3x2xf32>, tensor<4x3xf32>, tensor<2x2xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func @update_slice
func.func @update_slice(%c: tensor<2x3x16x8xf32>, %u: tensor<1x3x1x8xf32>, %o: tensor<4xi64>) -> tensor<2x3x16x8xf32> {
  // CHECK: qnn.update_slice %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x3x16x8xf32>, tensor<1x3x1x8xf32>, tensor<4xi64>) -> tensor<2x3x16x8xf32>
  %0 = qnn.update_slice %c, %u, %o : (tensor<2x3x16x8xf32>, tensor<1x3x1x8xf32>, tensor<4xi64>) -> tensor<2x3x16x8xf32>
  return %0 : tensor<2x3x16x8xf32>
}
