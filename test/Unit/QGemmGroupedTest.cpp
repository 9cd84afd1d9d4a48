//===- QGemmGroupedTest.cpp - grouped sub-byte GEMM against a reference --===//
//
// qcc_rt_qgemm_grouped against a naive loop written from the contract in
// QGemm.h: codes are read bit by bit from the little-endian bit stream (no
// shared unpacking code with the kernel), products summed in int64 and
// wrapped to int32 at the end. Covers every code width, several group
// sizes, row counts that exercise each register tile and its edges, int8
// and uint8 activations with extreme zero points, and both output
// orientations with padded strides. Exact equality: the kernel is integer.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "QGemm.h"
}

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace {

// Code k of a packed row: bit b of the code is stream bit k*bits + b.
unsigned codeAt(const uint8_t *row, int64_t k, int bits) {
  unsigned v = 0;
  for (int b = 0; b < bits; ++b) {
    int64_t bit = k * bits + b;
    v |= ((row[bit / 8] >> (bit % 8)) & 1u) << b;
  }
  return v;
}

struct Problem {
  int64_t m, n, k, group;
  int bits;
  bool xSigned;
  int64_t xZp;
  bool colMajor; // result (i, j) at C + i + j*ldc, else C + i*ldc + j
  int zpRange;   // zero points drawn from [0, zpRange)
  int scaleMax;  // scales drawn from [1, scaleMax]
  bool extremeX; // activations at the ends of their range only
};

std::string describe(const Problem &p) {
  return "M=" + std::to_string(p.m) + " N=" + std::to_string(p.n) +
         " K=" + std::to_string(p.k) + " group=" + std::to_string(p.group) +
         " bits=" + std::to_string(p.bits) + (p.xSigned ? " int8" : " uint8") +
         " xZp=" + std::to_string(p.xZp) +
         (p.colMajor ? " col-major" : " row-major");
}

// Runs one problem and compares every result; also checks that padding
// around the results is left alone.
void check(const Problem &p, uint32_t seed) {
  std::mt19937 rng(seed);
  int64_t nG = p.k / p.group;
  int64_t ldx = p.k + 5;
  int64_t rowBytes = p.k * p.bits / 8;
  int64_t ldw = rowBytes + 3;
  std::vector<uint8_t> x(p.m * ldx), wScale(p.n * nG), wZp(p.n * nG);
  // The last row is exactly rowBytes long: reads past it would leave the
  // allocation (caught by sanitizer builds).
  std::vector<uint8_t> w((p.n - 1) * ldw + rowBytes);
  for (uint8_t &v : x) {
    v = (uint8_t)rng();
    if (p.extremeX)
      v = (rng() & 1) ? (p.xSigned ? 0x80 : 0) : (p.xSigned ? 0x7f : 0xff);
  }
  for (uint8_t &v : w)
    v = (uint8_t)rng();
  for (uint8_t &v : wScale)
    v = (uint8_t)(1 + rng() % p.scaleMax);
  for (uint8_t &v : wZp)
    v = (uint8_t)(rng() % p.zpRange);

  int64_t ldc = (p.colMajor ? p.m : p.n) + 2;
  int64_t rsC = p.colMajor ? 1 : ldc, csC = p.colMajor ? ldc : 1;
  int64_t outer = p.colMajor ? p.n : p.m;
  const int32_t sentinel = 0x5a5a5a5a;
  std::vector<int32_t> c(outer * ldc, sentinel);

  qcc_rt_qgemm_grouped(p.m, p.n, p.k, x.data(), ldx, p.xSigned, p.xZp, w.data(),
                       ldw, p.bits, p.group, wScale.data(), wZp.data(),
                       c.data(), rsC, csC);

  std::vector<bool> written(c.size(), false);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      int64_t acc = 0;
      for (int64_t g = 0; g < nG; ++g) {
        int64_t part = 0;
        for (int64_t kk = g * p.group; kk < (g + 1) * p.group; ++kk) {
          uint8_t raw = x[i * ldx + kk];
          int64_t xv = p.xSigned ? (int64_t)(int8_t)raw : (int64_t)raw;
          int64_t q = codeAt(w.data() + j * ldw, kk, p.bits);
          part += (xv - p.xZp) * (q - wZp[j * nG + g]);
        }
        acc += part * wScale[j * nG + g];
      }
      int32_t want = (int32_t)(uint32_t)(uint64_t)acc;
      int64_t at = i * rsC + j * csC;
      written[at] = true;
      ASSERT_EQ(c[at], want) << describe(p) << " at (" << i << ", " << j << ")";
    }
  for (size_t e = 0; e < c.size(); ++e) {
    if (!written[e]) {
      ASSERT_EQ(c[e], sentinel) << describe(p) << " wrote padding " << e;
    }
  }
}

// (bits, group, K as a multiple of group or 0 for K = 512)
using Config = std::tuple<int, int64_t, int64_t>;
class QGemmGroupedTest : public ::testing::TestWithParam<Config> {};

