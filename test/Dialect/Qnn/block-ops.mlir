// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// RUN: qcc-opt %s --mlir-print-op-generic | qcc-opt | FileCheck %s

// Linear layers on GGUF block bytes round-trip, one per format.
// CHECK-LABEL: func @block_linear
// CHECK: qnn.block_linear q4_1, %{{.*}}, %{{.*}} : (tensor<1x64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
// CHECK: qnn.block_linear q8_0, %{{.*}}, %{{.*}} : (tensor<3x64xf32>, tensor<5x68xui8>) -> tensor<3x5xf32>
// CHECK: qnn.block_linear q4_0, %{{.*}}, %{{.*}} : (tensor<1x32xf32>, tensor<2x18xi8>) -> tensor<1x2xf32>
// CHECK: qnn.block_linear q5_0, %{{.*}}, %{{.*}} : (tensor<1x32xf32>, tensor<2x22xi8>) -> tensor<1x2xf32>
// CHECK: qnn.block_linear q5_1, %{{.*}}, %{{.*}} : (tensor<1x32xf32>, tensor<2x24xi8>) -> tensor<1x2xf32>
// CHECK: qnn.block_linear q4_k, %{{.*}}, %{{.*}} : (tensor<2x512xf32>, tensor<4x288xi8>) -> tensor<2x4xf32>
// CHECK: qnn.block_linear q5_k, %{{.*}}, %{{.*}} : (tensor<1x256xf32>, tensor<4x176xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q6_k, %{{.*}}, %{{.*}} : (tensor<1x256xf32>, tensor<4x210xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q2_g64, %{{.*}}, %{{.*}} : (tensor<1x576xf32>, tensor<4x180xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q3_g64, %{{.*}}, %{{.*}} : (tensor<1x576xf32>, tensor<4x252xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q3_g192, %{{.*}}, %{{.*}} : (tensor<1x576xf32>, tensor<4x228xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q4_1_g128, %{{.*}}, %{{.*}} : (tensor<1x256xf32>, tensor<4x136xi8>) -> tensor<1x4xf32>
// CHECK: qnn.block_linear q4_1_g128, %{{.*}}, %{{.*}} : (tensor<1x64xf32>, tensor<8x36xi8>) -> tensor<1x8xf32>
func.func @block_linear(%x: tensor<1x64xf32>, %w: tensor<8x40xi8>,
                        %x3: tensor<3x64xf32>, %w8: tensor<5x68xui8>,
                        %x32: tensor<1x32xf32>, %w40: tensor<2x18xi8>,
                        %w50: tensor<2x22xi8>, %w51: tensor<2x24xi8>,
                        %x512: tensor<2x512xf32>, %w4k: tensor<4x288xi8>,
                        %x256: tensor<1x256xf32>, %w5k: tensor<4x176xi8>,
                        %w6k: tensor<4x210xi8>, %x576: tensor<1x576xf32>,
                        %w2: tensor<4x180xi8>, %w3: tensor<4x252xi8>,
                        %w3l: tensor<4x228xi8>, %wg: tensor<4x136xi8>,
                        %wg64: tensor<8x36xi8>) {
  %0 = qnn.block_linear q4_1, %x, %w : (tensor<1x64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
  %1 = qnn.block_linear q8_0, %x3, %w8 : (tensor<3x64xf32>, tensor<5x68xui8>) -> tensor<3x5xf32>
  %2 = qnn.block_linear q4_0, %x32, %w40 : (tensor<1x32xf32>, tensor<2x18xi8>) -> tensor<1x2xf32>
  %3 = qnn.block_linear q5_0, %x32, %w50 : (tensor<1x32xf32>, tensor<2x22xi8>) -> tensor<1x2xf32>
  %4 = qnn.block_linear q5_1, %x32, %w51 : (tensor<1x32xf32>, tensor<2x24xi8>) -> tensor<1x2xf32>
  %5 = qnn.block_linear q4_k, %x512, %w4k : (tensor<2x512xf32>, tensor<4x288xi8>) -> tensor<2x4xf32>
  %6 = qnn.block_linear q5_k, %x256, %w5k : (tensor<1x256xf32>, tensor<4x176xi8>) -> tensor<1x4xf32>
  %7 = qnn.block_linear q6_k, %x256, %w6k : (tensor<1x256xf32>, tensor<4x210xi8>) -> tensor<1x4xf32>
  %8 = qnn.block_linear q2_g64, %x576, %w2 : (tensor<1x576xf32>, tensor<4x180xi8>) -> tensor<1x4xf32>
  %9 = qnn.block_linear q3_g64, %x576, %w3 : (tensor<1x576xf32>, tensor<4x252xi8>) -> tensor<1x4xf32>
  %10 = qnn.block_linear q3_g192, %x576, %w3l : (tensor<1x576xf32>, tensor<4x228xi8>) -> tensor<1x4xf32>
  // qcc's groups of 128: 2 x (4 + 64) bytes; a row of 64 is one short group.
  %11 = qnn.block_linear q4_1_g128, %x256, %wg : (tensor<1x256xf32>, tensor<4x136xi8>) -> tensor<1x4xf32>
  %12 = qnn.block_linear q4_1_g128, %x, %wg64 : (tensor<1x64xf32>, tensor<8x36xi8>) -> tensor<1x8xf32>
  return
}
