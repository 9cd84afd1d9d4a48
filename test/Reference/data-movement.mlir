// Data movement on integers moves values exactly; padding uses the given
// (zero-point) value; max pooling ignores padding.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', (np.arange(24).reshape(2, 3, 4) * 11 - 128).astype(np.int8)); np.save('%t/i.npy', np.array([[-1, 0], [2, -3]], np.int64))"
// RUN: qcc-reference %s --entry movement --input x=%t/x.npy --input i=%t/i.npy --print | FileCheck %s --check-prefix=MOVE
// RUN: %python -c "import numpy as np; np.save('%t/p.npy', np.array([[[[-100, -3, -128], [-7, -50, -2]]]], np.int8)); np.save('%t/u.npy', np.array([[[[0, 255], [128, 7]]]], np.uint8))"
// RUN: qcc-reference %s --entry pads --input p=%t/p.npy --print | FileCheck %s --check-prefix=PAD
// RUN: qcc-reference %s --entry pools --input p=%t/p.npy --input u=%t/u.npy --print | FileCheck %s --check-prefix=POOL
// RUN: qcc-reference %s --entry resizes --input u=%t/u.npy --print | FileCheck %s --check-prefix=RESIZE

// x = arange(24) * 11 - 128 wrapped to i8, shape 2x3x4.
// MOVE: r: tensor<4x6xi8> = [-128, -117, -106, -95, -84, -73, -62, -51, -40, -29, -18, -7, 4, 15, 26, 37, 48, 59, 70, 81, 92, 103, 114, 125]
// MOVE: t: tensor<4x2x3xi8> = [-128, -84, -40, 4, 48, 92, -117, -73, -29, 15, 59, 103, -106, -62, -18, 26, 70, 114, -95, -51, -7, 37, 81, 125]
// MOVE: b: tensor<2x2x3x4xi8> = [-128, -128, -128, -128, -84, -84, -84, -84, -40, -40, -40, -40, 4, 4, 4, 4, 48, 48, 48, 48, 92, 92, 92, 92, -128, -128, -128, -128, -84, -84, -84, -84, -40, -40, -40, -40, 4, 4, 4, 4, 48, 48, 48, 48, 92, 92, 92, 92]
// MOVE: c: tensor<2x6x4xi8> = [-128, -117, -106, -95, -84, -73, -62, -51, -40, -29, -18, -7, -128, -128, -128, -128, -84, -84, -84, -84, -40, -40, -40, -40, 4, 15, 26, 37, 48, 59, 70, 81, 92, 103, 114, 125, 4, 4, 4, 4, 48, 48, 48, 48, 92, 92, 92, 92]
// MOVE: s: tensor<2x2x2xi8> = [125, 103, 81, 59, -7, -29, -51, -73]
// MOVE: g: tensor<2x2x2x4xi8> = [-40, -29, -18, -7, -128, -117, -106, -95, -40, -29, -18, -7, -128, -117, -106, -95, 92, 103, 114, 125, 4, 15, 26, 37, 92, 103, 114, 125, 4, 15, 26, 37]
func.func @movement(%x: tensor<2x3x4xi8> {qcc.name = "x"}, %i: tensor<2x2xi64> {qcc.name = "i"})
    -> (tensor<4x6xi8> {qcc.name = "r"}, tensor<4x2x3xi8> {qcc.name = "t"}, tensor<2x2x3x4xi8> {qcc.name = "b"},
        tensor<2x6x4xi8> {qcc.name = "c"}, tensor<2x2x2xi8> {qcc.name = "s"}, tensor<2x2x2x4xi8> {qcc.name = "g"}) {
  %r = qnn.reshape %x : (tensor<2x3x4xi8>) -> tensor<4x6xi8>
  %t = qnn.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xi8>) -> tensor<4x2x3xi8>
  %col = qnn.slice %x {starts = array<i64: 0, 0, 0>, steps = array<i64: 1, 1, 1>} : (tensor<2x3x4xi8>) -> tensor<2x3x1xi8>
  %b = qnn.broadcast %col : (tensor<2x3x1xi8>) -> tensor<2x2x3x4xi8>
  %b3 = qnn.broadcast %col : (tensor<2x3x1xi8>) -> tensor<2x3x4xi8>
  %c = qnn.concat %x, %b3 {axis = 1 : i64} : (tensor<2x3x4xi8>, tensor<2x3x4xi8>) -> tensor<2x6x4xi8>
  %s = qnn.slice %x {starts = array<i64: 1, 2, 3>, steps = array<i64: -1, -1, -2>} : (tensor<2x3x4xi8>) -> tensor<2x2x2xi8>
  %g = qnn.gather %x, %i {axis = 1 : i64} : (tensor<2x3x4xi8>, tensor<2x2xi64>) -> tensor<2x2x2x4xi8>
  return %r, %t, %b, %c, %s, %g : tensor<4x6xi8>, tensor<4x2x3xi8>, tensor<2x2x3x4xi8>, tensor<2x6x4xi8>, tensor<2x2x2xi8>, tensor<2x2x2x4xi8>
}

