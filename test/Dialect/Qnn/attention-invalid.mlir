// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @ok(%k: tensor<2x16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xi1>) -> tensor<2x6x4xf32> {
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x3xi1>) -> tensor<2x6x4xf32>
  return %o : tensor<2x6x4xf32>
}

// -----

func.func @int_keys(%k: tensor<2x16x8xi8>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xi1>) {
  // expected-error @+1 {{keys, queries, values and result must be f32, got 'tensor<2x16x8xi8>'}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xi8>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x3xi1>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @float_mask(%k: tensor<2x16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xf32>) {
  // expected-error @+1 {{mask must be i1, got 'tensor<16x3xf32>'}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x3xf32>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @rank(%k: tensor<16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xi1>) {
  // expected-error @+1 {{expected keys [B, N, D], queries [B, D, M], values [B, N, E], mask [N, T] and result [B, M, E]}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<16x8xf32>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x3xi1>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @head_dim(%k: tensor<2x16x8xf32>, %q: tensor<2x4x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xi1>) {
  // expected-error @+1 {{queries 'tensor<2x4x6xf32>' do not match keys 'tensor<2x16x8xf32>' (expected [2, 8, M])}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x4x6xf32>, tensor<2x16x4xf32>, tensor<16x3xi1>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @positions(%k: tensor<2x16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x12x4xf32>, %m: tensor<16x3xi1>) {
  // expected-error @+1 {{values 'tensor<2x12x4xf32>' do not match keys 'tensor<2x16x8xf32>' (expected [2, 16, E])}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x8x6xf32>, tensor<2x12x4xf32>, tensor<16x3xi1>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @mask_tokens(%k: tensor<2x16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x4xi1>) {
  // expected-error @+1 {{mask 'tensor<16x4xi1>' must be [16, T] with T dividing the 6 queries}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x4xi1>) -> tensor<2x6x4xf32>
  return
}

// -----

func.func @result(%k: tensor<2x16x8xf32>, %q: tensor<2x8x6xf32>, %v: tensor<2x16x4xf32>, %m: tensor<16x3xi1>) {
  // expected-error @+1 {{result 'tensor<2x6x8xf32>' must be [2, 6, 4]}}
  %o = qnn.attention %k, %q, %v masked_by %m : (tensor<2x16x8xf32>, tensor<2x8x6xf32>, tensor<2x16x4xf32>, tensor<16x3xi1>) -> tensor<2x6x8xf32>
  return
}
