// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @bad_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{do not broadcast}}
  %0 = qnn.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @wrong_result_shape(%a: tensor<2x3xf32>) -> tensor<3x3xf32> {
  // expected-error @+1 {{result shape 3x3 differs from the expected 2x3}}
  %0 = qnn.add %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

func.func @compare_result(%a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{result element type 'f32' must be 'i1'}}
  %0 = qnn.compare eq, %a, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @matmul_mismatch(%a: tensor<2x4xf32>, %b: tensor<5x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{contraction sizes differ: 4 vs 5}}
  %0 = qnn.matmul %a, %b : (tensor<2x4xf32>, tensor<5x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{weight channels 2 x group 1 differ from input channels 3}}
  %0 = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_stride(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{strides must be positive}}
  %0 = qnn.conv %x, %w {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 0, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error @+1 {{bias must be a vector of 4 elements}}
  %0 = qnn.conv %x, %w, %b {dilations = array<i64: 1, 1>, group = 1 : i64, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 1>}
      : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{perm must be a permutation of the axes}}
  %0 = qnn.transpose %x {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error @+1 {{cannot reshape 6 elements into 7}}
  %0 = qnn.reshape %x : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @slice_oob(%x: tensor<4xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{reads outside the input}}
  %0 = qnn.slice %x {starts = array<i64: 2>, steps = array<i64: 1>} : (tensor<4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @slice_step(%x: tensor<4xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{step on axis 0 is zero}}
  %0 = qnn.slice %x {starts = array<i64: 0>, steps = array<i64: 0>} : (tensor<4xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reduce_axes(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{axes must be sorted, unique and within [0, 2)}}
  %0 = qnn.reduce sum, %x {axes = array<i64: 2>, keepdims = false} : (tensor<2x3xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 out of range}}
  %0 = qnn.softmax %x {axis = 2 : i64} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @pad_reflect(%x: tensor<1x3xf32>) -> tensor<1x9xf32> {
  // expected-error @+1 {{reflect padding on axis 1 must be smaller than its size 3}}
  %0 = qnn.pad reflect, %x {pads = array<i64: 0, 3, 0, 3>} : (tensor<1x3xf32>) -> tensor<1x9xf32>
  return %0 : tensor<1x9xf32>
}

// -----

func.func @gather_indices(%x: tensor<4xf32>, %i: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{indices must be integers}}
  %0 = qnn.gather %x, %i {axis = 0 : i64} : (tensor<4xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @resize_mode(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // expected-error @+1 {{unknown mode 'area'}}
  %0 = qnn.resize %x {mode = "area", coordinate_transformation_mode = "half_pixel", scales = array<f64: 1.0, 1.0, 2.0, 2.0>}
      : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x4x2x2xf32>, %s: tensor<3xf32>) -> tensor<1x4x2x2xf32> {
  // expected-error @+1 {{parameters must be vectors of 4 elements}}
  %0 = qnn.batch_norm %x, %s, %s, %s, %s : (tensor<1x4x2x2xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x4x2x2xf32>
  return %0 : tensor<1x4x2x2xf32>
}

// -----

func.func @update_slice_result(%x: tensor<4x8xf32>, %u: tensor<1x8xf32>, %o: tensor<2xi64>) -> tensor<4x9xf32> {
  // expected-error @+1 {{result type 'tensor<4x9xf32>' differs from the input's 'tensor<4x8xf32>'}}
  %0 = qnn.update_slice %x, %u, %o : (tensor<4x8xf32>, tensor<1x8xf32>, tensor<2xi64>) -> tensor<4x9xf32>
  return %0 : tensor<4x9xf32>
}

// -----

func.func @update_slice_rank(%x: tensor<4x8xf32>, %u: tensor<8xf32>, %o: tensor<2xi64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{update has rank 1, the input 2}}
  %0 = qnn.update_slice %x, %u, %o : (tensor<4x8xf32>, tensor<8xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @update_slice_larger(%x: tensor<4x8xf32>, %u: tensor<1x9xf32>, %o: tensor<2xi64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{update is larger than the input on axis 1}}
  %0 = qnn.update_slice %x, %u, %o : (tensor<4x8xf32>, tensor<1x9xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @update_slice_type(%x: tensor<4x8xf32>, %u: tensor<1x8xf16>, %o: tensor<2xi64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{update element type 'f16' differs from the input's 'f32'}}
  %0 = qnn.update_slice %x, %u, %o : (tensor<4x8xf32>, tensor<1x8xf16>, tensor<2xi64>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

func.func @update_slice_offsets(%x: tensor<4x8xf32>, %u: tensor<1x8xf32>, %o: tensor<3xi64>) -> tensor<4x8xf32> {
  // expected-error @+1 {{offsets must be a 1-D integer tensor of 2 elements (one per axis)}}
  %0 = qnn.update_slice %x, %u, %o : (tensor<4x8xf32>, tensor<1x8xf32>, tensor<3xi64>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
