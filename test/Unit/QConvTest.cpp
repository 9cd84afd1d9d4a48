//===- QConvTest.cpp - the implicit-im2col int8 convolution --------------===//
//
// qcc_rt_qconv_s8 against an int64 reference of the convolution (truncated
// to int32): kernel sizes 1x1 to 5x5, strides, dilations, row-padded inputs,
// every signedness, zero points, few filters (the explicit patch matrix
// path) and K beyond one k-block. qcc_rt_qconv_pack, the panel packer, is
// checked on its own for every panel format a kernel variant uses, so the
// formats this CPU's kernel does not take (e.g. AVX-512 VNNI byte units on
// an AVX2 machine) are covered too. The requantizing entry
// (qcc_rt_qconv_s8_rq) and its row epilogue (qcc_rt_requant_row) are checked
// against docs/numerics.md's 64-bit rule: rounding ties, shifts 0 to 62 (on
// both sides of the 32-bit form's n >= 33), int32 wraparound of the bias
// add, saturation at the clamp bounds, tables, and every product path.
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
#include "../../runtime/QGemmSource.h"
}

namespace {

struct Conv {
  int64_t f, c, h, w, kh, kw, sy, sx, dy, dx;
  int64_t rowPad; // extra bytes per input row
  bool xSigned, wSigned;
  int64_t xZp, wZp;
  uint32_t seed;
  int64_t oh() const { return (h - dy * (kh - 1) - 1) / sy + 1; }
  int64_t ow() const { return (w - dx * (kw - 1) - 1) / sx + 1; }
};

std::string describe(const Conv &c) {
  std::ostringstream os;
  os << "F" << c.f << " C" << c.c << " " << c.h << "x" << c.w << " k" << c.kh
     << "x" << c.kw << " s" << c.sy << "," << c.sx << " d" << c.dy << ","
     << c.dx << " rowPad " << c.rowPad << " x" << (c.xSigned ? "s8" : "u8")
     << " w" << (c.wSigned ? "s8" : "u8") << " xZp " << c.xZp << " wZp "
     << c.wZp;
  return os.str();
}

::testing::AssertionResult check(const Conv &c) {
  std::mt19937 rng(c.seed);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs, k = c.c * c.kh * c.kw;
  int64_t oh = c.oh(), ow = c.ow();
  std::vector<uint8_t> x(c.c * cs), wt(c.f * k);
  for (uint8_t &v : x)
    v = static_cast<uint8_t>(rng());
  for (uint8_t &v : wt)
    v = static_cast<uint8_t>(rng());
  std::vector<int32_t> out(c.f * oh * ow, 0x5A5A5A5A), ref(out.size());
  for (int64_t f = 0; f < c.f; ++f)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        uint64_t acc = 0;
        for (int64_t ch = 0; ch < c.c; ++ch)
          for (int64_t ky = 0; ky < c.kh; ++ky)
            for (int64_t kx = 0; kx < c.kw; ++kx) {
              uint8_t xb = x[ch * cs + (y * c.sy + ky * c.dy) * rs +
                             xo * c.sx + kx * c.dx];
              uint8_t wb = wt[f * k + (ch * c.kh + ky) * c.kw + kx];
              int64_t xv = c.xSigned ? static_cast<int8_t>(xb) : xb;
              int64_t wv = c.wSigned ? static_cast<int8_t>(wb) : wb;
              acc += static_cast<uint64_t>(xv - c.xZp) *
                     static_cast<uint64_t>(wv - c.wZp);
            }
        ref[(f * oh + y) * ow + xo] =
            static_cast<int32_t>(static_cast<uint32_t>(acc));
      }
  qcc_rt_qconv_s8(c.f, c.c, c.h, c.w, c.kh, c.kw, oh, ow, c.sy, c.sx, c.dy,
                  c.dx, x.data(), cs, rs, c.xSigned, c.xZp, wt.data(),
                  c.wSigned, c.wZp, out.data());
  for (size_t e = 0; e < out.size(); ++e)
    if (out[e] != ref[e])
      return ::testing::AssertionFailure()
             << describe(c) << ": element " << e << " is " << out[e]
             << ", expected " << ref[e];
  return ::testing::AssertionSuccess();
}

