// RUN: qcc-opt %s -qcc-sparsify-24="mode=force layers=fc2" | FileCheck %s
// RUN: not qcc-opt %s -qcc-sparsify-24="mode=force layers=fc3" 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not qcc-opt %s -qcc-sparsify-24="mode=force layers=fc(" 2>&1 | FileCheck %s --check-prefix=REGEX
// RUN: qcc-opt %s -qcc-sparsify-24="mode=force layers=fc" | FileCheck %s --check-prefix=BOTH

// `layers` prunes only the eligible layers whose name matches the regex.
// CHECK-LABEL: func.func @main
// CHECK: qnn.matmul %{{.*}}, %{{.*}} :
// CHECK: qnn.matmul %{{.*}}, %{{.*}} {qcc.sparse24}
// BOTH-COUNT-2: qcc.sparse24
// NONE: error: --sparsity=force: the layers regex 'fc3' matches none of the 2 eligible layers
// REGEX: error: qcc-sparsify-24: invalid layers regex 'fc(': parentheses not balanced
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<[[1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]]> : tensor<8x8xf32>
  %h = qnn.matmul %x, %w1 : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32> loc("fc1")
  %w2 = arith.constant dense<[[1.0, 0.1], [-4.0, 0.2], [3.0, 0.3], [0.5, 0.4], [2.0, 4.0], [2.0, 3.0], [-3.0, 2.0], [1.0, 1.0]]> : tensor<8x2xf32>
  %y = qnn.matmul %h, %w2 : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32> loc("fc2")
  return %y : tensor<2x2xf32>
}