TEST_P(QGemmGroupedTest, MatchesReference) {
  auto [bits, group, kMul] = GetParam();
  int64_t k = kMul ? kMul * group : 512;
  const int64_t ms[] = {1, 2, 3, 7, 33};
  const int64_t ns[] = {1, 5, 64, 100};
  // int8 / uint8 activations with extreme zero points, cycled over the
  // shapes so each configuration meets all eight.
  const std::pair<bool, int64_t> xModes[] = {
      {true, 0},   {false, 128}, {true, -128}, {false, 255},
      {true, 127}, {false, 0},   {true, 255},  {false, -128}};
  int count = 0;
  for (int64_t m : ms)
    for (int64_t n : ns) {
      auto [xSigned, xZp] = xModes[count % 8];
      Problem p{m,         n,  k,    group, bits, xSigned, xZp, count % 2 == 1,
                1 << bits, 63, false};
      check(p, 1000u * bits + 100u * group + 10u * kMul + count);
      if (HasFatalFailure())
        return;
      ++count;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Widths, QGemmGroupedTest,
    ::testing::Combine(::testing::Values(2, 3, 4, 8),
                       ::testing::Values<int64_t>(8, 32, 64, 128),
                       ::testing::Values<int64_t>(1, 3, 0)),
    [](const ::testing::TestParamInfo<Config> &info) {
      int64_t kMul = std::get<2>(info.param);
      return "W" + std::to_string(std::get<0>(info.param)) + "_G" +
             std::to_string(std::get<1>(info.param)) + "_K" +
             (kMul ? std::to_string(kMul) + "G" : std::string("512"));
    });

// Group sizes off the main grid: 16 spans half a 32-byte vector; 24, 40 and
// 48 neither divide nor are multiples of the vector width (scalar path), 256
// is several vectors per group.
TEST(QGemmGroupedOddGroups, MatchesReference) {
  int count = 0;
  for (int bits : {2, 3, 4, 8})
    for (int64_t group : {16, 24, 40, 48, 256})
      for (int64_t m : {1, 2, 5})
        for (int64_t k : {group, 5 * group}) {
          Problem p{m,
                    37,
                    k,
                    group,
                    bits,
                    count % 2 == 0,
                    count % 3 ? 3 : 0,
                    count % 2 == 1,
                    1 << bits,
                    63,
                    false};
          check(p, 77u + count++);
          if (HasFatalFailure())
            return;
        }
}

// Zero points anywhere in uint8 (beyond the code range) and full-range
// scales.
TEST(QGemmGroupedWideParams, MatchesReference) {
  int count = 0;
  for (int bits : {2, 3, 4, 8})
    for (int64_t m : {1, 4, 9}) {
      Problem p{
          m,     29,  384, 32,   bits, count % 2 == 0, count % 2 ? 255 : -128,
          false, 256, 255, false};
      check(p, 500u + count++);
      if (HasFatalFailure())
        return;
    }
}

// Sums that overflow int32: the contract asks for two's-complement
// wraparound, which the reference gets by reducing its int64 sum.
TEST(QGemmGroupedWraparound, MatchesReference) {
  for (int bits : {4, 8})
    for (bool xSigned : {true, false}) {
      Problem p{3,     9, 8192, 128, bits, xSigned, xSigned ? 127 : -128,
                false, 1, 255,  true};
      // zero points of 0 and extreme activations make every term large
      check(p, 900u + bits + xSigned);
      if (HasFatalFailure())
        return;
    }
}

// Sizes past the threading threshold (rows*N*K > 2^18), the GEMV shapes of a
// small language model and a batched product that takes the buffered tiles.
TEST(QGemmGroupedLarge, MatchesReference) {
  const Problem problems[] = {
      {1, 576, 1536, 32, 4, false, 128, false, 16, 63, false},
      {1, 300, 4096, 128, 3, true, 0, false, 8, 63, false},
      {1, 257, 4096, 64, 2, false, 77, true, 4, 63, false},
      {1, 130, 8192, 32, 8, true, -3, false, 256, 63, false},
      {40, 70, 1024, 32, 4, true, 5, false, 16, 63, false},
      {17, 133, 640, 128, 8, false, 128, true, 256, 63, false},
      {65, 48, 768, 64, 3, false, 200, false, 8, 63, false},
  };
  uint32_t seed = 4242;
  for (const Problem &p : problems) {
    check(p, seed++);
    if (HasFatalFailure())
      return;
  }
}

TEST(QGemmGroupedEmpty, ZeroK) {
  std::vector<int32_t> c(6, 7);
  uint8_t x = 0, w = 0, s = 1, z = 0;
  qcc_rt_qgemm_grouped(2, 3, 0, &x, 1, 1, 0, &w, 1, 4, 32, &s, &z, c.data(), 3,
                       1);
  for (int32_t v : c)
    EXPECT_EQ(v, 0);
}

} // namespace
