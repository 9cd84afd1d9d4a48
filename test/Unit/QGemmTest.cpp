//===- QGemmTest.cpp - the dense int8 GEMM kernel against a reference -----===//
//
// qcc_rt_qgemm_s8 must be bit-exact: every result is compared with an int64
// reference truncated to int32, over edge shapes, all signedness
// combinations, scalar and per-channel zero points (extreme ones included),
// strided outputs in both orientations and padded leading dimensions. Output
// elements outside the strided result must stay untouched.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "../../runtime/QGemm.h"
}

namespace {

enum class Layout { RowMajor, ColMajor, Strided };

struct Case {
  int64_t m, n, k;
  bool xSigned, wSigned;
  int64_t xZp;
  std::vector<int32_t> wZp; // one (scalar) or n (per channel)
  Layout layout;
  int64_t pad; // extra leading-dimension padding of X, W (2x) and C
  uint32_t seed;
  int fill = 0; // 0: random bytes; 1: all 0xFF (sums overflow int32)
};

std::string describe(const Case &c) {
  std::ostringstream os;
  os << c.m << "x" << c.n << "x" << c.k << " x" << (c.xSigned ? "s8" : "u8")
     << " w" << (c.wSigned ? "s8" : "u8") << " xZp=" << c.xZp
     << (c.wZp.size() == 1 ? " wZp=" : " wZp[0]=") << c.wZp[0]
     << " layout=" << static_cast<int>(c.layout) << " pad=" << c.pad;
  return os.str();
}

::testing::AssertionResult check(const Case &c) {
  int64_t ldx = c.k + c.pad, ldw = c.k + 2 * c.pad;
  std::mt19937 rng(c.seed);
  std::vector<uint8_t> x(c.m * ldx), w(c.n * ldw);
  for (uint8_t &v : x)
    v = c.fill ? 0xFF : static_cast<uint8_t>(rng());
  for (uint8_t &v : w)
    v = c.fill ? 0xFF : static_cast<uint8_t>(rng());
  int64_t rsC = c.n + c.pad, csC = 1; // row-major
  if (c.layout == Layout::ColMajor)   // NCHW convolution results
    rsC = 1, csC = c.m + c.pad;
  else if (c.layout == Layout::Strided)
    rsC = 2 * c.n + 1, csC = 2;
  int64_t size = (c.m - 1) * rsC + (c.n - 1) * csC + 1;
  const int32_t sentinel = 0x5A5A5A5A;
  std::vector<int32_t> out(size, sentinel), ref(size, sentinel);
  bool perChannel = c.wZp.size() > 1;
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      int64_t wz = c.wZp[perChannel ? j : 0];
      uint64_t acc = 0; // wraps like the kernel's int32, mod 2^64
      for (int64_t kk = 0; kk < c.k; ++kk) {
        uint8_t xb = x[i * ldx + kk], wb = w[j * ldw + kk];
        int64_t xv = c.xSigned ? static_cast<int8_t>(xb) : xb;
        int64_t wv = c.wSigned ? static_cast<int8_t>(wb) : wb;
        acc +=
            static_cast<uint64_t>(xv - c.xZp) * static_cast<uint64_t>(wv - wz);
      }
      ref[i * rsC + j * csC] = static_cast<int32_t>(static_cast<uint32_t>(acc));
    }
  qcc_rt_qgemm_s8(c.m, c.n, c.k, x.data(), ldx, c.xSigned, c.xZp, w.data(), ldw,
                  c.wSigned, c.wZp.data(), perChannel ? 1 : 0, out.data(), rsC,
                  csC);
  for (int64_t e = 0; e < size; ++e)
    if (out[e] != ref[e])
      return ::testing::AssertionFailure()
             << describe(c) << ": element " << e << " is " << out[e]
             << ", expected " << ref[e]
             << (ref[e] == sentinel ? " (outside the result)" : "");
  return ::testing::AssertionSuccess();
}

const int64_t kDims[] = {1, 2, 3, 5, 7, 16, 17, 31, 33, 64, 100, 257};
const int64_t kZps[] = {0, 127, 255, -128};

std::vector<int32_t> zeroPoints(int64_t n, bool perChannel, std::mt19937 &rng) {
  if (!perChannel)
    return {static_cast<int32_t>(kZps[rng() % 4])};
  std::vector<int32_t> z(n);
  for (int32_t &v : z)
    v = static_cast<int32_t>(kZps[rng() % 4]);
  return z;
}

// Every (M, N, K) of kDims, the other parameters varied from one shape to
// the next so that each combination appears many times.
TEST(QGemmS8, EdgeShapes) {
  std::mt19937 rng(1);
  int n = 0;
  for (int64_t m : kDims)
    for (int64_t nn : kDims)
      for (int64_t k : kDims) {
        Case c{m,
               nn,
               k,
               (n & 1) != 0,
               (n & 2) != 0,
               kZps[(n >> 2) % 4],
               zeroPoints(nn, (n / 3) % 2 != 0, rng),
               static_cast<Layout>(n % 3),
               (n / 5) % 2 != 0 ? 5 : 0,
               static_cast<uint32_t>(n)};
        ASSERT_TRUE(check(c));
        ++n;
      }
}

