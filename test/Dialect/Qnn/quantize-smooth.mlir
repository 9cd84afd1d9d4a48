// RUN: qcc-opt %s -qcc-quantize="smooth-alpha=0.5 print-summary=true" 2>%t.summary | FileCheck %s
// RUN: FileCheck %s --check-prefix=SUMMARY < %t.summary
// RUN: not qcc-opt %s -qcc-quantize="smooth-alpha=1.5" 2>&1 | FileCheck %s --check-prefix=BAD

// SmoothQuant, alpha 0.5, on int8 per-channel layers. Input channel 2 of
// the first matmul ranges over [-16, 12], the others within [-1, 1]; every
// weight is 0.5, so s_c = sqrt(max|x_c|) / sqrt(0.5) = (1.41421, 1.41421,
// 5.65685, 1.41421). The layer norm's scale and bias take 1 / s, the
// weight's input rows take s, and the layer norm's range becomes
// [min_c lo_c / s_c, max_c hi_c / s_c] = [-16, 12] / 5.65685 =
// [-2.82843, 2.12132].
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}, 0.176776{{[0-9]*}}, 0.707106{{[0-9]*}}]> : tensor<4xf32>
// CHECK-DAG: %[[B:.*]] = arith.constant dense<[0.070710{{[0-9]*}}, -0.070710{{[0-9]*}}, 0.017677{{[0-9]*}}, 0.000000e+00]> : tensor<4xf32>
// CHECK: qnn.layer_norm %{{.*}}, %[[G]], %[[B]] {{.*}}qcc.calib = [array<f64: -2.828427{{[0-9]*}}, 2.121320{{[0-9]*}}>]
// CHECK: arith.constant dense<{{\[\[}}0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}], [0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}], [2.828427{{[0-9]*}}, 2.828427{{[0-9]*}}], [0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}]]> : tensor<4x2xf32>
// The smoothed weight is what gets quantized: per column absmax 2.82843.
// CHECK: arith.constant dense<{{\[\[}}32, 32], [32, 32], [127, 127], [32, 32]]> : tensor<4x2xi8>
// The second matmul's input comes straight from the function argument, so
// there is nothing to take 1 / s: its weight stays as it was.
// CHECK: arith.constant dense<127> : tensor<2x3xi8>
// CHECK-NEXT: qnn.storage_cast {{.*}}{0.0019685039
// CHECK-NOT: qcc.act_channel_range
// SUMMARY: [quant] smoothquant alpha 0.50: 1 of 2 int8 layers
// BAD: SmoothQuant alpha must be in [0, 1], got 1.5
func.func @main(%x: tensor<2x4xf32> {qcc.calib = array<f64: -3.0, 3.0>},
                %z: tensor<2x2xf32> {qcc.calib = array<f64: -1.0, 1.0>})
    -> (tensor<2x2xf32>, tensor<2x3xf32>) {
  %gamma = arith.constant dense<1.0> : tensor<4xf32>
  %beta = arith.constant dense<[0.1, -0.1, 0.1, 0.0]> : tensor<4xf32>
  %n = qnn.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f64, qcc.calib = [array<f64: -16.0, 16.0>]}
      : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %w = arith.constant dense<0.5> : tensor<4x2xf32>
  %y = qnn.matmul %n, %w {qcc.calib = [array<f64: -4.0, 4.0>],
      qcc.act_channel_range = array<f64: -1.0, 1.0, -1.0, 0.5, -16.0, 12.0, -0.25, 1.0>}
      : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %w2 = arith.constant dense<0.25> : tensor<2x3xf32>
  %y2 = qnn.matmul %z, %w2 {qcc.calib = [array<f64: -1.0, 1.0>],
      qcc.act_channel_range = array<f64: -1.0, 1.0, -1.0, 1.0>}
      : (tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y, %y2 : tensor<2x2xf32>, tensor<2x3xf32>
}
