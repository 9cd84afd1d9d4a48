// RUN: qcc-opt %s -split-input-file -qcc-quantize -verify-diagnostics | FileCheck %s

// Calibrated points get QDQ pairs (uint8, asymmetric over [min(lo,0),
// max(hi,0)]); conv weights become per-channel int8; a conv result that
// only feeds a ReLU stays float for the integerizer to fuse.
// CHECK-LABEL: func.func @main
// CHECK: qnn.quantize %arg0 : tensor<1x1x4x4xf32> -> tensor<1x1x4x4x!quant.uniform<u8:f32, 0.0039215688593685627>>
// CHECK: qnn.storage_cast %{{.*}} : tensor<2x1x1x1xi8> -> tensor<2x1x1x1x!quant.uniform<i8:f32:0, {0.0039370078{{[0-9]*}},0.015748031{{[0-9]*}}}>>
// CHECK: %[[C:.*]] = qnn.conv
// CHECK-NEXT: qnn.relu %[[C]]
// CHECK-NEXT: qnn.quantize %{{.*}} -> tensor<1x2x4x4x!quant.uniform<u8:f32, 0.0078431377187371254>>
func.func @main(%x: tensor<1x1x4x4xf32> {qcc.calib = array<f64: 0.0, 1.0>}) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[0.5]]], [[[-2.0]]]]> : tensor<2x1x1x1xf32>
  %c = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.calib = [array<f64: -2.0, 0.5>]} : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = qnn.relu %c {qcc.calib = [array<f64: 0.0, 2.0>]} : tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

func.func @main(%x: tensor<4xf32> {qcc.calib = array<f64: -1.0, 1.0>}) -> tensor<4xf32> {
  // expected-error @+1 {{no calibration range for tensor t1}}
  %s = qnn.sigmoid %x : tensor<4xf32>
  return %s : tensor<4xf32>
}