/// docs/numerics.md: clamp(zp + round_shift((acc + bias) * m, n), lo, hi),
/// the bias added in wrapping int32, the rest in int64; then the table.
uint8_t requantRef(int32_t acc, int32_t bias, int32_t m, int32_t n, int32_t zp,
                   int32_t lo, int32_t hi, const uint8_t *table) {
  int64_t a = static_cast<int32_t>(static_cast<uint32_t>(acc) +
                                   static_cast<uint32_t>(bias));
  int64_t v = a * m;
  if (n > 0) {
    v += int64_t(1) << (n - 1);
    v = v >= 0 ? v >> n : ~(~v >> n);
  }
  v += zp;
  v = v < lo ? lo : v > hi ? hi : v;
  uint8_t b = static_cast<uint8_t>(v);
  return table ? table[b] : b;
}

/// The clamp bounds and zero point of an int8 or uint8 result.
struct OutRange {
  int32_t zp, lo, hi;
};
const OutRange kRanges[] = {
    {0, -128, 127}, {-3, -128, 127}, {128, 0, 255}, {17, 17, 255}, {5, 0, 9}};

TEST(QRequant, RowAgainstDefinition) {
  std::mt19937 rng(7);
  std::vector<uint8_t> table(256);
  for (uint8_t &v : table)
    v = static_cast<uint8_t>(rng());
  const int32_t shifts[] = {0, 1, 2, 16, 31, 32, 33, 34, 40, 47, 61, 62};
  for (int32_t n : shifts)
    for (const OutRange &r : kRanges)
      for (int t = 0; t < 2; ++t) {
        // 37 values: 4 vectors and a scalar tail.
        std::vector<int32_t> acc(37);
        int32_t m = static_cast<int32_t>(rng() % (uint32_t(1) << 31));
        int32_t bias = static_cast<int32_t>(rng());
        for (size_t i = 0; i < acc.size(); ++i)
          switch (i % 4) {
          case 0: // anything, the bias add wrapping
            acc[i] = static_cast<int32_t>(rng());
            break;
          case 1: // near the result's range
            acc[i] = static_cast<int32_t>(rng() % 4096 - 2048u -
                                          static_cast<uint32_t>(bias));
            break;
          case 2: // int32 extremes: saturation after the wrap
            acc[i] = static_cast<int32_t>(
                static_cast<uint32_t>(i & 4 ? INT32_MAX : INT32_MIN) -
                static_cast<uint32_t>(bias));
            break;
          default: // extremes that wrap on the bias add
            acc[i] = i & 4 ? INT32_MAX : INT32_MIN;
          }
        int32_t mults[] = {m, 0, 1, INT32_MAX, 1 << 30};
        for (int32_t mm : mults) {
          int32_t sh[1] = {n}, mu[1] = {mm}, bi[1] = {bias};
          QRequant rq = {t ? bi : nullptr, mu, sh, r.zp, r.lo, r.hi,
                         t ? table.data() : nullptr};
          std::vector<uint8_t> out(acc.size(), 0xA5);
          qcc_rt_requant_row(acc.data(), acc.size(), &rq, 0, out.data());
          for (size_t i = 0; i < acc.size(); ++i)
            ASSERT_EQ(out[i], requantRef(acc[i], t ? bias : 0, mm, n, r.zp,
                                         r.lo, r.hi,
                                         t ? table.data() : nullptr))
                << "acc " << acc[i] << " bias " << (t ? bias : 0) << " m "
                << mm << " n " << n << " zp " << r.zp;
        }
      }
}

