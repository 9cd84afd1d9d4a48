//===- QGemmSparse24Test.cpp - the 2:4 sparse int8 GEMM against a reference
//===//
//
// qcc_rt_qgemm_sparse24 against a naive loop written from the contract in
// QGemm.h: positions are read from the index bytes nibble by nibble, the
// products summed in int64 and wrapped to int32. Row counts exercise the
// in-place (GEMV) path, every packed tile and its edges; K covers whole and
// partial k-blocks and an odd number of groups; int8 and uint8 X with
// extreme zero points, both output orientations with padded strides, and
// weights of -128 whose sums wrap. Where the CPU has AVX2, the VNNI
// column-lane path (QGemmSparse24Emu.c) is checked the same way.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "QGemm.h"
void qcc_rt_qgemm_sparse24_vnni_emu(int64_t M, int64_t N, int64_t K,
                                    const void *X, int64_t ldx, int64_t xSigned,
                                    int64_t xZp, const int8_t *Wv, int64_t ldv,
                                    const uint8_t *Wi, int64_t ldi, int32_t *C,
                                    int64_t rsC, int64_t csC);
}

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Fn = decltype(&qcc_rt_qgemm_sparse24);

struct Case {
  int64_t m, n, k;
  bool xSigned;
  int64_t xZp;
  bool colMajor; // C as NCHW convolution results
  int64_t pad;
  uint32_t seed;
  bool extreme = false; // X = max, W = -128: sums wrap int32
};

std::string describe(const Case &c) {
  std::ostringstream os;
  os << c.m << "x" << c.n << "x" << c.k << (c.xSigned ? " s8" : " u8")
     << " xZp=" << c.xZp << (c.colMajor ? " colmajor" : " rowmajor")
     << " pad=" << c.pad << (c.extreme ? " extreme" : "");
  return os.str();
}

::testing::AssertionResult check(Fn fn, const Case &c) {
  int64_t ldx = c.k + c.pad, ldv = c.k / 2 + c.pad, ldi = (c.k + 7) / 8 + c.pad;
  std::mt19937 rng(c.seed);
  std::vector<uint8_t> x(c.m * ldx), wi(c.n * ldi, 0);
  std::vector<int8_t> wv(c.n * ldv);
  for (uint8_t &v : x)
    v = c.extreme ? (c.xSigned ? 0x7F : 0xFF) : static_cast<uint8_t>(rng());
  for (int8_t &v : wv)
    v = c.extreme ? -128 : static_cast<int8_t>(rng());
  static const int pairs[6][2] = {{0, 1}, {0, 2}, {0, 3},
                                  {1, 2}, {1, 3}, {2, 3}};
  for (int64_t j = 0; j < c.n; ++j)
    for (int64_t g = 0; g < c.k / 4; ++g) {
      const int *pr = pairs[rng() % 6];
      wi[j * ldi + g / 2] |= (pr[0] | pr[1] << 2) << (4 * (g % 2));
    }
  int64_t rsC = c.colMajor ? 1 : c.n + c.pad;
  int64_t csC = c.colMajor ? c.m + c.pad : 1;
  int64_t size = (c.m - 1) * rsC + (c.n - 1) * csC + 1;
  const int32_t sentinel = 0x5A5A5A5A;
  std::vector<int32_t> out(size, sentinel), ref(size, sentinel);
  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      uint64_t acc = 0;
      for (int64_t g = 0; g < c.k / 4; ++g) {
        unsigned nib = (wi[j * ldi + g / 2] >> (4 * (g % 2))) & 15;
        for (int t = 0; t < 2; ++t) {
          int64_t k = 4 * g + ((nib >> (2 * t)) & 3);
          uint8_t xb = x[i * ldx + k];
          int64_t xv = c.xSigned ? static_cast<int8_t>(xb) : xb;
          acc += static_cast<uint64_t>((xv - c.xZp) * wv[j * ldv + 2 * g + t]);
        }
      }
      ref[i * rsC + j * csC] = static_cast<int32_t>(static_cast<uint32_t>(acc));
    }
  fn(c.m, c.n, c.k, x.data(), ldx, c.xSigned, c.xZp, wv.data(), ldv, wi.data(),
     ldi, out.data(), rsC, csC);
  for (int64_t e = 0; e < size; ++e)
    if (out[e] != ref[e])
      return ::testing::AssertionFailure()
             << describe(c) << ": element " << e << " is " << out[e]
             << ", expected " << ref[e];
  return ::testing::AssertionSuccess();
}

std::vector<Case> cases() {
  std::vector<Case> cs;
  uint32_t seed = 1;
  // rows: GEMV path (1..8), packed tiles (4, 8, 32 rows) and their edges
  for (int64_t m : {1, 2, 3, 5, 8, 9, 31, 33, 70})
    for (int64_t n : {1, 3, 16, 37})
      for (int64_t k : {4, 12, 32, 36, 132, 520, 1028})
        cs.push_back({m, n, k, (m + n) % 2 == 0, m % 3 == 0 ? 0 : 128,
                      n % 2 == 1, k % 3 == 0 ? 0 : 3, seed++});
  for (bool s : {false, true})
    for (int64_t zp : {-128, 0, 127, 255})
      for (int64_t m : {1, 40})
        cs.push_back({m, 35, 516, s, zp, m > 1, 1, seed++});
  for (bool s : {false, true})
    for (int64_t m : {2, 64})
      cs.push_back({m, 19, 4096 + 4, s, s ? -128 : 0, false, 0, seed++, true});
  return cs;
}

TEST(QGemmSparse24, MatchesReference) {
  for (const Case &c : cases())
    EXPECT_TRUE(check(qcc_rt_qgemm_sparse24, c));
}

TEST(QGemmSparse24, VnniColumnLanesEmulated) {
#if defined(__AVX2__)
  for (const Case &c : cases())
    EXPECT_TRUE(check(qcc_rt_qgemm_sparse24_vnni_emu, c));
#else
  GTEST_SKIP() << "the emulated VNNI path needs AVX2";
#endif
}

// A zero point outside int16 reach of X's values (the int16 paths refuse
// it) still gives the definition's integers.
TEST(QGemmSparse24, FarZeroPoint) {
  EXPECT_TRUE(
      check(qcc_rt_qgemm_sparse24, {3, 5, 64, false, 40000, false, 0, 7}));
  EXPECT_TRUE(
      check(qcc_rt_qgemm_sparse24, {50, 5, 64, true, -40000, true, 0, 8}));
}

} // namespace
