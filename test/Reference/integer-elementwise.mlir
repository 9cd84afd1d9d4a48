// Integer elementwise ops wrap at the element width (two's complement);
// relu/clip clamp; cast wraps between integer types and truncates floats.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/a.npy', np.array([100, -100, 127, -128, 7, -7], np.int8)); np.save('%t/b.npy', np.array([100, 100, 1, -1, -3, 2], np.int8)); np.save('%t/u.npy', np.array([200, 100, 255, 0, 3, 254], np.uint8)); np.save('%t/w.npy', np.array([300, -129, 255, 65536 + 5, -2147483648, 2147483647], np.int32)); np.save('%t/f.npy', np.array([2.7, -2.7, 127.9, -128.9, 0.5, -0.5], np.float32))"
// RUN: qcc-reference %s --entry arith --input a=%t/a.npy --input b=%t/b.npy --input u=%t/u.npy --print | FileCheck %s --check-prefix=ARITH
// RUN: qcc-reference %s --entry unary --input a=%t/a.npy --input w=%t/w.npy --print | FileCheck %s --check-prefix=UNARY
// RUN: qcc-reference %s --entry casts --input w=%t/w.npy --input u=%t/u.npy --input f=%t/f.npy --print | FileCheck %s --check-prefix=CAST

// ARITH: add: tensor<6xi8> = [-56, 0, -128, 127, 4, -5]
// ARITH: sub: tensor<6xi8> = [0, 56, 126, -127, 10, -9]
// ARITH: mul: tensor<6xi8> = [16, -16, 127, -128, -21, -14]
// ARITH: max: tensor<6xi8> = [100, 100, 127, -1, 7, 2]
// ARITH: min: tensor<6xi8> = [100, -100, 1, -128, -3, -7]
// ARITH: uadd: tensor<6xui8> = [144, 200, 254, 0, 6, 252]
// ARITH: umax: tensor<6xui8> = [200, 100, 255, 100, 100, 254]
// ARITH: sel: tensor<6xi8> = [100, 100, 127, -1, 7, 2]
func.func @arith(%a: tensor<6xi8> {qcc.name = "a"}, %b: tensor<6xi8> {qcc.name = "b"}, %u: tensor<6xui8> {qcc.name = "u"})
    -> (tensor<6xi8> {qcc.name = "add"}, tensor<6xi8> {qcc.name = "sub"}, tensor<6xi8> {qcc.name = "mul"},
        tensor<6xi8> {qcc.name = "max"}, tensor<6xi8> {qcc.name = "min"}, tensor<6xui8> {qcc.name = "uadd"},
        tensor<6xui8> {qcc.name = "umax"}, tensor<6xi8> {qcc.name = "sel"}) {
  %add = qnn.add %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  %sub = qnn.sub %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  %mul = qnn.mul %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  %max = qnn.max %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  %min = qnn.min %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  %uadd = qnn.add %u, %u : (tensor<6xui8>, tensor<6xui8>) -> tensor<6xui8>
  %c100 = arith.constant dense<100> : tensor<1xui8>
  %umax = qnn.max %u, %c100 : (tensor<6xui8>, tensor<1xui8>) -> tensor<6xui8>
  %gt = qnn.compare gt, %a, %b : (tensor<6xi8>, tensor<6xi8>) -> tensor<6xi1>
  %sel = qnn.where %gt, %a, %b : (tensor<6xi1>, tensor<6xi8>, tensor<6xi8>) -> tensor<6xi8>
  return %add, %sub, %mul, %max, %min, %uadd, %umax, %sel
      : tensor<6xi8>, tensor<6xi8>, tensor<6xi8>, tensor<6xi8>, tensor<6xi8>, tensor<6xui8>, tensor<6xui8>, tensor<6xi8>
}

// UNARY: relu: tensor<6xi8> = [100, 0, 127, 0, 7, 0]
// UNARY: clip: tensor<6xi8> = [6, -3, 6, -3, 6, -3]
// UNARY: neg: tensor<6xi8> = [-100, 100, -127, -128, -7, 7]
// UNARY: abs: tensor<6xi32> = [300, 129, 255, 65541, -2147483648, 2147483647]
func.func @unary(%a: tensor<6xi8> {qcc.name = "a"}, %w: tensor<6xi32> {qcc.name = "w"})
    -> (tensor<6xi8> {qcc.name = "relu"}, tensor<6xi8> {qcc.name = "clip"}, tensor<6xi8> {qcc.name = "neg"},
        tensor<6xi32> {qcc.name = "abs"}) {
  %relu = qnn.relu %a : tensor<6xi8>
  %clip = qnn.clip %a {min = -3.0 : f64, max = 6.0 : f64} : tensor<6xi8>
  %neg = qnn.neg %a : tensor<6xi8>
  %abs = qnn.abs %w : tensor<6xi32>
  return %relu, %clip, %neg, %abs : tensor<6xi8>, tensor<6xi8>, tensor<6xi8>, tensor<6xi32>
}

// CAST: i8: tensor<6xi8> = [44, 127, -1, 5, 0, -1]
// CAST: u8: tensor<6xui8> = [44, 127, 255, 5, 0, 255]
// CAST: wide: tensor<6xi32> = [200, 100, 255, 0, 3, 254]
// CAST: trunc: tensor<6xi8> = [2, -2, 127, -128, 0, 0]
// CAST: bool: tensor<6xi1> = [1, 1, 1, 0, 1, 1]
func.func @casts(%w: tensor<6xi32> {qcc.name = "w"}, %u: tensor<6xui8> {qcc.name = "u"}, %f: tensor<6xf32> {qcc.name = "f"})
    -> (tensor<6xi8> {qcc.name = "i8"}, tensor<6xui8> {qcc.name = "u8"}, tensor<6xi32> {qcc.name = "wide"},
        tensor<6xi8> {qcc.name = "trunc"}, tensor<6xi1> {qcc.name = "bool"}) {
  %i8 = qnn.cast %w : tensor<6xi32> to tensor<6xi8>
  %u8 = qnn.cast %w : tensor<6xi32> to tensor<6xui8>
  %wide = qnn.cast %u : tensor<6xui8> to tensor<6xi32>
  %trunc = qnn.cast %f : tensor<6xf32> to tensor<6xi8>
  %bool = qnn.cast %u : tensor<6xui8> to tensor<6xi1>
  return %i8, %u8, %wide, %trunc, %bool : tensor<6xi8>, tensor<6xui8>, tensor<6xi32>, tensor<6xi8>, tensor<6xi1>
}
