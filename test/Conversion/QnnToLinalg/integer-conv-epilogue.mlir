// RUN: qcc-opt %s -split-input-file -qcc-lower-qnn-to-linalg | FileCheck %s

// A convolution that the runtime's implicit-im2col kernel takes, followed
// by a per-filter requantize to 8 bits (input zero point 0) and a byte
// table: the requantize and table become one elementwise generic over the
// int32 sums, tagged qcc.qconv_epilogue (multipliers, shifts, zero point,
// clamp, the table indexed by the requantized byte: for a uint8 result,
// entry v is the table's entry v), which qcc-fuse-elementwise leaves whole
// and qcc-convert-linalg-to-ukernels folds into the convolution's call. No
// separate bias add, requantize or table loop remains.
// CHECK-LABEL: func.func @conv_requant_table
// CHECK: linalg.generic
// CHECK-SAME: qcc.qconv = {{.*}}
// CHECK: %[[E:.+]] = linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x4x6x6xi32>, tensor<1x4x1x1xi32>, tensor<1x4x1x1xi64>, tensor<1x4x1x1xi64>, tensor<1x4x1x1xi64>)
// CHECK-SAME: qcc.qconv_epilogue = {bias, clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>, table = array<i8: -128, -91, -54,
// CHECK-NOT: linalg.generic
// CHECK: return %[[E]]
func.func @conv_requant_table(%x: tensor<1x2x6x6xui8>) -> tensor<1x4x6x6xi8> {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]], [[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]], [[[-96, -47, -107], [26, -113, 9], [114, 70, 90]], [[74, 99, -60], [59, -79, -110], [-59, 125, -17]]], [[[4, 95, 26], [87, 69, 51], [80, -10, 44]], [[-114, 15, -45], [39, -75, -20], [8, 17, -65]]], [[[-96, 118, 119], [-83, 48, -94], [82, -51, -118]], [[22, 90, 84], [-68, -106, -105], [65, 41, 14]]]]> : tensor<4x2x3x3xi8>
  %b = arith.constant dense<[100, -200, 300, -400]> : tensor<4xi32>
  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>, tensor<4xi32>) -> tensor<1x4x6x6xi32>
  %r = qnn.requantize %y {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, input_zp = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xui8>
  %t = qnn.lut %r {table = dense<[-128, -91, -54, -17, 20, 57, 94, -125, -88, -51, -14, 23, 60, 97, -122, -85, -48, -11, 26, 63, 100, -119, -82, -45, -8, 29, 66, 103, -116, -79, -42, -5, 32, 69, 106, -113, -76, -39, -2, 35, 72, 109, -110, -73, -36, 1, 38, 75, 112, -107, -70, -33, 4, 41, 78, 115, -104, -67, -30, 7, 44, 81, 118, -101, -64, -27, 10, 47, 84, 121, -98, -61, -24, 13, 50, 87, 124, -95, -58, -21, 16, 53, 90, 127, -92, -55, -18, 19, 56, 93, -126, -89, -52, -15, 22, 59, 96, -123, -86, -49, -12, 25, 62, 99, -120, -83, -46, -9, 28, 65, 102, -117, -80, -43, -6, 31, 68, 105, -114, -77, -40, -3, 34, 71, 108, -111, -74, -37, 0, 37, 74, 111, -108, -71, -34, 3, 40, 77, 114, -105, -68, -31, 6, 43, 80, 117, -102, -65, -28, 9, 46, 83, 120, -99, -62, -25, 12, 49, 86, 123, -96, -59, -22, 15, 52, 89, 126, -93, -56, -19, 18, 55, 92, -127, -90, -53, -16, 21, 58, 95, -124, -87, -50, -13, 24, 61, 98, -121, -84, -47, -10, 27, 64, 101, -118, -81, -44, -7, 30, 67, 104, -115, -78, -41, -4, 33, 70, 107, -112, -75, -38, -1, 36, 73, 110, -109, -72, -35, 2, 39, 76, 113, -106, -69, -32, 5, 42, 79, 116, -103, -66, -29, 8, 45, 82, 119, -100, -63, -26, 11, 48, 85, 122, -97, -60, -23, 14, 51, 88, 125, -94, -57, -20, 17, 54, 91]> : tensor<256xi8>} : tensor<1x4x6x6xui8> -> tensor<1x4x6x6xi8>
  return %t : tensor<1x4x6x6xi8>
}

// -----

