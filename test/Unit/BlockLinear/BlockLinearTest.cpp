//===- BlockLinearTest.cpp - block-quantized linear kernels vs reference --===//
//
// Every format x path x shape (a matrix-vector product, token tiles of 4
// with remainders, a threaded product) against qcc::reference::blockLinear:
// |y - y_ref| <= (B + 8) * 2^-23 * A per output, B the number of activation
// blocks in a row and A the sum of the absolute values of every term the
// result adds up (docs/numerics.md). The integer sums are exact on every
// path; the tolerance covers only the float combination.
//
//===----------------------------------------------------------------------===//

#include "qcc/Reference/BlockLinear.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

extern "C" {
#define DECL(name)                                                             \
  void name(int64_t T, int64_t N, int64_t K, const float *X, int64_t ldx,      \
            const uint8_t *W, int64_t format, float *Y, int64_t ldy);
DECL(qcc_test_block_linear_portable)
DECL(qcc_test_block_linear_avx2)
DECL(qcc_test_block_linear_vnni)
DECL(qcc_test_block_linear_x8_portable)
DECL(qcc_test_block_linear_x8_avx2)
DECL(qcc_test_block_linear_x8_vnni)
#undef DECL
}

namespace {

using Kernel = void (*)(int64_t, int64_t, int64_t, const float *, int64_t,
                        const uint8_t *, int64_t, float *, int64_t);

struct Path {
  const char *name;
  Kernel fn;
  Kernel fnX8; // the same path's kernel of rows interleaved by 8
  bool (*available)();
};

const Path kPaths[] = {
    {"portable", qcc_test_block_linear_portable,
     qcc_test_block_linear_x8_portable, [] { return true; }},
    {"avx2", qcc_test_block_linear_avx2, qcc_test_block_linear_x8_avx2,
     [] {
       return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
     }},
    {"vnni", qcc_test_block_linear_vnni, qcc_test_block_linear_x8_vnni,
     [] {
       return __builtin_cpu_supports("avx512vnni") &&
              __builtin_cpu_supports("avx512vl") &&
              __builtin_cpu_supports("avx512bw");
     }},
};

const int kFormats[] = {2, 3, 6, 7, 8, 10, 11, 12, 13, 14, 100};

uint16_t toHalf(float f) {
  // Normal values in f16's range only (the test's scales), truncated.
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint32_t sign = bits >> 31, exp = ((bits >> 23) & 255) - 112,
           man = (bits >> 13) & 1023;
  return static_cast<uint16_t>((sign << 15) | (exp << 10) | man);
}

void putHalf(uint8_t *p, float f) {
  uint16_t h = toHalf(f);
  p[0] = h & 255;
  p[1] = h >> 8;
}

/// Random blocks: random code bytes, scales set to sane f16 values.
std::vector<uint8_t> randomWeights(int format, int64_t n, int64_t k,
                                   std::mt19937 &rng) {
  auto shape = qcc::reference::getBlockShape(format);
  int64_t blocks = n * (k / shape.blockSize);
  std::vector<uint8_t> w(n * qcc::reference::rowBytes(format, k));
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(0.002f, 0.05f);
  for (auto &v : w)
    v = static_cast<uint8_t>(byte(rng));
  if (format == 100) { // q4_1_g128: a d and m at each group of 128
    int64_t rowBytes = qcc::reference::rowBytes(format, k);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t g = 0; g * 128 < k; ++g) {
        uint8_t *p = w.data() + r * rowBytes + 68 * g;
        putHalf(p, scale(rng));
        putHalf(p + 2, -8.0f * scale(rng));
      }
    return w;
  }
  for (int64_t b = 0; b < blocks; ++b) {
    uint8_t *p = w.data() + b * shape.blockBytes;
    switch (format) {
    case 2:
    case 6:
    case 8:
      putHalf(p, scale(rng));
      break;
    case 3:
    case 7:
    case 110:
    case 111:
    case 112:
      putHalf(p, scale(rng));
      putHalf(p + 2, -8.0f * scale(rng)); // mins are usually negative
      break;
    case 12:
    case 13:
      putHalf(p, scale(rng) * 0.1f);
      putHalf(p + 2, scale(rng) * 0.1f);
      break;
    case 10: // Q2_K: d, dmin at the end
      putHalf(p + 80, scale(rng) * 0.1f);
      putHalf(p + 82, scale(rng) * 0.1f);
      break;
    case 11: // Q3_K: d at the end
      putHalf(p + 108, scale(rng) * 0.1f);
      break;
    case 14:
      putHalf(p + 208, scale(rng) * 0.05f);
      break;
    }
  }
  return w;
}

struct Shape {
  int64_t t, n, k;
};

