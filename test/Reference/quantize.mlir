// qnn.quantize: one IEEE f32 division, round half to even, + zero point,
// saturation; NaN gives the zero point, +-inf saturate (docs/numerics.md).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/ties.npy', np.array([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, -3.5, 2.4999998, -2.5000002, 11.75, 11.15, -11.75, np.nan, np.inf, -np.inf, 300, -300], np.float32))"
// RUN: qcc-reference %s --entry ties --input x=%t/ties.npy --print | FileCheck %s --check-prefix=TIES
// RUN: qcc-reference %s --entry zero_points --input x=%t/ties.npy --print | FileCheck %s --check-prefix=ZP
// RUN: %python -c "import numpy as np; np.save('%t/axis.npy', np.array([[1.0, 1.25, -2.0], [63.75, -64.5, 200.0], [np.nan, 0.125, -0.125]], np.float32))"
// RUN: qcc-reference %s --entry per_axis --input x=%t/axis.npy --print | FileCheck %s --check-prefix=AXIS
// RUN: %python -c "import numpy as np; np.save('%t/block.npy', np.array([[1, 2, 3, 4], [5, 6, 7, 8]], np.float32))"
// RUN: qcc-reference %s --entry sub_channel --input x=%t/block.npy --print | FileCheck %s --check-prefix=BLOCK
// RUN: %python -c "import numpy as np; np.save('%t/f64.npy', np.array([0.30000000000000004, 1e-45, 70000.0], np.float64))"
// RUN: qcc-reference %s --entry from_f64 --input x=%t/f64.npy --print | FileCheck %s --check-prefix=F64

// Scale 1: ties go to the even neighbour (2.5 -> 2, -2.5 -> -2, 3.5 -> 4).
// Scale 0.1: 11.75f / 0.1f is 117.5 in f32 (-> 118), although the exact
// quotient of the f32 values is below 117.5 (a double division gives 117);
// 11.15f / 0.1f = 111.49999 (-> 111) while 11.15f * (1 / 0.1f) -> 112.
// TIES: q: tensor<18xi8> = [0, 2, 2, 4, 0, -2, -2, -4, 2, -3, 118, 111, -118, 0, 127, -128, 127, -128]
func.func @ties(%x: tensor<18xf32> {qcc.name = "x"}) -> (tensor<18xi8> {qcc.name = "q"}) {
  %a = qnn.slice %x {starts = array<i64: 0>, steps = array<i64: 1>} : (tensor<18xf32>) -> tensor<10xf32>
  %b = qnn.slice %x {starts = array<i64: 10>, steps = array<i64: 1>} : (tensor<18xf32>) -> tensor<3xf32>
  %c = qnn.slice %x {starts = array<i64: 13>, steps = array<i64: 1>} : (tensor<18xf32>) -> tensor<5xf32>
  %qa = qnn.quantize %a : tensor<10xf32> -> tensor<10x!quant.uniform<i8:f32, 1.0>>
  %qb = qnn.quantize %b : tensor<3xf32> -> tensor<3x!quant.uniform<i8:f32, 0.1>>
  %qc = qnn.quantize %c : tensor<5xf32> -> tensor<5x!quant.uniform<i8:f32, 1.0>>
  %ia = quant.scast %qa : tensor<10x!quant.uniform<i8:f32, 1.0>> to tensor<10xi8>
  %ib = quant.scast %qb : tensor<3x!quant.uniform<i8:f32, 0.1>> to tensor<3xi8>
  %ic = quant.scast %qc : tensor<5x!quant.uniform<i8:f32, 1.0>> to tensor<5xi8>
  %r = qnn.concat %ia, %ib, %ic {axis = 0 : i64} : (tensor<10xi8>, tensor<3xi8>, tensor<5xi8>) -> tensor<18xi8>
  return %r : tensor<18xi8>
}

// Zero points at the ends of the storage range: u8 zp 255 and i8 zp -128
// (NaN becomes the zero point itself).
// ZP: hi: tensor<18x!quant.uniform<u8:f32, {{.*}}:255>> = [255, 255, 255, 255, 254, 252, 250, 248, 255, 250, 255, 255, 231, 255, 255, 0, 255, 0]
// ZP: lo: tensor<18x!quant.uniform<i8:f32, {{.*}}:-128>> = [-127, -125, -123, -121, -128, -128, -128, -128, -123, -128, -104, -106, -128, -128, 127, -128, 127, -128]
func.func @zero_points(%x: tensor<18xf32> {qcc.name = "x"}) -> (tensor<18x!quant.uniform<u8:f32, 0.5:255>> {qcc.name = "hi"}, tensor<18x!quant.uniform<i8:f32, 0.5:-128>> {qcc.name = "lo"}) {
  %hi = qnn.quantize %x : tensor<18xf32> -> tensor<18x!quant.uniform<u8:f32, 0.5:255>>
  %lo = qnn.quantize %x : tensor<18xf32> -> tensor<18x!quant.uniform<i8:f32, 0.5:-128>>
  return %hi, %lo : tensor<18x!quant.uniform<u8:f32, 0.5:255>>, tensor<18x!quant.uniform<i8:f32, 0.5:-128>>
}

// Per-axis (axis 1) u8 with zero points 0, 255 and 128.
// AXIS: q: tensor<3x3xui8> = [2, 255, 126, 128, 0, 255, 0, 255, 128]
func.func @per_axis(%x: tensor<3x3xf32> {qcc.name = "x"}) -> (tensor<3x3xui8> {qcc.name = "q"}) {
  %q = qnn.quantize %x : tensor<3x3xf32> -> tensor<3x3x!quant.uniform<u8:f32:1, {0.5:0, 0.25:255, 1.0:128}>>
  %s = quant.scast %q : tensor<3x3x!quant.uniform<u8:f32:1, {0.5:0, 0.25:255, 1.0:128}>> to tensor<3x3xi8>
  %u = tensor.bitcast %s : tensor<3x3xi8> to tensor<3x3xui8>
  return %u : tensor<3x3xui8>
}

// Sub-channel: blocks of 2 along axis 1, one row each along axis 0.
// BLOCK: q: tensor<2x4xi8> = [3, 5, 2, 3, 2, 3, 31, 35]
func.func @sub_channel(%x: tensor<2x4xf32> {qcc.name = "x"}) -> (tensor<2x4xi8> {qcc.name = "q"}) {
  %q = qnn.quantize %x : tensor<2x4xf32> -> tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{0.5:1, 1.0:-1}, {2.0:0, 0.25:3}}>>
  %s = quant.scast %q : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{0.5:1, 1.0:-1}, {2.0:0, 0.25:3}}>> to tensor<2x4xi8>
  return %s : tensor<2x4xi8>
}

// f64 inputs are converted to f32 first; i16 storage.
// F64: q: tensor<3xi16> = [3, 0, 32767]
func.func @from_f64(%x: tensor<3xf64> {qcc.name = "x"}) -> (tensor<3xi16> {qcc.name = "q"}) {
  %q = qnn.quantize %x : tensor<3xf64> -> tensor<3x!quant.uniform<i16:f32, 0.1>>
  %s = quant.scast %q : tensor<3x!quant.uniform<i16:f32, 0.1>> to tensor<3xi16>
  return %s : tensor<3xi16>
}
