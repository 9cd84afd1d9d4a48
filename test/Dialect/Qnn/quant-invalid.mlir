// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @scale_zero(%x: tensor<4xf32>) {
  // expected-error @+1 {{scale 0.000000e+00 out of expressed type range}}
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.0>>
  return
}

// -----

func.func @axis_out_of_range(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{quantized axis 2 is out of range for a tensor of rank 2}}
  %q = qnn.quantize %x : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
  return
}

// -----

func.func @scales_vs_axis(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{per-axis type has 2 scales but axis 1 has 3 elements}}
  %q = qnn.quantize %x : tensor<4x3xf32> -> tensor<4x3x!quant.uniform<i8:f32:1, {0.1, 0.2}>>
  return
}

// -----

func.func @bits_out_of_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{quantized storage of 32 bits is out of the supported range [2, 16]}}
  %q = qnn.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i32:f32, 0.1>>
  return
}

// -----

func.func @block_not_dividing(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{block size 4 does not divide axis 1 of size 6}}
  %q = qnn.quantize %x : tensor<4x6xf32> -> tensor<4x6x!quant.uniform<i8:f32:{1:4}, {{0.1, 0.2}, {0.1, 0.2}, {0.1, 0.2}, {0.1, 0.2}}>>
  return
}

// -----

func.func @requantize_shift(%x: tensor<4xi32>) {
  // expected-error @+1 {{shift 63 is outside [0, 62]}}
  %y = qnn.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 63>, clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_clamp(%x: tensor<4xi32>) {
  // expected-error @+1 {{clamp range [-200, 127] is empty or outside the result range [-128, 127]}}
  %y = qnn.requantize %x {multiplier = array<i32: 1073741824>, shift = array<i32: 30>, clamp_min = -200 : i64, clamp_max = 127 : i64} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @requantize_channels(%x: tensor<2x3xi32>) {
  // expected-error @+1 {{expected 3 multipliers along axis 1, got 2}}
  %y = qnn.requantize %x {axis = 1 : i64, multiplier = array<i32: 1073741824, 1073741824>, shift = array<i32: 30, 30>, clamp_min = -128 : i64, clamp_max = 127 : i64} : tensor<2x3xi32> -> tensor<2x3xi8>
  return
}

// -----

func.func @matmul_zero_points(%a: tensor<2x4xui8>, %b: tensor<4x5xi8>) {
  // expected-error @+1 {{expected 1 or 5 weight zero points, got 2}}
  %c = qnn.matmul_integer %a, %b {a_zp = 3 : i64, b_zp = array<i64: 0, 0>} : (tensor<2x4xui8>, tensor<4x5xi8>) -> tensor<2x5xi32>
  return
}

// -----

func.func @matmul_zp_range(%a: tensor<2x4xui8>, %b: tensor<4x5xi8>) {
  // expected-error @+1 {{A zero point 300 is outside the operand range [0, 255]}}
  %c = qnn.matmul_integer %a, %b {a_zp = 300 : i64, b_zp = array<i64: 0>} : (tensor<2x4xui8>, tensor<4x5xi8>) -> tensor<2x5xi32>
  return
}

// -----

func.func @lut_size(%x: tensor<4xi8>) {
  // expected-error @+1 {{table must have 256 elements}}
  %y = qnn.lut %x {table = dense<0> : tensor<16xi8>} : tensor<4xi8> -> tensor<4xi8>
  return
}

// -----

func.func @lut_wide_no_window(%x: tensor<4xui16>) {
  // expected-error @+1 {{table must have 65536 elements (one per input value; or set first)}}
  %y = qnn.lut %x {table = dense<0> : tensor<256xui8>} : tensor<4xui16> -> tensor<4xui8>
  return
}

// -----

func.func @lut_window_range(%x: tensor<4xui16>) {
  // expected-error @+1 {{table window [65530, 65545] is outside the input range [0, 65535]}}
  %y = qnn.lut %x {first = 65530 : i64, table = dense<0> : tensor<16xui8>} : tensor<4xui16> -> tensor<4xui8>
  return
}

// -----

func.func @lut_window_signed(%x: tensor<4xi16>) {
  // expected-error @+1 {{table window [-32769, -32754] is outside the input range [-32768, 32767]}}
  %y = qnn.lut %x {first = -32769 : i64, table = dense<0> : tensor<16xui8>} : tensor<4xi16> -> tensor<4xui8>
  return
}

// -----

func.func @lut_input_width(%x: tensor<4xi32>) {
  // expected-error @+1 {{input must have an integer element type of 2 to 16 bits}}
  %y = qnn.lut %x {first = 0 : i64, table = dense<0> : tensor<16xi8>} : tensor<4xi32> -> tensor<4xi8>
  return
}

// -----

func.func @storage_sign(%x: tensor<4xui8>) {
  // expected-error @+1 {{integer signedness differs from the storage's}}
  %q = qnn.storage_cast %x : tensor<4xui8> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return
}
