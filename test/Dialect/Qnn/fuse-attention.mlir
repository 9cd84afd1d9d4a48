// RUN: qcc-opt %s -split-input-file -qcc-fuse-attention | FileCheck %s

// A decode step's attention as LlamaGraph writes it (2 KV heads of 2 query
// heads each, 16 positions, one token): one qnn.attention on the same keys,
// queries and values, the mask [16, 1, 1] viewed as [16, 1].
// CHECK-LABEL: func.func @decode
// CHECK-SAME: (%[[K:.*]]: tensor<2x16x16xf32>, %[[Q:.*]]: tensor<2x16x2xf32>, %[[V:.*]]: tensor<2x16x16xf32>, %[[M:.*]]: tensor<16x1x1xi1>)
// CHECK: %[[M2:.*]] = qnn.reshape %[[M]] : (tensor<16x1x1xi1>) -> tensor<16x1xi1>
// CHECK: %[[O:.*]] = qnn.attention %[[K]], %[[Q]], %[[V]] masked_by %[[M2]] : (tensor<2x16x16xf32>, tensor<2x16x2xf32>, tensor<2x16x16xf32>, tensor<16x1xi1>) -> tensor<2x2x16xf32>
// CHECK-NOT: qnn.softmax
// CHECK-NOT: qnn.matmul
// CHECK: return %[[O]]
func.func @decode(%k: tensor<2x16x16xf32>, %q: tensor<2x16x2xf32>, %v: tensor<2x16x16xf32>, %mask: tensor<16x1x1xi1>) -> tensor<2x2x16xf32> {
  %ninf = arith.constant dense<0xFF800000> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<2x16x16xf32>, tensor<2x16x2xf32>) -> tensor<2x16x2xf32>
  %r = qnn.reshape %s : (tensor<2x16x2xf32>) -> tensor<2x16x2x1xf32>
  %w = qnn.where %mask, %r, %ninf : (tensor<16x1x1xi1>, tensor<2x16x2x1xf32>, tensor<1xf32>) -> tensor<2x16x2x1xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<2x16x2x1xf32>
  %p3 = qnn.reshape %p : (tensor<2x16x2x1xf32>) -> tensor<2x16x2xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<2x16x2xf32>) -> tensor<2x2x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<2x2x16xf32>, tensor<2x16x16xf32>) -> tensor<2x2x16xf32>
  return %o : tensor<2x2x16xf32>
}

// -----

// Four tokens (queries [group 2, T 4]), a causal mask [16, 1, 4] and a
// finite fill of -1e30: fused, the mask viewed as [16, 4].
// CHECK-LABEL: func.func @short_sequence
// CHECK: qnn.reshape %{{.*}} : (tensor<16x1x4xi1>) -> tensor<16x4xi1>
// CHECK: qnn.attention {{.*}} -> tensor<2x8x16xf32>
// CHECK-NOT: qnn.softmax
func.func @short_sequence(%k: tensor<2x16x16xf32>, %q: tensor<2x16x8xf32>, %v: tensor<2x16x16xf32>, %mask: tensor<16x1x4xi1>) -> tensor<2x8x16xf32> {
  %fill = arith.constant dense<-1.0e30> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<2x16x16xf32>, tensor<2x16x8xf32>) -> tensor<2x16x8xf32>
  %r = qnn.reshape %s : (tensor<2x16x8xf32>) -> tensor<2x16x2x4xf32>
  %w = qnn.where %mask, %r, %fill : (tensor<16x1x4xi1>, tensor<2x16x2x4xf32>, tensor<1xf32>) -> tensor<2x16x2x4xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<2x16x2x4xf32>
  %p3 = qnn.reshape %p : (tensor<2x16x2x4xf32>) -> tensor<2x16x8xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<2x16x8xf32>) -> tensor<2x8x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<2x8x16xf32>, tensor<2x16x16xf32>) -> tensor<2x8x16xf32>
  return %o : tensor<2x8x16xf32>
}

// -----

// A fill of -1 is a real score, not a mask: unchanged.
// CHECK-LABEL: func.func @finite_fill
// CHECK-NOT: qnn.attention
// CHECK: qnn.softmax
func.func @finite_fill(%k: tensor<2x16x16xf32>, %q: tensor<2x16x2xf32>, %v: tensor<2x16x16xf32>, %mask: tensor<16x1x1xi1>) -> tensor<2x2x16xf32> {
  %fill = arith.constant dense<-1.0> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<2x16x16xf32>, tensor<2x16x2xf32>) -> tensor<2x16x2xf32>
  %r = qnn.reshape %s : (tensor<2x16x2xf32>) -> tensor<2x16x2x1xf32>
  %w = qnn.where %mask, %r, %fill : (tensor<16x1x1xi1>, tensor<2x16x2x1xf32>, tensor<1xf32>) -> tensor<2x16x2x1xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<2x16x2x1xf32>
  %p3 = qnn.reshape %p : (tensor<2x16x2x1xf32>) -> tensor<2x16x2xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<2x16x2xf32>) -> tensor<2x2x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<2x2x16xf32>, tensor<2x16x16xf32>) -> tensor<2x2x16xf32>
  return %o : tensor<2x2x16xf32>
}

