// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// RUN: qcc-opt %s --mlir-print-op-generic | qcc-opt | FileCheck %s

// The integer row normalizations round-trip.
// CHECK-LABEL: func @norm_ops
// CHECK: qnn.softmax_integer %{{.*}} {axis = 1 : i64, {{.*}}multiplier = 1082163456 : i64, output_zp = 0 : i64, shift = 22 : i64} : tensor<2x40x3xui8> -> tensor<2x40x3xui8>
// CHECK: qnn.layer_norm_integer %{{.*}} {axis = 2 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, epsilon = 58 : i64, multiplier = array<i64: 1518500250, -1518500250>, norm_shift = 16 : i64, offset = array<i64: 0, 1024>, output_zp = 0 : i64, shift = array<i64: 40, 40>} : tensor<1x4x2xi8> -> tensor<1x4x2xi8>
func.func @norm_ops(%x: tensor<2x40x3xui8>, %y: tensor<1x4x2xi8>) -> (tensor<2x40x3xui8>, tensor<1x4x2xi8>) {
  %s = qnn.softmax_integer %x {axis = 1 : i64, exp_table = array<i32: 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 4194304, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 2097152, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 1048576, 524288, 524288, 524288, 524288, 524288, 524288, 524288, 524288, 262144, 262144, 262144, 262144, 262144, 262144, 262144, 262144, 131072, 131072, 131072, 131072, 131072, 131072, 131072, 131072, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 65536, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 32768, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 16384, 8192, 8192, 8192, 8192, 8192, 8192, 8192, 8192, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 4096, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 2048, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 512, 512, 512, 512, 512, 512, 512, 512, 256, 256, 256, 256, 256, 256, 256, 256, 128, 128, 128, 128, 128, 128, 128, 128, 64, 64, 64, 64, 64, 64, 64, 64, 32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 16, 16, 16, 16, 16, 16, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>,
         multiplier = 1082163456 : i64, shift = 22 : i64, output_zp = 0 : i64,
         clamp_min = 0 : i64, clamp_max = 255 : i64} : tensor<2x40x3xui8> -> tensor<2x40x3xui8>
  %l = qnn.layer_norm_integer %y {axis = 2 : i64, epsilon = 58 : i64, norm_shift = 16 : i64,
         multiplier = array<i64: 1518500250, -1518500250>, shift = array<i64: 40, 40>,
         offset = array<i64: 0, 1024>, output_zp = 0 : i64,
         clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<1x4x2xi8> -> tensor<1x4x2xi8>
  return %s, %l : tensor<2x40x3xui8>, tensor<1x4x2xi8>
}

// A mask (broadcast along its unit dimensions) round-trips.
// CHECK-LABEL: func @masked_softmax
// CHECK: qnn.softmax_integer %{{.*}} masked_by %{{.*}} : tensor<2x1x3xi1> {axis = 1 : i64,
func.func @masked_softmax(%x: tensor<2x40x3xui8>, %k: tensor<2x1x3xi1>) -> tensor<2x40x3xui8> {
  %s = qnn.softmax_integer %x masked_by %k : tensor<2x1x3xi1> {axis = 1 : i64, exp_table = array<i32: 4194304, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1>, multiplier = 1082163456 : i64, shift = 22 : i64, output_zp = 0 : i64, clamp_min = 0 : i64, clamp_max = 255 : i64} : tensor<2x40x3xui8> -> tensor<2x40x3xui8>
  return %s : tensor<2x40x3xui8>
}