void check(const Path &path, int format, Shape s, std::mt19937 &rng,
           bool specials, bool x8 = false) {
  std::vector<uint8_t> w = randomWeights(format, s.n, s.k, rng);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  int64_t ldx = s.k + 3, ldy = s.n + 5;
  std::vector<float> x(s.t * ldx), xd(s.t * s.k);
  for (int64_t t = 0; t < s.t; ++t)
    for (int64_t i = 0; i < s.k; ++i)
      x[t * ldx + i] = normal(rng) * (i % 7 == 0 ? 8.0f : 1.0f);
  if (specials) {
    // A zero block, an exact tie (0.5 / (127 / amax)) and, in the last
    // token, a NaN: that token's outputs are all NaN.
    for (int i = 0; i < 32; ++i)
      x[i] = 0.0f;
    x[32] = 127.0f;
    x[33] = 0.5f;
    if (s.t > 1)
      x[(s.t - 1) * ldx + 5] = NAN;
  }
  for (int64_t t = 0; t < s.t; ++t)
    std::memcpy(xd.data() + t * s.k, x.data() + t * ldx, s.k * 4);
  std::vector<float> want(s.t * s.n);
  std::vector<double> abs;
  qcc::reference::blockLinear(format, s.t, s.n, s.k, xd.data(), w.data(),
                              want.data(), &abs);
  std::vector<float> got(s.t * ldy, -1.0f);
  if (x8) {
    std::vector<uint8_t> w8 =
        qcc::reference::interleaveRows8(format, s.n, s.k, w.data());
    ASSERT_EQ(qcc::reference::deinterleaveRows8(format, s.n, s.k, w8.data()),
              w);
    path.fnX8(s.t, s.n, s.k, x.data(), ldx, w8.data(), format, got.data(),
              ldy);
  } else {
    path.fn(s.t, s.n, s.k, x.data(), ldx, w.data(), format, got.data(), ldy);
  }
  int g = qcc::reference::getBlockShape(format).blockSize;
  double factor = (double)(s.k / g + 8) * std::ldexp(1.0, -23);
  int bad = 0;
  for (int64_t t = 0; t < s.t; ++t)
    for (int64_t n = 0; n < s.n; ++n) {
      float y = got[t * ldy + n], r = want[t * s.n + n];
      if (std::isnan(r)) {
        if (!std::isnan(y) && bad++ < 5)
          ADD_FAILURE() << path.name << " format " << format << " t=" << t
                        << " n=" << n << ": got " << y << ", want NaN";
        continue;
      }
      double tol = factor * abs[t * s.n + n];
      if (!(std::fabs((double)y - r) <= tol) && bad++ < 5)
        ADD_FAILURE() << path.name << " format " << format << " [" << s.t << "x"
                      << s.n << "x" << s.k << "] t=" << t << " n=" << n
                      << ": got " << y << ", want " << r << " (tolerance "
                      << tol << ")";
    }
  EXPECT_EQ(bad, 0);
}

class BlockLinear : public ::testing::TestWithParam<int> {};

TEST_P(BlockLinear, EveryFormatAndShape) {
  const Path &path = kPaths[GetParam()];
  if (!path.available())
    GTEST_SKIP() << "the CPU lacks the " << path.name << " instructions";
  std::mt19937 rng(1234 + GetParam());
  const Shape shapes[] = {
      {1, 37, 512},   // decode: matrix-vector product, a ragged row count
      {2, 9, 256},    // one tile of two tokens
      {7, 70, 512},   // token tiles of 4 and 3, row tiles of 64 and 6
      {1, 400, 1536}, // threaded matrix-vector product
      {5, 130, 768},  // threaded product of several tokens
  };
  for (int format : kFormats)
    for (const Shape &s : shapes)
      check(path, format, s, rng, /*specials=*/s.t == 7);
  // Rows of 32-element blocks that are not whole groups of 8 blocks (the
  // x86 kernels take 8 at a time, the rest one by one): fewer than 8, 8
  // and 2 more (SmolLM2's K = 576), 24 and 1 more; for q4_1_g128 rows that
  // end with a group of 96, 64 and 32.
  const Shape ragged[] = {
      {1, 11, 224}, {3, 21, 576}, {4, 17, 800}, {1, 40, 576}};
  for (int format : {2, 3, 6, 7, 8, 100})
    for (const Shape &s : ragged)
      check(path, format, s, rng, /*specials=*/s.t == 3);
  // qcc's low-bit formats (groups of 64 and 192): SmolLM2's K = 576 and
  // 1536, token tiles of 4 and 3, a threaded product.
  const Shape lowBit[] = {
      {1, 37, 576}, {2, 9, 192}, {7, 70, 576}, {1, 400, 1536}, {5, 130, 768}};
  for (int format : {110, 111, 112})
    for (const Shape &s : lowBit)
      check(path, format, s, rng, /*specials=*/s.t == 7);
}

// Rows interleaved by 8 (N a multiple of 8): decode steps of SmolLM2's
// shapes, token tiles of 4 and 3 with the special values, threaded
// products; the k-quants on rows of 256 to 1536.
TEST_P(BlockLinear, RowsInterleavedBy8) {
  const Path &path = kPaths[GetParam()];
  if (!path.available())
    GTEST_SKIP() << "the CPU lacks the " << path.name << " instructions";
  std::mt19937 rng(99 + GetParam());
  const Shape shapes[] = {{1, 8, 32},    {1, 40, 576},  {1, 576, 576},
                          {7, 64, 512},  {1, 400, 1536}, {5, 136, 768},
                          {2, 192, 576}};
  for (int format : {2, 3, 6, 7, 8})
    for (const Shape &s : shapes)
      check(path, format, s, rng, /*specials=*/s.t == 7, /*x8=*/true);
  const Shape kShapes[] = {{1, 8, 256},   {1, 576, 1536}, {7, 64, 512},
                           {1, 400, 1536}, {5, 136, 768},  {2, 192, 1536}};
  for (int format : {12, 13, 14})
    for (const Shape &s : kShapes)
      check(path, format, s, rng, /*specials=*/s.t == 7, /*x8=*/true);
}

INSTANTIATE_TEST_SUITE_P(Paths, BlockLinear, ::testing::Values(0, 1, 2),
                         [](const ::testing::TestParamInfo<int> &info) {
                           return std::string(kPaths[info.param].name);
                         });

} // namespace