// An int8 result: table entry v of the tag is the table's entry for the
// value (int8)v, i.e. entry v ^ 0x80 (byte 0 is the value 0, the table's
// entry 128 = 0); no bias, no table key for a requantize alone whose
// result has several users.
// CHECK-LABEL: func.func @signed_table
// CHECK: qcc.qconv_epilogue = {clamp_max = 127 : i64, clamp_min = -128 : i64, {{.*}} table = array<i8: 0, 37, 74,
// CHECK-LABEL: func.func @two_users
// CHECK: qcc.qconv_epilogue = {clamp_max = 255 : i64, clamp_min = 0 : i64, multiplier = {{.*}}, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>}
func.func @signed_table(%x: tensor<1x2x6x6xui8>) -> tensor<1x4x6x6xi8> {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]], [[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]], [[[-96, -47, -107], [26, -113, 9], [114, 70, 90]], [[74, 99, -60], [59, -79, -110], [-59, 125, -17]]], [[[4, 95, 26], [87, 69, 51], [80, -10, 44]], [[-114, 15, -45], [39, -75, -20], [8, 17, -65]]], [[[-96, 118, 119], [-83, 48, -94], [82, -51, -118]], [[22, 90, 84], [-68, -106, -105], [65, 41, 14]]]]> : tensor<4x2x3x3xi8>
  %b = arith.constant dense<[100, -200, 300, -400]> : tensor<4xi32>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>) -> tensor<1x4x6x6xi32>
  %r = qnn.requantize %y {axis = 1 : i64, clamp_max = 127 : i64, clamp_min = -128 : i64, input_zp = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 0 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xi8>
  %t = qnn.lut %r {table = dense<[-128, -91, -54, -17, 20, 57, 94, -125, -88, -51, -14, 23, 60, 97, -122, -85, -48, -11, 26, 63, 100, -119, -82, -45, -8, 29, 66, 103, -116, -79, -42, -5, 32, 69, 106, -113, -76, -39, -2, 35, 72, 109, -110, -73, -36, 1, 38, 75, 112, -107, -70, -33, 4, 41, 78, 115, -104, -67, -30, 7, 44, 81, 118, -101, -64, -27, 10, 47, 84, 121, -98, -61, -24, 13, 50, 87, 124, -95, -58, -21, 16, 53, 90, 127, -92, -55, -18, 19, 56, 93, -126, -89, -52, -15, 22, 59, 96, -123, -86, -49, -12, 25, 62, 99, -120, -83, -46, -9, 28, 65, 102, -117, -80, -43, -6, 31, 68, 105, -114, -77, -40, -3, 34, 71, 108, -111, -74, -37, 0, 37, 74, 111, -108, -71, -34, 3, 40, 77, 114, -105, -68, -31, 6, 43, 80, 117, -102, -65, -28, 9, 46, 83, 120, -99, -62, -25, 12, 49, 86, 123, -96, -59, -22, 15, 52, 89, 126, -93, -56, -19, 18, 55, 92, -127, -90, -53, -16, 21, 58, 95, -124, -87, -50, -13, 24, 61, 98, -121, -84, -47, -10, 27, 64, 101, -118, -81, -44, -7, 30, 67, 104, -115, -78, -41, -4, 33, 70, 107, -112, -75, -38, -1, 36, 73, 110, -109, -72, -35, 2, 39, 76, 113, -106, -69, -32, 5, 42, 79, 116, -103, -66, -29, 8, 45, 82, 119, -100, -63, -26, 11, 48, 85, 122, -97, -60, -23, 14, 51, 88, 125, -94, -57, -20, 17, 54, 91]> : tensor<256xi8>} : tensor<1x4x6x6xi8> -> tensor<1x4x6x6xi8>
  return %t : tensor<1x4x6x6xi8>
}
func.func @two_users(%x: tensor<1x2x6x6xui8>) -> (tensor<1x4x6x6xi8>, tensor<1x4x6x6xui8>) {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]], [[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]], [[[-96, -47, -107], [26, -113, 9], [114, 70, 90]], [[74, 99, -60], [59, -79, -110], [-59, 125, -17]]], [[[4, 95, 26], [87, 69, 51], [80, -10, 44]], [[-114, 15, -45], [39, -75, -20], [8, 17, -65]]], [[[-96, 118, 119], [-83, 48, -94], [82, -51, -118]], [[22, 90, 84], [-68, -106, -105], [65, 41, 14]]]]> : tensor<4x2x3x3xi8>
  %b = arith.constant dense<[100, -200, 300, -400]> : tensor<4xi32>
  %y = qnn.conv_integer %x, %w {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>) -> tensor<1x4x6x6xi32>
  %r = qnn.requantize %y {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, input_zp = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xui8>
  %t = qnn.lut %r {table = dense<[-128, -91, -54, -17, 20, 57, 94, -125, -88, -51, -14, 23, 60, 97, -122, -85, -48, -11, 26, 63, 100, -119, -82, -45, -8, 29, 66, 103, -116, -79, -42, -5, 32, 69, 106, -113, -76, -39, -2, 35, 72, 109, -110, -73, -36, 1, 38, 75, 112, -107, -70, -33, 4, 41, 78, 115, -104, -67, -30, 7, 44, 81, 118, -101, -64, -27, 10, 47, 84, 121, -98, -61, -24, 13, 50, 87, 124, -95, -58, -21, 16, 53, 90, 127, -92, -55, -18, 19, 56, 93, -126, -89, -52, -15, 22, 59, 96, -123, -86, -49, -12, 25, 62, 99, -120, -83, -46, -9, 28, 65, 102, -117, -80, -43, -6, 31, 68, 105, -114, -77, -40, -3, 34, 71, 108, -111, -74, -37, 0, 37, 74, 111, -108, -71, -34, 3, 40, 77, 114, -105, -68, -31, 6, 43, 80, 117, -102, -65, -28, 9, 46, 83, 120, -99, -62, -25, 12, 49, 86, 123, -96, -59, -22, 15, 52, 89, 126, -93, -56, -19, 18, 55, 92, -127, -90, -53, -16, 21, 58, 95, -124, -87, -50, -13, 24, 61, 98, -121, -84, -47, -10, 27, 64, 101, -118, -81, -44, -7, 30, 67, 104, -115, -78, -41, -4, 33, 70, 107, -112, -75, -38, -1, 36, 73, 110, -109, -72, -35, 2, 39, 76, 113, -106, -69, -32, 5, 42, 79, 116, -103, -66, -29, 8, 45, 82, 119, -100, -63, -26, 11, 48, 85, 122, -97, -60, -23, 14, 51, 88, 125, -94, -57, -20, 17, 54, 91]> : tensor<256xi8>} : tensor<1x4x6x6xui8> -> tensor<1x4x6x6xi8>
  return %t, %r : tensor<1x4x6x6xi8>, tensor<1x4x6x6xui8>
}