// All signedness combinations with every extreme zero point, scalar and per
// channel, on the row counts of the dot-product path (1-7) and packed ones.
TEST(QGemmS8, SignednessAndZeroPoints) {
  std::mt19937 rng(2);
  const int64_t shapes[][3] = {{1, 37, 129}, {3, 20, 64},  {7, 33, 31},
                               {8, 17, 100}, {33, 65, 77}, {100, 31, 257}};
  uint32_t seed = 0;
  for (const auto &s : shapes)
    for (int sign = 0; sign < 4; ++sign)
      for (int64_t xZp : kZps)
        for (int64_t wz : kZps)
          for (bool perChannel : {false, true}) {
            std::vector<int32_t> z(perChannel ? s[1] : 1,
                                   static_cast<int32_t>(wz));
            if (perChannel) // mix in the others
              for (size_t j = 0; j < z.size(); j += 3)
                z[j] = static_cast<int32_t>(kZps[rng() % 4]);
            Case c{s[0],
                   s[1],
                   s[2],
                   (sign & 1) != 0,
                   (sign & 2) != 0,
                   xZp,
                   z,
                   static_cast<Layout>(seed % 3),
                   seed % 2 ? 3 : 0,
                   seed++};
            ASSERT_TRUE(check(c));
          }
}

// Convolutions with the filters as rows: int8 X (weights, zero point 0) by
// uint8 W (activation patches), few channels (K of 8 to 40, partly below
// one 16-step packing block), many pixels; the VNNI build takes its
// signed-X kernel here.
TEST(QGemmS8, FiltersAsRows) {
  const int64_t shapes[][3] = {{8, 2304, 27}, {8, 1152, 8},  {24, 1152, 8},
                               {32, 576, 24}, {88, 288, 16}, {200, 192, 40},
                               {16, 288, 5},  {9, 70, 13}};
  uint32_t seed = 300;
  for (const auto &s : shapes)
    for (int64_t xZp : {0, 3})
      for (int64_t wz : {0, 117, 255}) {
        Case c{s[0], s[1], s[2], true, false, xZp, {static_cast<int32_t>(wz)},
               Layout::RowMajor, 0, seed++};
        ASSERT_TRUE(check(c));
      }
}

// Strided outputs in both orientations and padded leading dimensions.
TEST(QGemmS8, StridesAndLeadingDimensions) {
  std::mt19937 rng(3);
  const int64_t shapes[][3] = {
      {1, 5, 7}, {2, 64, 64}, {6, 32, 40}, {31, 33, 17}, {257, 16, 64}};
  uint32_t seed = 100;
  for (const auto &s : shapes)
    for (Layout layout : {Layout::RowMajor, Layout::ColMajor, Layout::Strided})
      for (int64_t pad : {0, 1, 9, 64}) {
        Case c{s[0],
               s[1],
               s[2],
               seed % 2 == 0,
               seed % 3 != 0,
               128,
               zeroPoints(s[1], true, rng),
               layout,
               pad,
               seed++};
        ASSERT_TRUE(check(c));
      }
}

// Large enough for several k-blocks, several column blocks, row splits and
// all OpenMP threads (in both the packed and the dot-product paths).
TEST(QGemmS8, BlockedAndThreaded) {
  std::mt19937 rng(4);
  const int64_t shapes[][3] = {
      {300, 200, 1500}, {700, 520, 64}, {100, 1000, 300}, {1000, 50, 300},
      {3, 5000, 1000},  {1, 777, 3000}, {7, 2001, 700},   {64, 64, 2049}};
  uint32_t seed = 200;
  for (const auto &s : shapes)
    for (int sign = 0; sign < 4; ++sign) {
      Case c{s[0],
             s[1],
             s[2],
             (sign & 1) != 0,
             (sign & 2) != 0,
             kZps[seed % 4],
             zeroPoints(s[1], sign % 2 == 0, rng),
             static_cast<Layout>(seed % 3),
             seed % 2 ? 3 : 0,
             seed};
      ++seed;
      ASSERT_TRUE(check(c));
    }
}

// The contract is int32 with wraparound: sums past 2^31, zero points far
// outside the byte range (which also defeat folding them into int16
// operands) must still come out exact mod 2^32.
TEST(QGemmS8, Wraparound) {
  const int64_t bigX[] = {int64_t(1) << 40, -(int64_t(1) << 33), 40000, -40000};
  const int32_t bigW[] = {100000, -70000, INT32_MAX, INT32_MIN};
  uint32_t seed = 300;
  for (int64_t xZp : bigX)
    for (int32_t wz : bigW)
      for (int64_t m : {1, 9}) {
        Case c{m,
               40,
               300,
               seed % 2 == 0,
               seed % 3 == 0,
               xZp,
               {wz},
               Layout::RowMajor,
               0,
               seed++};
        ASSERT_TRUE(check(c));
      }
  // All bytes 0xFF: (255 + 128)^2 * 70000 overflows int32 many times over.
  for (int64_t m : {1, 20})
    for (int sign = 0; sign < 4; ++sign) {
      Case c{m,
             24,
             70000,
             (sign & 1) != 0,
             (sign & 2) != 0,
             -128,
             {-128},
             Layout::RowMajor,
             0,
             seed++,
             1};
      ASSERT_TRUE(check(c));
    }
}

} // namespace
