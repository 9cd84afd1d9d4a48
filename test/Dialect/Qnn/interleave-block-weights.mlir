// RUN: qcc-opt %s -qcc-interleave-block-weights -split-input-file | FileCheck %s

// Q4_0 rows interleaved by 8: per block the 8 rows' f16 scales, then their
// code bytes 4 at a time, row by row. Byte i of row r here is 18 r + i.
// CHECK-LABEL: func @q4_0
// CHECK: %[[W:.*]] = arith.constant dense_resource<block_weight.x8> : tensor<8x18xi8>
// CHECK: qnn.block_linear q4_0, %{{.*}}, %[[W]] {row_interleave = 8 : i64}
// CHECK: block_weight.x8: "0x01000000
// scales: 00 01 | 12 13 | 24 25 | 36 37 | 48 49 | 5A 5B | 6C 6D | 7E 7F
// CHECK-SAME: 000112132425363748495A5B6C6D7E7F
// codes, chunk 0: row 0 bytes 2..5, row 1 bytes 20..23, ...
// CHECK-SAME: 0203040514151617262728293839
func.func @q4_0(%x: tensor<1x32xf32>) -> tensor<1x8xf32> {
  %w = arith.constant dense<"0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F"> : tensor<8x18xi8>
  %y = qnn.block_linear q4_0, %x, %w : (tensor<1x32xf32>, tensor<8x18xi8>) -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// One new constant for two ops that read the same weight; the old one goes.
// CHECK-LABEL: func @shared
// CHECK-COUNT-1: arith.constant dense_resource
// CHECK-NOT: arith.constant
// CHECK: qnn.block_linear q8_0, %{{.*}}, %[[W:.*]] {row_interleave = 8 : i64}
// CHECK: qnn.block_linear q8_0, %{{.*}}, %[[W]] {row_interleave = 8 : i64}
func.func @shared(%x: tensor<1x32xf32>, %x2: tensor<2x32xf32>) -> (tensor<1x8xf32>, tensor<2x8xf32>) {
  %w2 = arith.constant dense<"0x000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F202122232425262728292A2B2C2D2E2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F505152535455565758595A5B5C5D5E5F606162636465666768696A6B6C6D6E6F707172737475767778797A7B7C7D7E7F808182838485868788898A8B8C8D8E8F909192939495969798999A9B9C9D9E9FA0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0C1C2C3C4C5C6C7C8C9CACBCCCDCECFD0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF000102030405060708090A0B0C0D0E0F"> : tensor<8x34xi8>
  %y = qnn.block_linear q8_0, %x, %w2 : (tensor<1x32xf32>, tensor<8x34xi8>) -> tensor<1x8xf32>
  %z = qnn.block_linear q8_0, %x2, %w2 : (tensor<2x32xf32>, tensor<8x34xi8>) -> tensor<2x8xf32>
  return %y, %z : tensor<1x8xf32>, tensor<2x8xf32>
}

// -----

// Unchanged: a k-quant, a row count that is not a multiple of 8, a weight
// that is not a constant.
// CHECK-LABEL: func @unchanged
// CHECK-NOT: row_interleave
// CHECK: return
func.func @unchanged(%x: tensor<1x256xf32>, %x32: tensor<1x32xf32>, %w: tensor<8x20xi8>) -> (tensor<1x8xf32>, tensor<1x12xf32>, tensor<1x8xf32>) {
  %wk = arith.constant dense<1> : tensor<8x144xi8>
  %a = qnn.block_linear q4_k, %x, %wk : (tensor<1x256xf32>, tensor<8x144xi8>) -> tensor<1x8xf32>
  %w12 = arith.constant dense<"0x000306090C0F1215181B1E2124272A2D303336393C3F4245484B4E5154575A5D606366696C6F7275787B7E8184878A8D909396999C9FA2A5A8ABAEB1B4B7BABDC0C3C6C9CCCFD2D5D8DBDEE1E4E7EAEDF0F3F6F9FCFF0205080B0E1114171A1D202326292C2F3235383B3E4144474A4D505356595C5F6265686B6E7174777A7D808386898C8F9295989B9EA1A4A7AAADB0B3B6B9BCBFC2C5C8CBCED1D4D7DADDE0E3E6E9ECEFF2F5F8FBFE0104070A0D101316191C1F2225282B2E3134373A3D404346494C4F5255585B5E6164676A6D707376797C7F8285888B8E9194979A9DA0A3A6A9ACAFB2B5B8BBBEC1C4C7CACD"> : tensor<12x20xi8>
  %b = qnn.block_linear q4_1, %x32, %w12 : (tensor<1x32xf32>, tensor<12x20xi8>) -> tensor<1x12xf32>
  %c = qnn.block_linear q4_1, %x32, %w : (tensor<1x32xf32>, tensor<8x20xi8>) -> tensor<1x8xf32>
  return %a, %b, %c : tensor<1x8xf32>, tensor<1x12xf32>, tensor<1x8xf32>
}
