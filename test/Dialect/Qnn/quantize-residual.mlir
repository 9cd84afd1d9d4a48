// RUN: qcc-opt %s -split-input-file -qcc-quantize="residual-bits=16" -verify-diagnostics | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-quantize -verify-diagnostics | FileCheck %s --check-prefix=EIGHT
// RUN: not qcc-opt %s -split-input-file -qcc-quantize="residual-bits=12" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: residual-bits must be 8 or 16, got 12

// A transformer block's residual stream: x -> LN -> {matmul, residual add};
// the matmul's biased result -> add -> LN -> return. With residual-bits=16
// the first layer norm is cloned for the matmul (its own 8-bit point); the
// input (read only by the layer norm), the projection (read only by the
// add), the add and both layer-norm outputs on the residual path are u16
// (scale (hi - lo) / 65535). The matmul's input stays u8.
// CHECK-LABEL: func.func @main
// CHECK: qnn.quantize %arg0 : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 1.2207217514514923E-4:32768>>
// CHECK: %[[LN:.*]] = qnn.layer_norm
// CHECK: qnn.quantize %[[LN]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 6.1036087572574615E-5:32768>>
// CHECK: %[[LNC:.*]] = qnn.layer_norm
// CHECK: qnn.quantize %[[LNC]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u8:f32, 0.015686275437474251:127>>
// CHECK: %[[MM:.*]] = qnn.matmul
// CHECK: %[[B:.*]] = qnn.add %[[MM]]
// CHECK: qnn.quantize %[[B]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 6.1036087572574615E-5:16384>>
// CHECK: %[[R:.*]] = qnn.add
// CHECK: qnn.quantize %[[R]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 1.5259021893143654E-4:21845>>
// CHECK: %[[OUT:.*]] = qnn.layer_norm
// CHECK: qnn.quantize %[[OUT]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 9.1554131358861923E-5:32768>>

// Without it every activation is u8 and the layer norm is not cloned.
// EIGHT-LABEL: func.func @main
// EIGHT-NOT: u16
// EIGHT-COUNT-2: qnn.layer_norm
// EIGHT-NOT: qnn.layer_norm
func.func @main(%x: tensor<2x4xf32> {qcc.calib = array<f64: -4.0, 4.0>}) -> tensor<2x4xf32> {
  %g = arith.constant dense<1.0> : tensor<4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %w = arith.constant dense<[[0.5, -0.25, 0.0, 1.0], [0.0, 1.0, -1.0, 0.5], [1.0, 0.0, 0.25, -0.5], [-1.0, 0.5, 0.5, 0.0]]> : tensor<4x4xf32>
  %c = arith.constant dense<[0.1, -0.1, 0.2, 0.0]> : tensor<4xf32>
  %l = qnn.layer_norm %x, %g, %b {axis = 1 : i64, epsilon = 1.0e-12 : f64, qcc.calib = [array<f64: -2.0, 2.0>]} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %m = qnn.matmul %l, %w : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>
  %p = qnn.add %m, %c {qcc.calib = [array<f64: -1.0, 3.0>]} : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %r = qnn.add %p, %l {qcc.calib = [array<f64: -3.333333, 6.666667>]} : (tensor<2x4xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %o = qnn.layer_norm %r, %g, %b {axis = 1 : i64, epsilon = 1.0e-12 : f64, qcc.calib = [array<f64: -3.0, 3.0>]} : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %o : tensor<2x4xf32>
}
