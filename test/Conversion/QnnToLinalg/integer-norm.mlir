// RUN: qcc-opt %s -split-input-file -qcc-convert-qnn-to-linalg | FileCheck %s

// Batched matmul_integer (both operands activations): one contraction over
// (batch..., i, j, k); unit batch axes of an operand read index 0.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, d4)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d4, d3)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @batched_matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.extui %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.muli %{{.*}}, %{{.*}} : i32
// CHECK: linalg.generic
// CHECK: arith.addi %{{.*}}, %{{.*}} : i32
func.func @batched_matmul(%a: tensor<1x2x4x5xui8>, %b: tensor<3x1x5x6xi8>) -> tensor<3x2x4x6xi32> {
  %bias = arith.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi32>
  %c = qnn.matmul_integer %a, %b, %bias {a_zp = 3 : i64, b_zp = array<i64: 7>} : (tensor<1x2x4x5xui8>, tensor<3x1x5x6xi8>, tensor<6xi32>) -> tensor<3x2x4x6xi32>
  return %c : tensor<3x2x4x6xi32>
}

// -----

// softmax_integer over the middle axis of [outer, n, inner]: row max, sum
// of table entries, then (2 e C + S 2^F) / (2 S 2^F) and the clamp.
// CHECK-LABEL: func.func @softmax
// CHECK: %[[T:.*]] = arith.constant dense<"0x{{.*}}"> : tensor<256xi64>
// CHECK: %[[M:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: arith.maxsi
// CHECK: %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: tensor.extract %[[T]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%{{.*}}, %[[M]], %[[S]] :
// CHECK: tensor.extract %[[T]]
// CHECK: arith.shli %{{.*}}, %c22_i64
// CHECK: arith.muli %{{.*}}, %c2164326912_i64
// CHECK: arith.divsi
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @softmax(%x: tensor<2x40x3xui8>) -> tensor<2x40x3xui8> {
  %s = qnn.softmax_integer %x {axis = 1 : i64, exp_table = array<i32: 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 524288, 524288, 524288, 524288, 524288, 524288, 524288, 524288, 262144, 262144, 262144, 262144, 262144, 262144, 262144, 262144, 131072, 131072, 131072, 131072, 131072, 131072, 131072, 131072, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 8192, 8192, 8192, 8192, 8192, 8192, 8192, 8192, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 512, 512, 512, 512, 512, 512, 512, 512, 256, 256, 256, 256, 256, 256, 256, 256, 128, 128, 128, 128, 128, 128, 128, 128, 64, 64, 64, 64, 64, 64, 64, 64, 32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 16, 16, 16, 16, 16, 16, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>,
         multiplier = 1082163456 : i64, shift = 22 : i64, output_zp = 0 : i64,
         clamp_min = 0 : i64, clamp_max = 255 : i64} : tensor<2x40x3xui8> -> tensor<2x40x3xui8>
  return %s : tensor<2x40x3xui8>
}

// -----

// layer_norm_integer: row sums, then per row the bit length (binary search)
// and the 30-step floor square root, then the rounding division and the
// per-position rescale.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[SUMS:.*]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: %[[STATS:.*]]:2 = linalg.generic {{.*}}ins(%[[SUMS]]#0, %[[SUMS]]#1 :
// CHECK: arith.addi %{{.*}}, %c58_i64
// CHECK: arith.shrui %{{.*}}, %{{.*}} : i64
// CHECK-COUNT-30: arith.cmpi sle
// CHECK: linalg.yield
// CHECK: arith.constant dense<[1518500250, -1518500250]> : tensor<2xi64>
// CHECK: linalg.generic {{.*}}ins(%{{.*}}, %[[SUMS]]#0, %[[STATS]]#0, %[[STATS]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK: arith.shli
// CHECK: arith.floordivsi
// CHECK: arith.shrsi
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @layer_norm(%x: tensor<1x4x2xi8>) -> tensor<1x4x2xi8> {
  %l = qnn.layer_norm_integer %x {axis = 2 : i64, epsilon = 58 : i64, norm_shift = 16 : i64,
         multiplier = array<i64: 1518500250, -1518500250>, shift = array<i64: 40, 40>,
         offset = array<i64: 0, 1024>, output_zp = 0 : i64,
         clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<1x4x2xi8> -> tensor<1x4x2xi8>
  return %l : tensor<1x4x2xi8>
}