TEST(QRequant, RoundingTies) {
  // m = 2^30: round_shift(a * 2^30, n) = round(a / 2^(n-30)), ties toward
  // +infinity, for every residue of a around 0 (negative ties round up,
  // toward zero: -2.5 -> -2).
  for (int32_t n : {31, 32, 33, 34, 36, 40}) {
    std::vector<int32_t> acc;
    for (int32_t a = -600; a <= 600; ++a)
      acc.push_back(a);
    int32_t m[1] = {1 << 30}, sh[1] = {n};
    QRequant rq = {nullptr, m, sh, 0, -128, 127, nullptr};
    std::vector<uint8_t> out(acc.size());
    qcc_rt_requant_row(acc.data(), acc.size(), &rq, 0, out.data());
    int64_t d = int64_t(1) << (n - 30);
    for (size_t i = 0; i < acc.size(); ++i) {
      int64_t a = acc[i];
      // floor((2a + d) / 2d): the half-up rounding of a / d
      int64_t num = 2 * a + d, den = 2 * d;
      int64_t q = num >= 0 ? num / den : -((-num + den - 1) / den);
      q = q < -128 ? -128 : q > 127 ? 127 : q;
      ASSERT_EQ(static_cast<int8_t>(out[i]), q) << "a " << a << " n " << n;
    }
  }
}

/// qcc_rt_qconv_s8_rq against the int32 convolution of qcc_rt_qconv_s8 (itself
/// checked against the definition above) requantized by requantRef.
::testing::AssertionResult checkRequantized(const Conv &c, const OutRange &r,
                                            bool withTable) {
  std::mt19937 rng(c.seed);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs, k = c.c * c.kh * c.kw;
  int64_t oh = c.oh(), ow = c.ow(), n = oh * ow;
  std::vector<uint8_t> x(c.c * cs), wt(c.f * k), table(256);
  for (uint8_t &v : x)
    v = static_cast<uint8_t>(rng());
  for (uint8_t &v : wt)
    v = static_cast<uint8_t>(rng());
  for (uint8_t &v : table)
    v = static_cast<uint8_t>(rng());
  std::vector<int32_t> bias(c.f), mult(c.f), shift(c.f), acc(c.f * n);
  for (int64_t f = 0; f < c.f; ++f) {
    bias[f] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[f] = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30));
    // mostly the 32-bit form's shifts, some below it
    shift[f] = f % 5 == 4 ? 20 + f % 13 : 33 + f % 10;
  }
  qcc_rt_qconv_s8(c.f, c.c, c.h, c.w, c.kh, c.kw, oh, ow, c.sy, c.sx, c.dy,
                  c.dx, x.data(), cs, rs, c.xSigned, c.xZp, wt.data(),
                  c.wSigned, c.wZp, acc.data());
  std::vector<uint8_t> out(c.f * n, 0x5A);
  qcc_rt_qconv_s8_rq(c.f, c.c, c.h, c.w, c.kh, c.kw, oh, ow, c.sy, c.sx, c.dy,
                     c.dx, x.data(), cs, rs, c.xSigned, c.xZp, wt.data(),
                     c.wSigned, c.wZp, bias.data(), mult.data(), shift.data(),
                     r.zp, r.lo, r.hi, withTable ? table.data() : nullptr,
                     out.data());
  for (int64_t f = 0; f < c.f; ++f)
    for (int64_t p = 0; p < n; ++p) {
      uint8_t want = requantRef(acc[f * n + p], bias[f], mult[f], shift[f],
                                r.zp, r.lo, r.hi,
                                withTable ? table.data() : nullptr);
      if (out[f * n + p] != want)
        return ::testing::AssertionFailure()
               << describe(c) << ": filter " << f << " pixel " << p << " is "
               << int(out[f * n + p]) << ", expected " << int(want);
    }
  return ::testing::AssertionSuccess();
}

