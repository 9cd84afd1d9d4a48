// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// RUN: qcc-opt %s -canonicalize | FileCheck %s --check-prefix=UNPACK

// Weights [[1, 0, -1], [1, -1, 0]] in both packings: base-3 bytes
// 2 + 1*3 + 0*9 + 2*27 + 0*81 = 59 and 1 + 3 + 9 + 27 + 81 = 121 (a 0 and
// four padding zeros); 2-bit bytes 2 | 1<<2 | 0<<4 | 2<<6 = 134 and
// 0 | 1<<2 | 1<<4 | 1<<6 = 84. Canonicalization unpacks both to the
// storage form of the integer path.
// CHECK-LABEL: func.func @packed
// CHECK: qnn.ternary_constant "base3" dense<[59, 121]> : tensor<2xui8> : tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {5.000000e-01,2.500000e-01}>>
// CHECK: qnn.ternary_constant "2bit" dense<[134, 84]> : tensor<2xui8> : tensor<2x3x!quant.uniform<i8<-1:1>:f32, 1.250000e-01>>
// UNPACK-LABEL: func.func @packed
// UNPACK-DAG: %[[A:.+]] = arith.constant dense<{{\[\[}}1, 0, -1], [1, -1, 0]]> : tensor<2x3xi8>
// UNPACK-DAG: qnn.storage_cast %[[A]] : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {5.000000e-01,2.500000e-01}>>
// UNPACK-DAG: qnn.storage_cast %[[A]] : tensor<2x3xi8> -> tensor<2x3x!quant.uniform<i8<-1:1>:f32, 1.250000e-01>>
// UNPACK-NOT: qnn.ternary_constant
func.func @packed() -> (tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>>, tensor<2x3x!quant.uniform<i8<-1:1>:f32, 0.125>>) {
  %a = qnn.ternary_constant "base3" dense<[59, 121]> : tensor<2xui8> : tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>>
  %b = qnn.ternary_constant "2bit" dense<[134, 84]> : tensor<2xui8> : tensor<2x3x!quant.uniform<i8<-1:1>:f32, 0.125>>
  return %a, %b : tensor<2x3x!quant.uniform<i8<-1:1>:f32:0, {0.5, 0.25}>>, tensor<2x3x!quant.uniform<i8<-1:1>:f32, 0.125>>
}
