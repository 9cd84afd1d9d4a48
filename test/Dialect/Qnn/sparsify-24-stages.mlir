// RUN: qcc-opt %s -qcc-sparsify-24="mode=force stages=2 stage=0" | FileCheck %s --check-prefix=FIRST
// RUN: qcc-opt %s -qcc-sparsify-24="mode=force stages=2 stage=1 print-summary=true" 2>&1 | FileCheck %s --check-prefix=SECOND
// RUN: qcc-opt %s -qcc-sparsify-24="mode=force stages=2 stage=0 print-summary=true" -qcc-sparsify-24="mode=force stages=2 stage=1 print-summary=true" 2>&1 | FileCheck %s --check-prefix=BOTH
// RUN: qcc-opt %s -qcc-sparsify-24="mode=force stages=3 stage=0" | FileCheck %s --check-prefix=EMPTY
// RUN: not qcc-opt %s -qcc-sparsify-24="mode=force stages=2 stage=2" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not qcc-opt %s -qcc-sparsify-24="mode=force stages=0" 2>&1 | FileCheck %s --check-prefix=ZERO

// `stages` splits the layers to prune, in program order, into contiguous
// chunks; `stage` prunes one of them. A layer already marked is not pruned
// again, and the summary (after the last stage) counts every marked layer.
// FIRST: qnn.matmul %{{.*}}, %{{.*}} {qcc.sparse24}
// FIRST: qnn.matmul %{{.*}}, %{{.*}} :
// SECOND: 2:4 sparsity (force, magnitude): 1 of 2 eligible layers pruned, 50.0% of their weights zero; 16 of the model's 80 conv/matmul weights in pruned layers (20.0%) in 2 stages
// SECOND: qnn.matmul %{{.*}}, %{{.*}} :
// SECOND: qnn.matmul %{{.*}}, %{{.*}} {qcc.sparse24}
// BOTH-NOT: 1 of 2
// BOTH: 2:4 sparsity (force, magnitude): 2 of 2 eligible layers pruned, 50.0% of their weights zero; 80 of the model's 80 conv/matmul weights in pruned layers (100.0%) in 2 stages
// BOTH-COUNT-2: {qcc.sparse24}
// With 3 stages of 2 layers the first is empty (the earlier chunks are the
// smaller ones).
// EMPTY-NOT: qcc.sparse24
// RANGE: error: qcc-sparsify-24: stage 2 of 2 (stages must be positive, 0 <= stage < stages)
// ZERO: error: qcc-sparsify-24: stage 0 of 0 (stages must be positive, 0 <= stage < stages)
func.func @main(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<[[1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [1.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]]> : tensor<8x8xf32>
  %h = qnn.matmul %x, %w1 : (tensor<2x8xf32>, tensor<8x8xf32>) -> tensor<2x8xf32> loc("fc1")
  %w2 = arith.constant dense<[[1.0, 0.1], [-4.0, 0.2], [3.0, 0.3], [0.5, 0.4], [2.0, 4.0], [2.0, 3.0], [-3.0, 2.0], [1.0, 1.0]]> : tensor<8x2xf32>
  %y = qnn.matmul %h, %w2 : (tensor<2x8xf32>, tensor<8x2xf32>) -> tensor<2x2xf32> loc("fc2")
  return %y : tensor<2x2xf32>
}