// Constant padding with the zero point -128; reflect, edge and wrap; a
// negative pad crops.
// PAD: const: tensor<1x1x3x5xi8> = [-128, -128, -128, -128, -128, -128, -100, -3, -128, -128, -128, -7, -50, -2, -128]
// PAD: reflect: tensor<1x1x2x7xi8> = [-128, -3, -100, -3, -128, -3, -100, -2, -50, -7, -50, -2, -50, -7]
// PAD: edge: tensor<1x1x4x4xi8> = [-100, -100, -3, -128, -100, -100, -3, -128, -7, -7, -50, -2, -7, -7, -50, -2]
// PAD: wrap: tensor<1x1x2x4xi8> = [-128, -100, -3, -128, -2, -7, -50, -2]
// PAD: crop: tensor<1x1x2x2xi8> = [-3, -128, -50, -2]
func.func @pads(%p: tensor<1x1x2x3xi8> {qcc.name = "p"})
    -> (tensor<1x1x3x5xi8> {qcc.name = "const"}, tensor<1x1x2x7xi8> {qcc.name = "reflect"}, tensor<1x1x4x4xi8> {qcc.name = "edge"},
        tensor<1x1x2x4xi8> {qcc.name = "wrap"}, tensor<1x1x2x2xi8> {qcc.name = "crop"}) {
  %c = qnn.pad constant, %p {pads = array<i64: 0, 0, 1, 1, 0, 0, 0, 1>, value = -128.0 : f64} : (tensor<1x1x2x3xi8>) -> tensor<1x1x3x5xi8>
  %r = qnn.pad reflect, %p {pads = array<i64: 0, 0, 0, 2, 0, 0, 0, 2>} : (tensor<1x1x2x3xi8>) -> tensor<1x1x2x7xi8>
  %e = qnn.pad edge, %p {pads = array<i64: 0, 0, 1, 1, 0, 0, 1, 0>} : (tensor<1x1x2x3xi8>) -> tensor<1x1x4x4xi8>
  %w = qnn.pad wrap, %p {pads = array<i64: 0, 0, 0, 1, 0, 0, 0, 0>} : (tensor<1x1x2x3xi8>) -> tensor<1x1x2x4xi8>
  %k = qnn.pad constant, %p {pads = array<i64: 0, 0, 0, -1, 0, 0, 0, 0>, value = 0.0 : f64} : (tensor<1x1x2x3xi8>) -> tensor<1x1x2x2xi8>
  return %c, %r, %e, %w, %k : tensor<1x1x3x5xi8>, tensor<1x1x2x7xi8>, tensor<1x1x4x4xi8>, tensor<1x1x2x4xi8>, tensor<1x1x2x2xi8>
}

// Max pooling: padding never wins, even over all-negative windows; a
// ceil-mode window past the padding; ui8 compares unsigned.
// POOL: m: tensor<1x1x2x3xi8> = [-100, -3, -3, -7, -3, -2]
// POOL: cm: tensor<1x1x1x2xi8> = [-3, -2]
// POOL: mu: tensor<1x1x1x1xui8> = [255]
func.func @pools(%p: tensor<1x1x2x3xi8> {qcc.name = "p"}, %u: tensor<1x1x2x2xui8> {qcc.name = "u"})
    -> (tensor<1x1x2x3xi8> {qcc.name = "m"}, tensor<1x1x1x2xi8> {qcc.name = "cm"}, tensor<1x1x1x1xui8> {qcc.name = "mu"}) {
  %m = qnn.pool max, %p {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 0, 0>,
                         dilations = array<i64: 1, 1>} : (tensor<1x1x2x3xi8>) -> tensor<1x1x2x3xi8>
  %cm = qnn.pool max, %p {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
                          dilations = array<i64: 1, 1>} : (tensor<1x1x2x3xi8>) -> tensor<1x1x1x2xi8>
  %mu = qnn.pool max, %u {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>,
                          dilations = array<i64: 1, 1>} : (tensor<1x1x2x2xui8>) -> tensor<1x1x1x1xui8>
  return %m, %cm, %mu : tensor<1x1x2x3xi8>, tensor<1x1x1x2xi8>, tensor<1x1x1x1xui8>
}

// Nearest resize of ui8 (asymmetric + floor, half_pixel + round_prefer_floor).
// RESIZE: a: tensor<1x1x4x4xui8> = [0, 0, 255, 255, 0, 0, 255, 255, 128, 128, 7, 7, 128, 128, 7, 7]
// RESIZE: h: tensor<1x1x3x3xui8> = [0, 0, 255, 0, 0, 255, 128, 128, 7]
func.func @resizes(%u: tensor<1x1x2x2xui8> {qcc.name = "u"}) -> (tensor<1x1x4x4xui8> {qcc.name = "a"}, tensor<1x1x3x3xui8> {qcc.name = "h"}) {
  %a = qnn.resize %u {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor",
                      scales = array<f64: 1.0, 1.0, 2.0, 2.0>} : (tensor<1x1x2x2xui8>) -> tensor<1x1x4x4xui8>
  %h = qnn.resize %u {mode = "nearest", coordinate_transformation_mode = "half_pixel", nearest_mode = "round_prefer_floor",
                      scales = array<f64: 1.0, 1.0, 1.5, 1.5>} : (tensor<1x1x2x2xui8>) -> tensor<1x1x3x3xui8>
  return %a, %h : tensor<1x1x4x4xui8>, tensor<1x1x3x3xui8>
}
