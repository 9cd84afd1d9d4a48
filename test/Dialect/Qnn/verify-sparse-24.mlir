// RUN: qcc-opt %s -split-input-file -qcc-verify-sparse-24 -verify-diagnostics

// Valid: positions (1, 2) and (0, 2) (0x89), (2, 3) and (0, 1) (0x4E).
func.func @valid(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %v = arith.constant dense<[[-4, 3, 2, -3], [5, 6, 0, 7]]> : tensor<2x4xi8>
  %i = arith.constant dense<[[137], [78]]> : tensor<2x1xui8>
  %y = qnn.matmul_sparse24_integer %a, %v, %i {a_zp = 128 : i64} : (tensor<3x8xui8>, tensor<2x4xi8>, tensor<2x1xui8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// Corrupt packed positions: output channel 1, group 1 holds nibble 0x5,
// positions (1, 1).
func.func @corrupt_indices(%a: tensor<3x8xui8>) -> tensor<3x2xi32> {
  %v = arith.constant dense<[[-4, 3, 2, -3], [5, 6, 0, 7]]> : tensor<2x4xi8>
  %i = arith.constant dense<[[137], [94]]> : tensor<2x1xui8>
  // expected-error @below {{qcc-verify-sparse-24: layer 'qnn.matmul_sparse24_integer' violates 2:4: output channel 1, group 1 names positions (1, 1), not two distinct increasing positions of 4}}
  %y = qnn.matmul_sparse24_integer %a, %v, %i {a_zp = 128 : i64} : (tensor<3x8xui8>, tensor<2x4xi8>, tensor<2x1xui8>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// A layer marked 2:4 whose weights were changed afterwards (float level).
func.func @corrupt_dense(%x: tensor<1x8x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %w = arith.constant dense<[[[[0.5]], [[0.0]], [[1.0]], [[0.0]], [[-0.75]], [[0.3]], [[0.9]], [[0.0]]]]> : tensor<1x8x1x1xf32>
  // expected-error @below {{qcc-verify-sparse-24: layer 'qnn.conv' violates 2:4: output channel 0 keeps 3 nonzero weights in group 1 (reduction elements 4..7)}}
  %y = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>, qcc.sparse24} : (tensor<1x8x2x2xf32>, tensor<1x8x1x1xf32>) -> tensor<1x1x2x2xf32>
  return %y : tensor<1x1x2x2xf32>
}

// -----

// GGUF layers pruned to 2:4 in Q8_0 blocks (scale 1.0, code 0 is zero);
// a block whose scale is 0 holds only zeros whatever its codes.
func.func @block_valid(%x: tensor<1x32xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0, 60, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 0, 3, 0, 4, 0, 3, 0, 4, 0, 3, 0, 4, 0, 3, 0, 4], [0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]> : tensor<2x34xi8> loc("blk.0.attn_q.weight")
  %y = qnn.block_linear q8_0, %x, %w {qcc.sparse24} : (tensor<1x32xf32>, tensor<2x34xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Output channel 1 keeps codes 5, 6, 7 in elements 20..22: the error names
// the GGUF tensor.
func.func @block_q8_0(%x: tensor<1x32xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0, 60, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 0, 3, 0, 4, 0, 3, 0, 4, 0, 3, 0, 4, 0, 3, 0, 4], [0, 60, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 0, 2, 0, 0, 3, 0, 4, 5, 6, 7, 0, 0, 3, 0, 4, 0, 3, 0, 4]]> : tensor<2x34xi8> loc("blk.3.ffn_up.weight")
  // expected-error @below {{qcc-verify-sparse-24: layer 'blk.3.ffn_up.weight' violates 2:4: output channel 1 keeps 3 nonzero weights in group 5 (reduction elements 20..23, q8_0 block 0)}}
  %y = qnn.block_linear q8_0, %x, %w {qcc.sparse24} : (tensor<1x32xf32>, tensor<2x34xi8>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Q4_0: the zero code is 8; elements 0..2 hold code 9.
func.func @block_q4_0(%x: tensor<1x32xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<[[0, 60, -119, -119, -119, -120, -120, -120, -120, -120, -120, -120, -120, -120, -120, -120, -120, -120]]> : tensor<1x18xi8> loc("blk.0.ffn_gate.weight")
  // expected-error @below {{qcc-verify-sparse-24: layer 'blk.0.ffn_gate.weight' violates 2:4: output channel 0 keeps 3 nonzero weights in group 0 (reduction elements 0..3, q4_0 block 0)}}
  %y = qnn.block_linear q4_0, %x, %w {qcc.sparse24} : (tensor<1x32xf32>, tensor<1x18xi8>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Q5_0: the zero code is 16 (high bit in qh); elements 4..6 hold code 0.
func.func @block_q5_0(%x: tensor<1x32xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<[[0, 60, -113, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x22xi8> loc("blk.0.attn_v.weight")
  // expected-error @below {{qcc-verify-sparse-24: layer 'blk.0.attn_v.weight' violates 2:4: output channel 0 keeps 3 nonzero weights in group 1 (reduction elements 4..7, q5_0 block 0)}}
  %y = qnn.block_linear q5_0, %x, %w {qcc.sparse24} : (tensor<1x32xf32>, tensor<1x22xi8>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// Q4_1 adds a minimum: a pruned weight would not stay exactly 0.
func.func @block_q4_1(%x: tensor<1x32xf32>) -> tensor<1x1xf32> {
  %w = arith.constant dense<[[0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]> : tensor<1x20xi8> loc("blk.0.attn_k.weight")
  // expected-error @below {{qcc-verify-sparse-24: layer 'blk.0.attn_k.weight' is marked 2:4 but its block format q4_1 cannot store an exact zero (2:4 needs q8_0, q4_0 or q5_0)}}
  %y = qnn.block_linear q4_1, %x, %w {qcc.sparse24} : (tensor<1x32xf32>, tensor<1x20xi8>) -> tensor<1x1xf32>
  return %y : tensor<1x1xf32>
}

// -----

// The check reads GGUF's row-major blocks, not the x86 kernel's layout.
func.func @block_interleaved(%x: tensor<1x32xf32>) -> tensor<1x8xf32> {
  %w = arith.constant dense<0> : tensor<8x34xi8> loc("blk.0.attn_q.weight")
  // expected-error @below {{qcc-verify-sparse-24: layer 'blk.0.attn_q.weight' is marked 2:4 but its blocks are stored with rows interleaved by 8 (qcc-interleave-block-weights); verify before that pass}}
  %y = qnn.block_linear q8_0, %x, %w {qcc.sparse24, row_interleave = 8 : i64} : (tensor<1x32xf32>, tensor<8x34xi8>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}