TEST(QConv, Requantized) {
  uint32_t seed = 900;
  // f, c, h, w, kh, kw, sy, sx, dy, dx, rowPad
  const int64_t shapes[][11] = {
      {16, 8, 10, 12, 1, 1, 1, 1, 1, 1, 0},  // 1x1, panels in place
      {17, 5, 11, 7, 3, 3, 2, 2, 1, 1, 1},   // stride 2, odd sizes
      {3, 8, 10, 10, 3, 3, 1, 1, 1, 1, 0},   // few filters: int32 first
      {40, 130, 7, 7, 3, 3, 1, 1, 1, 1, 0},  // K = 1170: partial sums
      {64, 96, 12, 12, 1, 1, 1, 1, 1, 1, 0}, // threaded size
      {24, 600, 20, 21, 1, 1, 1, 1, 1, 1, 0}, // several column blocks, K > kc
  };
  int i = 0;
  for (const auto &s : shapes)
    for (int sign = 0; sign < 4; ++sign, ++i) {
      Conv c{s[0], s[1], s[2],  s[3],   s[4],  s[5],  s[6], s[7],
             s[8], s[9], s[10], !!(sign & 1), !!(sign & 2), 0, 0, seed++};
      c.xZp = c.xSigned ? -3 : 131;
      c.wZp = sign == 3 ? 5 : 0;
      EXPECT_TRUE(checkRequantized(c, kRanges[i % 5], i % 2 == 0));
    }
}

TEST(QConv, KernelShapes) {
  uint32_t seed = 1;
  // f, c, h, w, kh, kw, sy, sx, dy, dx, rowPad
  const int64_t shapes[][11] = {
      {16, 8, 10, 12, 1, 1, 1, 1, 1, 1, 0},  // 1x1: panels read in place
      {24, 16, 9, 40, 1, 1, 1, 1, 1, 1, 3},  // 1x1 on padded rows
      {32, 6, 12, 12, 3, 3, 1, 1, 1, 1, 0},  // 3x3 (padding done by caller)
      {17, 5, 11, 7, 3, 3, 2, 2, 1, 1, 1},   // stride 2, odd sizes
      {9, 3, 13, 14, 5, 5, 1, 1, 1, 1, 0},   // 5x5
      {12, 4, 15, 16, 3, 3, 1, 1, 2, 2, 0},  // dilation 2
      {8, 7, 6, 70, 3, 1, 1, 1, 1, 1, 2},    // long rows, tall kernel
      {20, 3, 9, 9, 2, 3, 1, 2, 1, 1, 0},    // mixed strides
      {3, 8, 10, 10, 3, 3, 1, 1, 1, 1, 0},   // few filters: patch matrix
      {40, 130, 7, 7, 3, 3, 1, 1, 1, 1, 0},  // K = 1170: two k-blocks
      {64, 96, 12, 12, 1, 1, 1, 1, 1, 1, 0}, // threaded size
  };
  for (const auto &s : shapes)
    for (int sign = 0; sign < 4; ++sign) {
      Conv c{s[0], s[1], s[2],  s[3],   s[4],  s[5],  s[6], s[7],
             s[8], s[9], s[10], !!(sign & 1), !!(sign & 2), 0, 0, seed++};
      c.xZp = c.xSigned ? -3 : 131;
      c.wZp = sign == 3 ? 5 : 0;
      EXPECT_TRUE(check(c));
    }
}

TEST(QConv, ExtremeZeroPoints) {
  uint32_t seed = 100;
  for (int64_t xZp : {-128, 0, 255, 300})
    for (int64_t wZp : {-128, 0, 127}) {
      Conv c{20, 5, 9, 11, 3, 3, 1, 1, 1, 1, 0, false, true, xZp, wZp, seed++};
      EXPECT_TRUE(check(c));
    }
}

