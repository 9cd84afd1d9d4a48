// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @float_weight(%x: tensor<1x64xf32>, %w: tensor<8x40xf32>) {
  // expected-error @+1 {{weight must be a tensor of bytes (i8 or ui8), got 'tensor<8x40xf32>'}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<1x64xf32>, tensor<8x40xf32>) -> tensor<1x8xf32>
  return
}

// -----

func.func @int_input(%x: tensor<1x64xi8>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{input and result must be f32 tensors}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<1x64xi8>, tensor<8x40xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @rank(%x: tensor<64xf32>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{expected input [T, K], weight [N, row bytes] and result [T, N]}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @partial_block(%x: tensor<1x48xf32>, %w: tensor<8x30xi8>) {
  // expected-error @+1 {{the reduction length 48 is not a multiple of q4_1's block of 32}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<1x48xf32>, tensor<8x30xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @kquant_block(%x: tensor<1x64xf32>, %w: tensor<8x36xi8>) {
  // expected-error @+1 {{the reduction length 64 is not a multiple of q4_k's block of 256}}
  %y = qnn.block_linear q4_k, %x, %w : (tensor<1x64xf32>, tensor<8x36xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @lowbit_block(%x: tensor<1x512xf32>, %w: tensor<8x76xi8>) {
  // expected-error @+1 {{the reduction length 512 is not a multiple of q3_g192's block of 192}}
  %y = qnn.block_linear q3_g192, %x, %w : (tensor<1x512xf32>, tensor<8x76xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @lowbit_row_bytes(%x: tensor<1x128xf32>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{weight rows hold 40 bytes; 2 blocks of q3_g64 take 56}}
  %y = qnn.block_linear q3_g64, %x, %w : (tensor<1x128xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @row_bytes(%x: tensor<1x64xf32>, %w: tensor<8x36xi8>) {
  // expected-error @+1 {{weight rows hold 36 bytes; 2 blocks of q8_0 take 68}}
  %y = qnn.block_linear q8_0, %x, %w : (tensor<1x64xf32>, tensor<8x36xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @g128_row_bytes(%x: tensor<1x192xf32>, %w: tensor<8x100xi8>) {
  // expected-error @+1 {{weight rows hold 100 bytes; 192 weights of q4_1_g128 (2 groups of up to 128, 4 header bytes each) take 104}}
  %y = qnn.block_linear q4_1_g128, %x, %w : (tensor<1x192xf32>, tensor<8x100xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @g128_partial_block(%x: tensor<1x144xf32>, %w: tensor<8x80xi8>) {
  // expected-error @+1 {{the reduction length 144 is not a multiple of q4_1_g128's block of 32}}
  %y = qnn.block_linear q4_1_g128, %x, %w : (tensor<1x144xf32>, tensor<8x80xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @result_shape(%x: tensor<2x64xf32>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{result shape 1x8 differs from the expected 2x8}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<2x64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @dynamic(%x: tensor<?x64xf32>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{shapes must be static}}
  %y = qnn.block_linear q4_1, %x, %w : (tensor<?x64xf32>, tensor<8x40xi8>) -> tensor<?x8xf32>
  return
}

// -----

func.func @unknown_format(%x: tensor<1x64xf32>, %w: tensor<8x40xi8>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'format' [q4_0, q4_1, q5_0, q5_1, q8_0, q2_k, q3_k, q4_k, q5_k, q6_k, q2_g64, q3_g64, q3_g192, q4_1_g128]}}
  %y = qnn.block_linear tq2_0, %x, %w : (tensor<1x64xf32>, tensor<8x40xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @interleave_value(%x: tensor<1x32xf32>, %w: tensor<8x18xi8>) {
  // expected-error @+1 {{row_interleave must be 1 or 8, got 4}}
  %y = qnn.block_linear q4_0, %x, %w {row_interleave = 4 : i64} : (tensor<1x32xf32>, tensor<8x18xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @interleave_format(%x: tensor<1x256xf32>, %w: tensor<8x110xi8>) {
  // expected-error @+1 {{row_interleave = 8 needs q4_0, q4_1, q5_0, q5_1, q8_0, q4_k, q5_k or q6_k, not q3_k}}
  %y = qnn.block_linear q3_k, %x, %w {row_interleave = 8 : i64} : (tensor<1x256xf32>, tensor<8x110xi8>) -> tensor<1x8xf32>
  return
}

// -----

func.func @interleave_rows(%x: tensor<1x32xf32>, %w: tensor<12x18xi8>) {
  // expected-error @+1 {{row_interleave = 8 needs a multiple of 8 weight rows, got 12}}
  %y = qnn.block_linear q4_0, %x, %w {row_interleave = 8 : i64} : (tensor<1x32xf32>, tensor<12x18xi8>) -> tensor<1x12xf32>
  return
}
