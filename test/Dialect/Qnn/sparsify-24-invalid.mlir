// RUN: qcc-opt %s -split-input-file -qcc-sparsify-24="mode=force method=bogus" -verify-diagnostics
// RUN: not qcc-opt %s -split-input-file -qcc-sparsify-24="mode=sometimes" 2>&1 | FileCheck %s --check-prefix=MODE

// expected-error @below {{qcc-sparsify-24: unknown prune method 'bogus' (expected magnitude, wanda or sparsegpt)}}
module {
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %y = qnn.matmul %x, %w : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// MODE: qcc-sparsify-24: unknown mode 'sometimes' (expected enable or force)