// -----

// The probabilities are also returned: fusing would compute them twice.
// CHECK-LABEL: func.func @probs_used
// CHECK-NOT: qnn.attention
// CHECK: qnn.softmax
func.func @probs_used(%k: tensor<2x16x16xf32>, %q: tensor<2x16x2xf32>, %v: tensor<2x16x16xf32>, %mask: tensor<16x1x1xi1>) -> (tensor<2x2x16xf32>, tensor<2x16x2x1xf32>) {
  %ninf = arith.constant dense<0xFF800000> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<2x16x16xf32>, tensor<2x16x2xf32>) -> tensor<2x16x2xf32>
  %r = qnn.reshape %s : (tensor<2x16x2xf32>) -> tensor<2x16x2x1xf32>
  %w = qnn.where %mask, %r, %ninf : (tensor<16x1x1xi1>, tensor<2x16x2x1xf32>, tensor<1xf32>) -> tensor<2x16x2x1xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<2x16x2x1xf32>
  %p3 = qnn.reshape %p : (tensor<2x16x2x1xf32>) -> tensor<2x16x2xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<2x16x2xf32>) -> tensor<2x2x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<2x2x16xf32>, tensor<2x16x16xf32>) -> tensor<2x2x16xf32>
  return %o, %p : tensor<2x2x16xf32>, tensor<2x16x2x1xf32>
}

// -----

// 32 queries per KV head (a sequence graph): the blocked GEMMs stay.
// CHECK-LABEL: func.func @many_queries
// CHECK-NOT: qnn.attention
// CHECK: qnn.softmax
func.func @many_queries(%k: tensor<1x16x16xf32>, %q: tensor<1x16x32xf32>, %v: tensor<1x16x16xf32>, %mask: tensor<16x1x16xi1>) -> tensor<1x32x16xf32> {
  %ninf = arith.constant dense<0xFF800000> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<1x16x16xf32>, tensor<1x16x32xf32>) -> tensor<1x16x32xf32>
  %r = qnn.reshape %s : (tensor<1x16x32xf32>) -> tensor<1x16x2x16xf32>
  %w = qnn.where %mask, %r, %ninf : (tensor<16x1x16xi1>, tensor<1x16x2x16xf32>, tensor<1xf32>) -> tensor<1x16x2x16xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<1x16x2x16xf32>
  %p3 = qnn.reshape %p : (tensor<1x16x2x16xf32>) -> tensor<1x16x32xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<1x16x32xf32>) -> tensor<1x32x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<1x32x16xf32>, tensor<1x16x16xf32>) -> tensor<1x32x16xf32>
  return %o : tensor<1x32x16xf32>
}

// -----

// A mask that differs between the query heads of a KV head ([16, 2, 1]
// over [2, 16, 2, 1]) has no [N, T] form: unchanged.
// CHECK-LABEL: func.func @per_head_mask
// CHECK-NOT: qnn.attention
// CHECK: qnn.softmax
func.func @per_head_mask(%k: tensor<2x16x16xf32>, %q: tensor<2x16x2xf32>, %v: tensor<2x16x16xf32>, %mask: tensor<16x2x1xi1>) -> tensor<2x2x16xf32> {
  %ninf = arith.constant dense<0xFF800000> : tensor<1xf32>
  %s = qnn.matmul %k, %q : (tensor<2x16x16xf32>, tensor<2x16x2xf32>) -> tensor<2x16x2xf32>
  %r = qnn.reshape %s : (tensor<2x16x2xf32>) -> tensor<2x16x2x1xf32>
  %w = qnn.where %mask, %r, %ninf : (tensor<16x2x1xi1>, tensor<2x16x2x1xf32>, tensor<1xf32>) -> tensor<2x16x2x1xf32>
  %p = qnn.softmax %w {axis = 1 : i64} : tensor<2x16x2x1xf32>
  %p3 = qnn.reshape %p : (tensor<2x16x2x1xf32>) -> tensor<2x16x2xf32>
  %pt = qnn.transpose %p3 {perm = array<i64: 0, 2, 1>} : (tensor<2x16x2xf32>) -> tensor<2x2x16xf32>
  %o = qnn.matmul %pt, %v : (tensor<2x2x16xf32>, tensor<2x16x16xf32>) -> tensor<2x2x16xf32>
  return %o : tensor<2x2x16xf32>
}
