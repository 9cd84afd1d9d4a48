// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @not_ternary() {
  // A 2-bit code 3: weight 2 of byte 0.
  // expected-error @+1 {{'qnn.ternary_constant' op weight 2 is not -1, 0 or 1 (invalid 2bit code)}}
  %a = qnn.ternary_constant "2bit" dense<[54]> : tensor<1xui8> : tensor<4x!quant.uniform<i8<-1:1>:f32, 1.0>>
  return
}

// -----

func.func @base3_byte() {
  // expected-error @+1 {{'qnn.ternary_constant' op weight 0 is not -1, 0 or 1 (invalid base3 code)}}
  %a = qnn.ternary_constant "base3" dense<[250]> : tensor<1xui8> : tensor<5x!quant.uniform<i8<-1:1>:f32, 1.0>>
  return
}

// -----

func.func @padding() {
  // Weights 0..2 then padding weight 3 = +1.
  // expected-error @+1 {{'qnn.ternary_constant' op padding weight 3 is not -1, 0 or 1 (invalid 2bit code)}}
  %a = qnn.ternary_constant "2bit" dense<[149]> : tensor<1xui8> : tensor<3x!quant.uniform<i8<-1:1>:f32, 1.0>>
  return
}

// -----

func.func @bad_length() {
  // expected-error @+1 {{'qnn.ternary_constant' op 6 weights packed base3 take 2 bytes, got 3}}
  %a = qnn.ternary_constant "base3" dense<[121, 121, 121]> : tensor<3xui8> : tensor<2x3x!quant.uniform<i8<-1:1>:f32, 1.0>>
  return
}

// -----

func.func @bad_packing() {
  // expected-error @+1 {{'qnn.ternary_constant' op packing must be "2bit" or "base3", got "4bit"}}
  %a = qnn.ternary_constant "4bit" dense<[85]> : tensor<1xui8> : tensor<4x!quant.uniform<i8<-1:1>:f32, 1.0>>
  return
}

// -----

func.func @not_narrow() {
  // expected-error @+1 {{'qnn.ternary_constant' op result must be ternary: signed 8-bit storage with range [-1, 1] (i8<-1:1>)}}
  %a = qnn.ternary_constant "2bit" dense<[85]> : tensor<1xui8> : tensor<4x!quant.uniform<i8:f32, 1.0>>
  return
}

// -----

func.func @zero_scale() {
  // expected-error @+1 {{scale}}
  %a = qnn.ternary_constant "2bit" dense<[85]> : tensor<1xui8> : tensor<2x2x!quant.uniform<i8<-1:1>:f32:0, {1.0, 0.0}>>
  return
}

// -----

func.func @not_quantized() {
  // expected-error @+1 {{'qnn.ternary_constant' op result element type must be a quant type, got 'i8'}}
  %a = qnn.ternary_constant "2bit" dense<[85]> : tensor<1xui8> : tensor<4xi8>
  return
}