/// The packer for one panel format against the explicit patch matrix.
::testing::AssertionResult checkPack(const Conv &c, QGemmPanelFormat f) {
  std::mt19937 rng(c.seed);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs, k = c.c * c.kh * c.kw;
  int64_t oh = c.oh(), ow = c.ow(), n = oh * ow;
  std::vector<uint8_t> x(c.c * cs);
  for (uint8_t &v : x)
    v = static_cast<uint8_t>(rng());
  QConvSource src{c.c,  c.h,      c.w,   c.kh, c.kw, oh, ow,
                  c.sy, c.sx,     c.dy,  c.dx, x.data(), cs, rs,
                  x.data() + x.size()};
  auto patch = [&](int64_t j, int64_t kk) {
    int64_t y = j / ow, xo = j % ow, ch = kk / (c.kh * c.kw);
    int64_t ky = kk / c.kw % c.kh, kx = kk % c.kw;
    return x[ch * cs + (y * c.sy + ky * c.dy) * rs + xo * c.sx + kx * c.dx];
  };
  int unit = f.ku * (f.wide ? 2 : 1);
  for (int64_t k0 = 0; k0 < k; k0 += 64) // k-blocks of 64 steps
    for (int64_t j = 0; j < n; j += f.nr) {
      int64_t kc = std::min<int64_t>(64, k - k0);
      int64_t w = std::min<int64_t>(f.nr, n - j);
      int64_t groups = (kc + f.ku - 1) / f.ku;
      std::vector<uint8_t> dst(groups * f.nr * unit, 0xEE);
      qcc_rt_qconv_pack(&src, &f, j, w, k0, kc, dst.data());
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t col = 0; col < w; ++col)
          for (int u = 0; u < f.ku; ++u) {
            int64_t kk = g * f.ku + u, e = (g * f.nr + col) * f.ku + u;
            int32_t want, got;
            if (f.wide) {
              int32_t v = 0;
              if (kk < kc) {
                uint8_t b = patch(j + col, k0 + kk);
                v = (f.srcSigned ? static_cast<int8_t>(b) : b) - f.sub;
              }
              want = static_cast<int16_t>(v);
              int16_t h;
              memcpy(&h, dst.data() + 2 * e, 2);
              got = h;
            } else {
              want = kk < kc ? patch(j + col, k0 + kk) ^ f.mask : 0;
              got = dst[e];
            }
            if (want != got)
              return ::testing::AssertionFailure()
                     << describe(c) << " nr " << f.nr << " ku " << f.ku
                     << " wide " << f.wide << ": pixel " << j + col << " k "
                     << k0 + kk << " is " << got << ", expected " << want;
          }
    }
  return ::testing::AssertionSuccess();
}

TEST(QConv, PanelFormats) {
  // nr, ku, wide, srcSigned, mask, sub: AVX-512 VNNI, AVX-VNNI, AVX-512BW,
  // AVX2, SSE2, generic, sdot, smmla.
  const QGemmPanelFormat formats[] = {
      {32, 4, 0, 0, 0x00, 0}, {32, 4, 0, 0, 0x80, 0}, {16, 4, 0, 1, 0x80, 0},
      {32, 2, 1, 0, 0, 128},  {16, 2, 1, 1, 0, -7},   {8, 2, 1, 0, 0, 0},
      {16, 1, 1, 0, 0, 3},    {12, 4, 0, 1, 0x80, 0}, {8, 8, 0, 0, 0x80, 0}};
  const int64_t shapes[][11] = {
      {1, 8, 10, 12, 1, 1, 1, 1, 1, 1, 0},  {1, 5, 9, 40, 1, 1, 1, 1, 1, 1, 3},
      {1, 9, 12, 12, 3, 3, 1, 1, 1, 1, 0},  {1, 5, 11, 7, 3, 3, 2, 2, 1, 1, 1},
      {1, 3, 15, 16, 3, 3, 1, 1, 2, 2, 0},  {1, 7, 6, 70, 3, 1, 1, 1, 1, 1, 2},
      {1, 3, 40, 40, 3, 3, 1, 1, 1, 1, 0}};
  uint32_t seed = 500;
  for (const auto &s : shapes)
    for (const QGemmPanelFormat &f : formats) {
      Conv c{s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
             s[10], false, false, 0, 0, seed++};
      EXPECT_TRUE(checkPack(c, f));
    }
}

} // namespace
