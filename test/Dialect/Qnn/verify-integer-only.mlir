// RUN: qcc-opt %s -split-input-file -qcc-integerize -qcc-verify-integer-only -verify-diagnostics

// A log-softmax between a dequantize and a quantize has no integer form
// yet: the pass names it.
!q = !quant.uniform<i8:f32, 0.1>
func.func @island(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %q = qnn.quantize %x : tensor<1x8xf32> -> tensor<1x8x!q>
  %d = qnn.dequantize %q : tensor<1x8x!q> -> tensor<1x8xf32>
  // expected-error @+1 {{float arithmetic 'qnn.softmax' inside a quantized region}}
  %s = qnn.softmax %d {axis = 1 : i64, log = true} : tensor<1x8xf32>
  %q2 = qnn.quantize %s : tensor<1x8xf32> -> tensor<1x8x!q>
  %d2 = qnn.dequantize %q2 : tensor<1x8x!q> -> tensor<1x8xf32>
  return %d2 : tensor<1x8xf32>
}

// -----

// Float before the first quantize and after the last dequantize is fine.
!q = !quant.uniform<i8:f32, 0.1>
func.func @head_and_tail(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %e = qnn.exp %x : tensor<1x8xf32>
  %q = qnn.quantize %e : tensor<1x8xf32> -> tensor<1x8x!q>
  %d = qnn.dequantize %q : tensor<1x8x!q> -> tensor<1x8xf32>
  %s = qnn.softmax %d {axis = 1 : i64} : tensor<1x8xf32>
  return %s : tensor<1x8xf32>
}
