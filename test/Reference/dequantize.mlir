// qnn.dequantize: x = f32(q - zp) * f32(s), one IEEE f32 multiplication;
// quant.scast and tensor.bitcast reinterpret storage bits.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/q.npy', np.array([-128, -1, 0, 1, 3, 127], np.int8)); np.save('%t/u.npy', np.array([[0, 128, 255], [7, 255, 0]], np.uint8))"
// RUN: qcc-reference %s --entry per_tensor --input q=%t/q.npy --print | FileCheck %s --check-prefix=TENSOR
// RUN: qcc-reference %s --entry per_axis --input u=%t/u.npy --print | FileCheck %s --check-prefix=AXIS
// RUN: qcc-reference %s --entry constant_weights --print | FileCheck %s --check-prefix=CONST
// RUN: qcc-reference %s --entry to_f16 --input q=%t/q.npy --print --output-dir %t/out | FileCheck %s --check-prefix=F16
// RUN: %python -c "import numpy as np; a = np.load('%t/out/x.npy'); print(a.dtype, a.tolist())" | FileCheck %s --check-prefix=F16NPY

// 0.1 is f32 0.100000001490116...; -129 * 0.1f rounds to -12.9000006.
// TENSOR: x: tensor<6xf32> = [-12.9000006, -0.200000003, -0.100000001, 0, 0.200000003, 12.6000004]
func.func @per_tensor(%q: tensor<6xi8> {qcc.name = "q"}) -> (tensor<6xf32> {qcc.name = "x"}) {
  %s = quant.scast %q : tensor<6xi8> to tensor<6x!quant.uniform<i8:f32, 0.1:1>>
  %x = qnn.dequantize %s : tensor<6x!quant.uniform<i8:f32, 0.1:1>> -> tensor<6xf32>
  return %x : tensor<6xf32>
}

// u8 storage read unsigned after a bitcast ui8 -> i8 -> quant; axis 0
// zero points at both ends of the range.
// AXIS: x: tensor<2x3xf32> = [0, 32, 63.75, -124, 0, -127.5]
func.func @per_axis(%u: tensor<2x3xui8> {qcc.name = "u"}) -> (tensor<2x3xf32> {qcc.name = "x"}) {
  %i = tensor.bitcast %u : tensor<2x3xui8> to tensor<2x3xi8>
  %s = quant.scast %i : tensor<2x3xi8> to tensor<2x3x!quant.uniform<u8:f32:0, {0.25:0, 0.5:255}>>
  %x = qnn.dequantize %s : tensor<2x3x!quant.uniform<u8:f32:0, {0.25:0, 0.5:255}>> -> tensor<2x3xf32>
  return %x : tensor<2x3xf32>
}

// Weights as an integer constant; the i8 bits -1 and -128 are 255 and 128
// as u8. Sub-channel blocks of 2 along axis 1.
// CONST: w: tensor<2x4xf32> = [1, 0, 381, 381, 64, 63.5, 3, 0]
func.func @constant_weights() -> (tensor<2x4xf32> {qcc.name = "w"}) {
  %c = arith.constant dense<[[2, 0, -1, -1], [-128, 127, 4, 2]]> : tensor<2x4xi8>
  %s = quant.scast %c : tensor<2x4xi8> to tensor<2x4x!quant.uniform<u8:f32:{0:1, 1:2}, {{0.5:0, 1.5:1}, {0.5:0, 1.5:2}}>>
  %x = qnn.dequantize %s : tensor<2x4x!quant.uniform<u8:f32:{0:1, 1:2}, {{0.5:0, 1.5:1}, {0.5:0, 1.5:2}}>> -> tensor<2x4xf32>
  return %x : tensor<2x4xf32>
}

// The f32 product rounded once more to the result type.
// F16: x: tensor<6xf16> = [-12.898, -0.19995, -0.099976, 0, 0.19995, 12.602]
// F16NPY: float16 [-12.8984375, -0.199951171875, -0.0999755859375, 0.0, 0.199951171875, 12.6015625]
func.func @to_f16(%q: tensor<6xi8> {qcc.name = "q"}) -> (tensor<6xf16> {qcc.name = "x"}) {
  %s = quant.scast %q : tensor<6xi8> to tensor<6x!quant.uniform<i8:f32, 0.1:1>>
  %x = qnn.dequantize %s : tensor<6x!quant.uniform<i8:f32, 0.1:1>> -> tensor<6xf16>
  return %x : tensor<6xf16>
}
