// Float ops between a dequantize and a quantize (the QDQ form before
// qcc-integerize) run too; their float results are outside the exactness
// contract, so this graph uses values every float kernel computes exactly.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], np.float32))"
// RUN: qcc-reference %s --input x=%t/x.npy --print | FileCheck %s

// CHECK: y: tensor<1x2x2x2xi8> = [6, 8, 12, 14, -2, -4, -8, -10]
// CHECK: p: tensor<1x2x1x1xf32> = [3.5, -1]
func.func @main(%x: tensor<1x1x3x3xf32> {qcc.name = "x"}) -> (tensor<1x2x2x2xi8> {qcc.name = "y"}, tensor<1x2x1x1xf32> {qcc.name = "p"}) {
  %q = qnn.quantize %x : tensor<1x1x3x3xf32> -> tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5:-2>>
  %xd = qnn.dequantize %q : tensor<1x1x3x3x!quant.uniform<i8:f32, 0.5:-2>> -> tensor<1x1x3x3xf32>
  %wi = arith.constant dense<[[[[1, 0], [0, 1]]], [[[-1, 0], [0, 0]]]]> : tensor<2x1x2x2xi8>
  %wq = quant.scast %wi : tensor<2x1x2x2xi8> to tensor<2x1x2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>>
  %wd = qnn.dequantize %wq : tensor<2x1x2x2x!quant.uniform<i8:f32:0, {0.25, 1.0}>> -> tensor<2x1x2x2xf32>
  %c = qnn.conv %xd, %wd {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x1x3x3xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  %r = qnn.relu %c : tensor<1x2x2x2xf32>
  %s = qnn.add %r, %c : (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %yq = qnn.quantize %s : tensor<1x2x2x2xf32> -> tensor<1x2x2x2x!quant.uniform<i8:f32, 0.5>>
  %y = quant.scast %yq : tensor<1x2x2x2x!quant.uniform<i8:f32, 0.5>> to tensor<1x2x2x2xi8>
  %p = qnn.pool max, %c {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
                         dilations = array<i64: 1, 1>} : (tensor<1x2x2x2xf32>) -> tensor<1x2x1x1xf32>
  return %y, %p : tensor<1x2x2x2xi8>, tensor<1x2x1x1xf32>
}
