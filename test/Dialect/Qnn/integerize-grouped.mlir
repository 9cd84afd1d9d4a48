// RUN: qcc-opt %s -qcc-integerize | FileCheck %s
// RUN: qcc-opt %s -qcc-integerize -qcc-convert-qnn-to-linalg | FileCheck %s --check-prefix=LINALG
// RUN: qcc %s --target=x86-64 --emit=llvm -o %t.ll && FileCheck %s --check-prefix=CALL < %t.ll

// Grouped 4-bit weights (unsigned storage, as ONNX imports it): the codes are
// transposed to rows per output column and made signed (code - 8, zero
// points alike), each column's group scales become d * integer sub-scales
// (column 0: 0.5 * [1, 2]; column 1: 0.25 * [1, 3]), and d folds into the
// requantize (0.01 * 0.5 / 0.1 = 0.8 * 2^-4).
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[SC:.*]] = arith.constant dense<{{\[\[}}1, 2], [1, 3]]> : tensor<2x2xi32>
// CHECK-DAG: %[[ZP:.*]] = arith.constant dense<{{\[\[}}0, 0], [-1, -8]]> : tensor<2x2xi4>
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[\[}}-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1, 0, -1, -2, -3, -4, -5, -6, -7, -8]]> : tensor<2x16xi4>
// CHECK: %[[X:.*]] = qnn.storage_cast %{{.*}} -> tensor<2x16xui8>
// CHECK: %[[ACC:.*]] = qnn.matmul_grouped_integer %[[X]], %[[W]], %[[SC]], %[[ZP]] {a_zp = 128 : i64, group_size = 8 : i64}
// CHECK: qnn.requantize %[[ACC]] {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = array<i32: 1717986918, 1717986918>, output_zp = 128 : i64, shift = array<i32: 35, 36>}

// The lowering: one generic over X [2, 16], W [2, 16] and the [2, 2]
// parameters read at k floordiv 8, tagged for the grouped kernel.
// LINALG-DAG: #[[PARAM:.*]] = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 8)>
// LINALG: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[PARAM]], #[[PARAM]], #{{.*}}]
// LINALG-SAME: qcc.qgemm_grouped = {bits = 4 : i64, group = 8 : i64, w_unsigned = false, x_unsigned = true, x_zp = 128 : i64}
// LINALG: arith.subi
// LINALG: arith.extsi %{{.*}} : i4 to i32

// The constant codes are packed at compile time (two 4-bit codes a byte) and
// the product calls the runtime's grouped kernel.
// CALL: @__qcc_packed_w = private {{.*}}constant [2 x [8 x i8]]
// CALL: call void @qcc_rt_qgemm_grouped(
func.func @main(%x: tensor<2x16xf32>) -> tensor<2x2xf32> {
  %c = arith.constant dense<[[0, 15], [1, 14], [2, 13], [3, 12], [4, 11], [5, 10], [6, 9], [7, 8], [8, 7], [9, 6], [10, 5], [11, 4], [12, 3], [13, 2], [14, 1], [15, 0]]> : tensor<16x2xi4>
  %u = tensor.bitcast %c : tensor<16x2xi4> to tensor<16x2xui4>
  %w = qnn.storage_cast %u : tensor<16x2xui4> -> tensor<16x2x!quant.uniform<u4:f32:{0:8, 1:1}, {{0.5:8, 0.25:7}, {1.0:8, 0.75:0}}>>
  %wf = qnn.dequantize %w : tensor<16x2x!quant.uniform<u4:f32:{0:8, 1:1}, {{0.5:8, 0.25:7}, {1.0:8, 0.75:0}}>> -> tensor<16x2xf32>
  %q = qnn.quantize %x : tensor<2x16xf32> -> tensor<2x16x!quant.uniform<u8:f32, 0.01:128>>
  %xf = qnn.dequantize %q : tensor<2x16x!quant.uniform<u8:f32, 0.01:128>> -> tensor<2x16xf32>
  %y = qnn.matmul %xf, %wf : (tensor<2x16xf32>, tensor<16x2xf32>) -> tensor<2x2xf32>
  %yq = qnn.quantize %y : tensor<2x2xf32> -> tensor<2x2x!quant.uniform<u8:f32, 0.1:128>>
  %r = qnn.dequantize %yq : tensor<2x2x!quant.uniform<u8:f32, 0.1:128>> -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}
