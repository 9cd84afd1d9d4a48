//===- TernaryTest.cpp - absmean ternarization and ternary packings -------===//
//
// qcc::quant::quantizeTernary against the rule written out by hand (scale
// = mean |W|, codes rounded half to even and clamped), and the 2-bit and
// base-3 packings: layouts byte by byte, round trips over random rows of
// every length mod 4 / mod 5, and the invalid inputs each refuses.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/Ternary.h"

#include <gtest/gtest.h>

#include <random>

using namespace qcc::quant;

TEST(Ternary, AbsmeanPerChannelAndPerTensor) {
  // row 0: mean |W| = 1.0, ties 0.5 -> 0 and 1.5 -> 2 -> 1, -2.5 -> -1;
  // row 1: all zero -> scale 1e-5, codes 0
  const float w[8] = {0.5f, 1.5f, -0.5f, -1.0f, 0, 0, 0, 0};
  TernaryWeights q = quantizeTernary(w, 2, 4, /*perTensor=*/false);
  EXPECT_EQ(q.scales[0], 0.875f);
  EXPECT_EQ(q.scales[1], 1e-5f);
  // 0.5 / 0.875 = 0.57 -> 1, 1.5 / 0.875 -> 2 -> 1, -0.57 -> -1, -1.14 -> -1
  EXPECT_EQ(std::vector<int8_t>(q.values.begin(), q.values.begin() + 4),
            (std::vector<int8_t>{1, 1, -1, -1}));
  for (int i = 4; i < 8; ++i)
    EXPECT_EQ(q.values[i], 0);
  TernaryWeights t = quantizeTernary(w, 2, 4, /*perTensor=*/true);
  EXPECT_EQ(t.scales[0], 0.4375f);
  EXPECT_EQ(t.scales[1], 0.4375f);
  const float ties[4] = {0.5f, 1.5f, -0.5f, -1.5f}; // mean 1: exact halves
  TernaryWeights h = quantizeTernary(ties, 1, 4, false);
  EXPECT_EQ(h.values, (std::vector<int8_t>{0, 1, 0, -1}));
}

TEST(Ternary, PackedLayouts) {
  const int8_t t[6] = {1, 0, -1, 1, -1, 0};
  std::vector<uint8_t> p2, p3;
  ASSERT_TRUE(packTernary2(t, 1, 6, p2));
  // codes 2 1 0 2 | 0 1 (1 1 padding)
  EXPECT_EQ(p2, (std::vector<uint8_t>{2 | 1 << 2 | 0 << 4 | 2 << 6,
                                      0 | 1 << 2 | 1 << 4 | 1 << 6}));
  ASSERT_TRUE(packTernaryBase3(t, 1, 6, p3));
  // 2 + 1*3 + 0*9 + 2*27 + 0*81 = 59 | 1 + 1*3 + 1*9 + 1*27 + 1*81
  EXPECT_EQ(p3, (std::vector<uint8_t>{59, 121}));
}

TEST(Ternary, RoundTripsAndRejects) {
  std::mt19937 rng(11);
  for (int64_t cols = 1; cols <= 23; ++cols) {
    const int64_t rows = 3;
    std::vector<int8_t> t(rows * cols), back;
    for (int8_t &v : t)
      v = (int8_t)((int)(rng() % 3) - 1);
    std::vector<uint8_t> p;
    ASSERT_TRUE(packTernary2(t.data(), rows, cols, p));
    ASSERT_EQ((int64_t)p.size(), rows * ternaryRowBytes2(cols));
    ASSERT_TRUE(unpackTernary2(p.data(), rows, cols, back));
    EXPECT_EQ(back, t) << cols;
    ASSERT_TRUE(packTernaryBase3(t.data(), rows, cols, p));
    ASSERT_EQ((int64_t)p.size(), rows * ternaryRowBytesBase3(cols));
    ASSERT_TRUE(unpackTernaryBase3(p.data(), rows, cols, back));
    EXPECT_EQ(back, t) << cols;
  }
  std::vector<uint8_t> p;
  std::vector<int8_t> out;
  const int8_t two[2] = {1, 2};
  EXPECT_FALSE(packTernary2(two, 1, 2, p));
  EXPECT_FALSE(packTernaryBase3(two, 1, 2, p));
  const uint8_t code3[1] = {0x57}; // weight 0 has code 3, the others 1
  EXPECT_FALSE(unpackTernary2(code3, 1, 4, out));
  const uint8_t pad2[1] = {0x01 | 0x01 << 2 | 0x02 << 4}; // padding weight 1
  EXPECT_FALSE(unpackTernary2(pad2, 1, 2, out));
  const uint8_t big[1] = {243};
  EXPECT_FALSE(unpackTernaryBase3(big, 1, 5, out));
  const uint8_t pad3[1] = {1 + 3 + 9 + 27 + 2 * 81}; // padding digit 2
  EXPECT_FALSE(unpackTernaryBase3(pad3, 1, 4, out));
}
