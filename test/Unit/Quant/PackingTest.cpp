//===- PackingTest.cpp - bit positions and round trips of packed codes ----===//

#include "qcc/Quant/Packing.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

using namespace qcc::quant;

namespace {

using Bytes = std::vector<uint8_t>;

TEST(Packing, FixedBitPositions) {
  // 4 bits: low nibble first.
  Bytes c4 = {1, 2, 3, 4, 0xF};
  EXPECT_EQ(packCodes(c4.data(), 1, 5, 4), (Bytes{0x21, 0x43, 0x0F}));
  // 2 bits: code k at bits [2k, 2k + 2).
  Bytes c2 = {1, 2, 3, 0, 3};
  EXPECT_EQ(packCodes(c2.data(), 1, 5, 2), (Bytes{0x39, 0x03}));
  // 3 bits: codes 0..7 form the 24-bit value sum k << 3k = 0xFAC688,
  // little-endian; codes straddle bytes 0/1 and 1/2.
  Bytes c3 = {0, 1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(packCodes(c3.data(), 1, 8, 3), (Bytes{0x88, 0xC6, 0xFA}));
  Bytes c3b = {7, 0, 5};
  EXPECT_EQ(packCodes(c3b.data(), 1, 3, 3), (Bytes{0x47, 0x01}));
  // 8 bits: bytes as they are.
  Bytes c8 = {0, 255, 17};
  EXPECT_EQ(packCodes(c8.data(), 1, 3, 8), c8);
}

TEST(Packing, RowsStartOnByteBoundaries) {
  // Two rows of three 3-bit codes: 9 bits each -> 2 bytes per row.
  Bytes c = {7, 7, 7, 1, 0, 0};
  EXPECT_EQ(packedRowBytes(3, 3), 2);
  EXPECT_EQ(packCodes(c.data(), 2, 3, 3), (Bytes{0xFF, 0x01, 0x01, 0x00}));
  EXPECT_EQ(packedRowBytes(4096, 4), 2048);
  EXPECT_EQ(packedRowBytes(11, 3), 5);
}

TEST(Packing, RoundTrips) {
  std::mt19937 rng(1);
  for (int bits = 1; bits <= 8; ++bits)
    for (int64_t cols : {1, 7, 8, 13, 64, 129}) {
      const int64_t rows = 5;
      Bytes codes(rows * cols);
      for (uint8_t &v : codes)
        v = static_cast<uint8_t>(rng() & ((1u << bits) - 1));
      Bytes packed = packCodes(codes.data(), rows, cols, bits);
      ASSERT_EQ(static_cast<int64_t>(packed.size()),
                rows * ((cols * bits + 7) / 8));
      EXPECT_EQ(unpackCodes(packed.data(), rows, cols, bits), codes)
          << bits << " bits, " << cols << " cols";
      // Padding bits after the last code of each row stay 0.
      int pad = static_cast<int>(packedRowBytes(cols, bits) * 8 - cols * bits);
      if (pad) {
        uint8_t last = packed[packedRowBytes(cols, bits) - 1];
        EXPECT_EQ(last >> (8 - pad), 0) << bits << " bits, " << cols;
      }
    }
}

} // namespace
