//===- QGemmTernaryTest.cpp - ternary GEMM against a reference loop ------===//
//
// qcc_rt_qgemm_ternary against a naive loop written from the contract in
// QGemmTernary.h (weights as int8 values, products summed in int64 and
// wrapped to int32), and qcc_rt_ternary_tile against the layout it
// documents. Covers row counts around the 32-row blocks and the multi-block
// groups, reductions that are not multiples of 4 or of the 16-bit flush
// interval, int8 and uint8 activations with extreme zero points, both
// output orientations, and the threaded paths. Exact equality.
//
//===----------------------------------------------------------------------===//

extern "C" {
#include "QGemmTernary.h"
}

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace {

struct Problem {
  int64_t m, n, k;
  bool xSigned;
  int64_t xZp;
  bool colMajor;
  bool extreme; // activations at the ends of their range, weights +-1 only
};

std::string describe(const Problem &p) {
  return "M=" + std::to_string(p.m) + " N=" + std::to_string(p.n) +
         " K=" + std::to_string(p.k) + (p.xSigned ? " int8" : " uint8") +
         " xZp=" + std::to_string(p.xZp) +
         (p.colMajor ? " col-major" : " row-major") +
         (p.extreme ? " extreme" : "");
}

void check(const Problem &p, uint32_t seed) {
  std::mt19937 rng(seed);
  int64_t ldx = p.k + 3, ldt = p.k + 1;
  std::vector<uint8_t> x(p.m * ldx);
  std::vector<int8_t> t(p.n * ldt, 7); // padding outside K must be ignored
  for (uint8_t &v : x) {
    v = (uint8_t)rng();
    if (p.extreme)
      v = (rng() & 1) ? (p.xSigned ? 0x80 : 0) : (p.xSigned ? 0x7f : 0xff);
  }
  for (int64_t j = 0; j < p.n; ++j)
    for (int64_t k = 0; k < p.k; ++k)
      t[j * ldt + k] =
          p.extreme ? ((rng() & 1) ? 1 : -1) : (int8_t)((int)(rng() % 3) - 1);
  std::vector<uint8_t> w(qcc_rt_ternary_tiled_size(p.n, p.k));
  ASSERT_EQ(qcc_rt_ternary_tile(p.n, p.k, t.data(), ldt, w.data()), 0);

  int64_t ldc = (p.colMajor ? p.m : p.n) + 2;
  int64_t rows = p.colMajor ? p.n : p.m;
  const int32_t sentinel = 0x5a5a5a5a;
  std::vector<int32_t> c(rows * ldc, sentinel);
  int64_t rsC = p.colMajor ? 1 : ldc, csC = p.colMajor ? ldc : 1;
  qcc_rt_qgemm_ternary(p.m, p.n, p.k, x.data(), ldx, p.xSigned, p.xZp, w.data(),
                       c.data(), rsC, csC);
  for (int64_t i = 0; i < p.m; ++i)
    for (int64_t j = 0; j < p.n; ++j) {
      int64_t s = 0;
      for (int64_t k = 0; k < p.k; ++k) {
        int64_t xv = p.xSigned ? (int8_t)x[i * ldx + k] : x[i * ldx + k];
        s += (xv - p.xZp) * t[j * ldt + k];
      }
      ASSERT_EQ(c[i * rsC + j * csC], (int32_t)(uint32_t)s)
          << describe(p) << " at (" << i << ", " << j << ")";
    }
  // padding around the results is untouched
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t e = (p.colMajor ? p.m : p.n); e < ldc; ++e)
      ASSERT_EQ(c[r * ldc + e], sentinel) << describe(p);
}

TEST(QGemmTernary, Shapes) {
  uint32_t seed = 1;
  for (int64_t m : {1, 2, 5})
    for (int64_t n : {1, 31, 32, 33, 64, 65, 96, 130, 200})
      for (int64_t k : {1, 3, 4, 5, 64, 127, 128, 129, 260, 1000})
        check({m, n, k, true, 0, false, false}, seed++);
}

TEST(QGemmTernary, ZeroPointsAndExtremes) {
  uint32_t seed = 100;
  for (bool extreme : {false, true})
    for (bool colMajor : {false, true}) {
      check({3, 70, 515, true, -128, colMajor, extreme}, seed++);
      check({3, 70, 515, true, 127, colMajor, extreme}, seed++);
      check({3, 70, 515, false, 0, colMajor, extreme}, seed++);
      check({3, 70, 515, false, 255, colMajor, extreme}, seed++);
      check({2, 33, 4096, false, 128, colMajor, extreme}, seed++);
    }
}

TEST(QGemmTernary, LongReductionsAndThreads) {
  // long rows (many 16-bit flushes), GEMV and batched products large enough
  // to take both threaded paths
  check({1, 512, 8192, true, 0, false, true}, 7);
  check({1, 1000, 2048, true, 5, false, false}, 8);
  check({64, 96, 1024, false, 3, true, false}, 9);
}

TEST(QGemmTernary, TileLayoutAndRejects) {
  // row j, weight k -> block j/32, byte column k/4, byte j%32, bits 2(k%4)
  const int64_t n = 40, k = 10;
  std::vector<int8_t> t(n * k);
  std::mt19937 rng(3);
  for (int8_t &v : t)
    v = (int8_t)((int)(rng() % 3) - 1);
  std::vector<uint8_t> w(qcc_rt_ternary_tiled_size(n, k));
  ASSERT_EQ(w.size(), 2u * 3u * 32u);
  ASSERT_EQ(qcc_rt_ternary_tile(n, k, t.data(), k, w.data()), 0);
  for (int64_t j = 0; j < 64; ++j)
    for (int64_t kk = 0; kk < 12; ++kk) {
      unsigned code =
          (w[(j / 32) * 3 * 32 + (kk / 4) * 32 + j % 32] >> (2 * (kk % 4))) &
          3u;
      int want = (j < n && kk < k) ? t[j * k + kk] : 0;
      ASSERT_EQ((int)code - 1, want) << j << " " << kk;
    }
  t[5 * k + 7] = 2;
  EXPECT_EQ(qcc_rt_ternary_tile(n, k, t.data(), k, w.data()), -1);
  t[5 * k + 7] = -2;
  EXPECT_EQ(qcc_rt_ternary_tile(n, k, t.data(), k, w.data()), -1);
}

} // namespace