// -----

// Where the fused form does not apply, the separate loops stay: a
// requantize with an input zero point, one to 16 bits, and int32 sums with
// a second user.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: qcc.qconv_epilogue
// CHECK: return
func.func @not_fused(%x: tensor<1x2x6x6xui8>) -> (tensor<1x4x6x6xui8>, tensor<1x4x6x6xi16>, tensor<1x4x6x6xui8>, tensor<1x4x6x6xi32>) {
  %w = arith.constant dense<[[[[-7, -62, 61], [114, -95, -122], [112, 4, -9]], [[-30, 112, 115], [75, -51, -10], [-51, 71, -121]]], [[[-96, -47, -107], [26, -113, 9], [114, 70, 90]], [[74, 99, -60], [59, -79, -110], [-59, 125, -17]]], [[[4, 95, 26], [87, 69, 51], [80, -10, 44]], [[-114, 15, -45], [39, -75, -20], [8, 17, -65]]], [[[-96, 118, 119], [-83, 48, -94], [82, -51, -118]], [[22, 90, 84], [-68, -106, -105], [65, 41, 14]]]]> : tensor<4x2x3x3xi8>
  %b = arith.constant dense<[100, -200, 300, -400]> : tensor<4xi32>
  %y = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 7 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>, tensor<4xi32>) -> tensor<1x4x6x6xi32>
  %r = qnn.requantize %y {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, input_zp = 5 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xui8>
  %y2 = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 6 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>, tensor<4xi32>) -> tensor<1x4x6x6xi32>
  %r16 = qnn.requantize %y2 {axis = 1 : i64, clamp_max = 32767 : i64, clamp_min = -32768 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 0 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xi16>
  %y3 = qnn.conv_integer %x, %w, %b {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>, w_zp = array<i64: 0, 0, 0, 0>, x_zp = 5 : i64} : (tensor<1x2x6x6xui8>, tensor<4x2x3x3xi8>, tensor<4xi32>) -> tensor<1x4x6x6xi32>
  %r3 = qnn.requantize %y3 {axis = 1 : i64, clamp_max = 255 : i64, clamp_min = 0 : i64, input_zp = 0 : i64, multiplier = array<i32: 1073741824, 1500000000, 2000000000, 1234567890>, output_zp = 128 : i64, shift = array<i32: 36, 37, 31, 39>} : tensor<1x4x6x6xi32> -> tensor<1x4x6x6xui8>
  return %r, %r16, %r3, %y3 : tensor<1x4x6x6xui8>, tensor<1x4x6x6xi16>, tensor<1x4x6x6xui8>, tensor<1x4x6x6xi32>
}
