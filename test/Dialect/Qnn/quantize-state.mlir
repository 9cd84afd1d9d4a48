// RUN: qcc-opt %s -split-input-file -qcc-quantize -verify-diagnostics | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-quantize="state-bits=8" -verify-diagnostics | FileCheck %s --check-prefix=EIGHT
// RUN: qcc-opt %s -split-input-file -qcc-quantize="activation-type=i8" -verify-diagnostics | FileCheck %s --check-prefix=SIGNED
// RUN: not qcc-opt %s -split-input-file -qcc-quantize="state-bits=12" 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: state-bits must be 8 or 16, got 12

// An LSTM-style cell: the state argument [2, 4] carries h (row 0) and c
// (row 1); c' = f * c + i * g flows from the argument to the same-typed
// result through slice, mul, add, reshape and concat only, so those points
// are 16-bit (u16 over [min(lo,0), max(hi,0)]: scale (hi - lo) / 65535).
// The gates, tanh(c') and h' = o * tanh(c') are ordinary 8-bit points; the
// input x has no same-typed result and stays 8-bit too.
// CHECK-LABEL: func.func @main
// CHECK: qnn.quantize %arg0 : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>
// c = state[1]:
// CHECK: %[[SQ:.*]] = qnn.quantize %arg1 : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 1.2207217514514923E-4:32768>>
// CHECK: %[[SD:.*]] = qnn.dequantize %[[SQ]]
// CHECK: %[[C:.*]] = qnn.slice %[[SD]]
// CHECK: qnn.quantize %[[C]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u16:f32, 1.2207217514514923E-4:32768>>
// f = sigmoid(x): 8-bit
// CHECK: %[[F:.*]] = qnn.sigmoid
// CHECK: qnn.quantize %[[F]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u8:f32, 0.0039215688593685627>>
// f * c, f * c + g: 16-bit
// CHECK: %[[FC:.*]] = qnn.mul
// CHECK: qnn.quantize %[[FC]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u16:f32, 1.2207217514514923E-4:32768>>
// CHECK: %[[C2:.*]] = qnn.add
// CHECK: qnn.quantize %[[C2]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u16:f32, 2.4414435029029846E-4:32768>>
// tanh(c') and h' = o * tanh(c'): 8-bit
// CHECK: %[[T:.*]] = qnn.tanh
// CHECK: qnn.quantize %[[T]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>
// CHECK: %[[H:.*]] = qnn.mul
// CHECK: qnn.quantize %[[H]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u8:f32, 0.0078431377187371254:127>>
// the state result: 16-bit
// CHECK: %[[S:.*]] = qnn.concat
// CHECK: qnn.quantize %[[S]] : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<u16:f32, 2.4414435029029846E-4:32768>>

// Without the 16-bit state path every activation is u8.
// EIGHT-LABEL: func.func @main
// EIGHT-NOT: u16

// With i8 activations the state path is i16, symmetric (scale absmax / 32767).
// SIGNED-LABEL: func.func @main
// SIGNED: qnn.quantize %{{.*}} : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<i16:f32, 1.2207403779029846E-4>>
// SIGNED-NOT: u16
func.func @main(%x: tensor<1x4xf32> {qcc.calib = array<f64: -1.0, 1.0>},
                %state: tensor<2x4xf32> {qcc.calib = array<f64: -4.0, 4.0>}) -> (tensor<1x4xf32>, tensor<2x4xf32>) {
  %c = qnn.slice %state {starts = array<i64: 1, 0>, steps = array<i64: 1, 1>, qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<2x4xf32>) -> tensor<1x4xf32>
  %f = qnn.sigmoid %x {qcc.calib = [array<f64: 0.0, 1.0>]} : tensor<1x4xf32>
  %g = qnn.tanh %x {qcc.calib = [array<f64: -1.0, 1.0>]} : tensor<1x4xf32>
  %fc = qnn.mul %f, %c {qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %c2 = qnn.add %fc, %g {qcc.calib = [array<f64: -8.0, 8.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %t = qnn.tanh %c2 {qcc.calib = [array<f64: -1.0, 1.0>]} : tensor<1x4xf32>
  %h = qnn.mul %f, %t {qcc.calib = [array<f64: -1.0, 1.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %s = qnn.concat %h, %c2 {axis = 0 : i64, qcc.calib = [array<f64: -8.0, 8.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return %h, %s : tensor<1x4xf32>, tensor<2x4xf32>
}

// -----

// A state value that also feeds a contraction (an 8-bit-only op on the
// integer path) stays 8-bit; the rest of the path is 16-bit.
// CHECK-LABEL: func.func @main
// CHECK: %[[C:.*]] = qnn.slice
// CHECK: qnn.quantize %[[C]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u8:f32
// CHECK: %[[C2:.*]] = qnn.add
// CHECK: qnn.quantize %[[C2]] : tensor<1x4xf32> -> tensor<1x4x!quant.uniform<u16:f32
// CHECK: qnn.matmul
func.func @main(%x: tensor<1x4xf32> {qcc.calib = array<f64: -1.0, 1.0>},
                %state: tensor<2x4xf32> {qcc.calib = array<f64: -4.0, 4.0>}) -> (tensor<1x4xf32>, tensor<2x4xf32>) {
  %c = qnn.slice %state {starts = array<i64: 1, 0>, steps = array<i64: 1, 1>, qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<2x4xf32>) -> tensor<1x4xf32>
  %c2 = qnn.add %c, %x {qcc.calib = [array<f64: -5.0, 5.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %y = qnn.matmul %c, %w {qcc.calib = [array<f64: -8.0, 8.0>]} : (tensor<1x4xf32>, tensor<4x4xf32>) -> tensor<1x4xf32>
  %s = qnn.concat %y, %c2 {axis = 0 : i64, qcc.calib = [array<f64: -8.0, 8.0>]} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<2x4xf32>
  return %y, %s : tensor<1x4xf32>, tensor<2x4xf32>
}
