// RUN: qcc-opt %s -qcc-quantize="smooth-alpha=0.5 residual-bits=16 print-summary=true" 2>%t.summary | FileCheck %s
// RUN: FileCheck %s --check-prefix=SUMMARY < %t.summary
// RUN: qcc-opt %s -qcc-quantize="smooth-alpha=0.5 print-summary=true" 2>&1 >/dev/null | FileCheck %s --check-prefix=SHARED

// SmoothQuant into a layer norm shared by two matmuls (a transformer's Q/K/V
// projections) and a residual add. With residual-bits=16 the norm is cloned
// for the matmuls, and one set of factors serves both: max|x_c| = (1, 1,
// 16, 1) from the channel ranges, max|w_c| over both weights = (0.5, 0.5,
// 2, 0.5), s_c = sqrt(max|x_c|) / sqrt(max|w_c|) = (1.41421, 1.41421,
// 2.82843, 1.41421). The clone's gamma takes 1 / s, its range becomes
// [-16, 12] / 2.82843 = [-5.65685, 4.24264]; both weights' input rows take
// s; the residual copy of the norm keeps gamma = 1.
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}, 0.353553{{[0-9]*}}, 0.707106{{[0-9]*}}]> : tensor<4xf32>
// CHECK: qnn.layer_norm %{{.*}}, %[[ONE]], %{{.*}} {{.*}}qcc.calib = [array<f64: -1.600000e+01, 1.600000e+01>]
// CHECK: qnn.layer_norm %{{.*}}, %[[G]], %{{.*}} {{.*}}qcc.calib = [array<f64: -5.656854{{[0-9]*}}, 4.242640{{[0-9]*}}>]
// CHECK: arith.constant dense<{{\[\[}}0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}], [0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}], [1.414213{{[0-9]*}}, 1.414213{{[0-9]*}}], [0.707106{{[0-9]*}}, 0.707106{{[0-9]*}}]]> : tensor<4x2xf32>
// CHECK: arith.constant dense<{{\[\[}}0.353553{{[0-9]*}}, 0.353553{{[0-9]*}}], [0.353553{{[0-9]*}}, 0.353553{{[0-9]*}}], [5.656854{{[0-9]*}}, 5.656854{{[0-9]*}}], [0.353553{{[0-9]*}}, 0.353553{{[0-9]*}}]]> : tensor<4x2xf32>
// SUMMARY: [quant] smoothquant alpha 0.50: 2 of 2 int8 layers
// Without the clone the norm also feeds the add: nothing can take 1 / s.
// SHARED: [quant] smoothquant alpha 0.50: 0 of 2 int8 layers
func.func @main(%x: tensor<2x4xf32> {qcc.calib = array<f64: -3.0, 3.0>})
    -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x4xf32>) {
  %gamma = arith.constant dense<1.0> : tensor<4xf32>
  %beta = arith.constant dense<0.0> : tensor<4xf32>
  %n = qnn.layer_norm %x, %gamma, %beta {axis = 1 : i64, epsilon = 1.0e-05 : f64, qcc.calib = [array<f64: -16.0, 16.0>]}
      : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %w1 = arith.constant dense<0.5> : tensor<4x2xf32>
  %y1 = qnn.matmul %n, %w1 {qcc.calib = [array<f64: -4.0, 4.0>],
      qcc.act_channel_range = array<f64: -1.0, 1.0, -1.0, 0.5, -16.0, 12.0, -0.25, 1.0>}
      : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %w2 = arith.constant dense<[[0.25, 0.25], [0.25, 0.25], [2.0, 2.0], [0.25, 0.25]]> : tensor<4x2xf32>
  %y2 = qnn.matmul %n, %w2 {qcc.calib = [array<f64: -4.0, 4.0>],
      qcc.act_channel_range = array<f64: -1.0, 1.0, -1.0, 0.5, -16.0, 12.0, -0.25, 1.0>}
      : (tensor<2x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  %r = qnn.add %n, %x {qcc.calib = [array<f64: -19.0, 19.0>]} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %y1, %y2, %r : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x4xf32>
}
