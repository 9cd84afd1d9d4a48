// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-bits=4 group-size=8" | FileCheck %s
// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-bits=3 group-size=8 weight-method=hqq" | FileCheck %s --check-prefix=HQQ
// RUN: qcc-opt %s -split-input-file -qcc-quantize="weight-bits=4 group-size=8 print-summary=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=SUMMARY

// Sub-byte weights: signed codes in the matmul's [K, N] layout, blocks of 8
// along K, one scale and zero point per block and column.
// CHECK-LABEL: func.func @main
// CHECK: qnn.storage_cast %{{.*}} : tensor<16x4xi4> -> tensor<16x4x!quant.uniform<i4:f32:{0:8, 1:1}, {{[{][{]}}
// CHECK: qnn.matmul
// HQQ-LABEL: func.func @main
// HQQ: qnn.storage_cast %{{.*}} : tensor<16x4xi3> -> tensor<16x4x!quant.uniform<i3:f32:{0:8, 1:1}
// SUMMARY: [quant] W4 g8 rtn: 1 layers
func.func @main(%x: tensor<2x16xf32> {qcc.calib = array<f64: -1.0, 1.0>}) -> tensor<2x4xf32> {
  %w = arith.constant dense<[[0.06300000101327896, -0.06599999964237213, 0.3199999928474426, 0.052000001072883606], [-0.2680000066757202, 0.1809999942779541, 0.6520000100135803, 0.4740000069141388], [-0.35199999809265137, -0.6330000162124634, -0.31200000643730164, 0.020999999716877937], [-1.1629999876022339, -0.10899999737739563, -0.6230000257492065, -0.3659999966621399], [-0.2720000147819519, -0.15800000727176666, 0.20600000023841858, 0.5210000276565552], [-0.06400000303983688, 0.6830000281333923, -0.3330000042915344, 0.17599999904632568], [0.4519999921321869, 0.04699999839067459, -0.3720000088214874, -0.460999995470047], [-0.2290000021457672, 0.10999999940395355, -0.5049999952316284, -0.10499999672174454], [-0.07999999821186066, 0.27000001072883606, 0.10700000077486038, 0.17800000309944153], [-0.3269999921321869, -0.06499999761581421, 0.3919999897480011, 0.746999979019165], [-0.6299999952316284, 0.7570000290870667, 0.6729999780654907, 0.39100000262260437], [0.13199999928474426, -0.15700000524520874, 0.7289999723434448, 0.9800000190734863], [0.9010000228881836, 0.6579999923706055, 0.17900000512599945, -0.6039999723434448], [-0.0020000000949949026, 0.328000009059906, -0.6439999938011169, 0.1979999989271164], [0.2150000035762787, 0.3479999899864197, -0.5920000076293945, -0.3310000002384186], [-0.21799999475479126, -0.5849999785423279, 0.8700000047683716, -0.24799999594688416]]> : tensor<16x4xf32>
  %y = qnn.matmul %x, %w {qcc.calib = [array<f64: -4.0, 4.0>]} : (tensor<2x16xf32>, tensor<16x4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// A 3x3 convolution over 16 channels: groups hold whole channels (8 x 9
// elements); one over 3 channels cannot be split into groups that are a
// multiple of 8 and keeps per-channel int8.
// CHECK-LABEL: func.func @main
// CHECK-DAG: tensor<4x16x3x3xi4> -> tensor<4x16x3x3x!quant.uniform<i4:f32:{0:1, 1:8}
// CHECK-DAG: tensor<2x3x3x3xi8> -> tensor<2x3x3x3x!quant.uniform<i8:f32:0
// SUMMARY: [quant] W4 g72 rtn: 1 layers
// SUMMARY: [quant] int8 per-channel: 1 layers
func.func @main(%x: tensor<1x16x4x4xf32> {qcc.calib = array<f64: 0.0, 1.0>}, %z: tensor<1x3x4x4xf32> {qcc.calib = array<f64: 0.0, 1.0>}) -> (tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<0.25> : tensor<4x16x3x3xf32>
  %c = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, qcc.calib = [array<f64: 0.0, 9.0>]} : (tensor<1x16x4x4xf32>, tensor<4x16x3x3xf32>) -> tensor<1x4x4x4xf32>
  %v = arith.constant dense<0.5> : tensor<2x3x3x3xf32>
  %d = qnn.conv %z, %v {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, qcc.calib = [array<f64: 0.0, 9.0>]} : (tensor<1x3x4x4xf32>, tensor<2x3x3x3xf32>) -> tensor<1x2x4x4xf32>
  return %c, %d : tensor<1x4x4x4xf32>, tensor<1x2x4x4xf32>
}
