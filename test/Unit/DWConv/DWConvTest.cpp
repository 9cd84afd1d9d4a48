//===- DWConvTest.cpp - the int8 depthwise convolution ---------------------===//
//
// qcc_rt_qdwconv_s8 against an int64 reference of the depthwise convolution
// (truncated to int32), and qcc_rt_qdwconv_s8_rq against that reference
// requantized by docs/numerics.md's 64-bit rule. Shapes cover each path of
// runtime/QDWConv.c: 3x3 and 5x5 windows at stride 1 and 2 (the AVX2 pair
// paths), row widths that are not a multiple of 16 and rows narrower than
// 16, padded input rows, the last rows of the last channel (the copied
// window), dilation and stride 3 (the portable loop), windows as wide as the
// input (the row reduction, and one taller than its row table), channel
// counts past the threading threshold, every signedness, zero points, and
// inputs at the extremes of the 8-bit ranges. The same test is built for
// this machine and for baseline x86-64, whose build runs the portable loop.
//
//===----------------------------------------------------------------------===//

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" {
#include "QGemm.h"
}

namespace {

struct DW {
  int64_t c, h, w, kh, kw, sy, sx, dy, dx;
  int64_t rowPad; // extra bytes per input row
  bool xSigned, wSigned;
  int64_t xZp, wZp;
  uint32_t seed;
  bool extreme = false; // inputs and weights at their ranges' ends only
  int64_t oh() const { return (h - dy * (kh - 1) - 1) / sy + 1; }
  int64_t ow() const { return (w - dx * (kw - 1) - 1) / sx + 1; }
};

std::string describe(const DW &c) {
  std::ostringstream os;
  os << "C" << c.c << " " << c.h << "x" << c.w << " k" << c.kh << "x" << c.kw
     << " s" << c.sy << "," << c.sx << " d" << c.dy << "," << c.dx
     << " rowPad " << c.rowPad << " x" << (c.xSigned ? "s8" : "u8") << " w"
     << (c.wSigned ? "s8" : "u8") << " xZp " << c.xZp << " wZp " << c.wZp
     << (c.extreme ? " extreme" : "");
  return os.str();
}

struct Data {
  std::vector<uint8_t> x, wt;
  std::vector<int32_t> ref; // [C][OH][OW]
};

Data makeData(const DW &c) {
  std::mt19937 rng(c.seed);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs, taps = c.kh * c.kw;
  int64_t oh = c.oh(), ow = c.ow();
  Data d;
  d.x.resize(c.c * cs);
  d.wt.resize(c.c * taps);
  // Extremes: 0 / 255 as unsigned, -128 / 127 as signed.
  auto pick = [&](bool isSigned) -> uint8_t {
    if (!c.extreme)
      return static_cast<uint8_t>(rng());
    bool high = rng() & 1;
    return isSigned ? (high ? 0x7F : 0x80) : (high ? 0xFF : 0x00);
  };
  for (uint8_t &v : d.x)
    v = pick(c.xSigned);
  for (uint8_t &v : d.wt)
    v = pick(c.wSigned);
  d.ref.resize(c.c * oh * ow);
  for (int64_t ch = 0; ch < c.c; ++ch)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        uint64_t acc = 0;
        for (int64_t ky = 0; ky < c.kh; ++ky)
          for (int64_t kx = 0; kx < c.kw; ++kx) {
            uint8_t xb = d.x[ch * cs + (y * c.sy + ky * c.dy) * rs +
                             xo * c.sx + kx * c.dx];
            uint8_t wb = d.wt[ch * taps + ky * c.kw + kx];
            int64_t xv = c.xSigned ? static_cast<int8_t>(xb) : xb;
            int64_t wv = c.wSigned ? static_cast<int8_t>(wb) : wb;
            acc += static_cast<uint64_t>(xv - c.xZp) *
                   static_cast<uint64_t>(wv - c.wZp);
          }
        d.ref[(ch * oh + y) * ow + xo] =
            static_cast<int32_t>(static_cast<uint32_t>(acc));
      }
  return d;
}

::testing::AssertionResult check(const DW &c) {
  Data d = makeData(c);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs;
  int64_t oh = c.oh(), ow = c.ow();
  std::vector<int32_t> out(d.ref.size(), 0x5A5A5A5A);
  qcc_rt_qdwconv_s8(c.c, c.c, c.h, c.w, c.kh, c.kw, oh, ow, c.sy, c.sx, c.dy,
                    c.dx, d.x.data(), cs, rs, c.xSigned, c.xZp, d.wt.data(),
                    c.wSigned, c.wZp, out.data());
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i] != d.ref[i])
      return ::testing::AssertionFailure()
             << describe(c) << ": channel " << i / (oh * ow) << " pixel "
             << i % (oh * ow) << " is " << out[i] << ", expected "
             << d.ref[i];
  return ::testing::AssertionSuccess();
}

// f, h, w, kh, kw, sy, sx, dy, dx, rowPad
const int64_t kShapes[][10] = {
    {16, 18, 18, 3, 3, 1, 1, 1, 1, 0},  // 3x3 s1: one 16-pixel block a row
    {5, 9, 35, 3, 3, 1, 1, 1, 1, 2},    // 33 wide: blocks and a 1-pixel tail
    {7, 12, 12, 3, 3, 1, 1, 1, 1, 0},   // 10 wide: each row a partial block
    {6, 21, 21, 3, 3, 2, 2, 1, 1, 0},   // 3x3 s2, 10 wide
    {3, 41, 41, 3, 3, 2, 2, 1, 1, 3},   // s2, 20 wide, padded rows
    {9, 24, 24, 5, 5, 1, 1, 1, 1, 0},   // 5x5 s1
    {4, 23, 23, 5, 5, 2, 2, 1, 1, 0},   // 5x5 s2
    {3, 8, 40, 3, 4, 1, 2, 1, 1, 0},    // even window width at s2
    {4, 14, 14, 3, 3, 1, 1, 2, 2, 0},   // dilation 2 (pairs at s1)
    {4, 20, 30, 3, 3, 2, 3, 1, 1, 1},   // stride 3: portable
    {3, 13, 13, 3, 3, 2, 2, 1, 2, 0},   // s2 with dilation: portable
    {5, 6, 7, 6, 7, 1, 1, 1, 1, 0},     // window = input, narrow: portable
    {24, 20, 20, 20, 20, 1, 1, 1, 1, 0}, // global pooling: row reduction
    {3, 19, 37, 19, 35, 1, 1, 1, 1, 1}, // taller than the row table, 3 wide
    {64, 40, 40, 3, 3, 1, 1, 1, 1, 0},  // past the threading threshold
    {1, 3, 3, 1, 1, 1, 1, 1, 1, 0},     // 1x1, 9 pixels
};

TEST(QDWConv, Shapes) {
  uint32_t seed = 11;
  for (const auto &s : kShapes)
    for (int sign = 0; sign < 4; ++sign) {
      DW c{s[0], s[1], s[2], s[3],  s[4], s[5], s[6], s[7], s[8], s[9],
           !!(sign & 1), !!(sign & 2), 0, 0, seed++};
      c.xZp = c.xSigned ? -3 : 131;
      c.wZp = sign == 3 ? 5 : 0;
      EXPECT_TRUE(check(c));
    }
}

TEST(QDWConv, ExtremeValues) {
  // Every product at |255 * 255| (where a saturating 16-bit pair sum would
  // be wrong) and zero points at the ends of their ranges.
  uint32_t seed = 300;
  for (int64_t xZp : {-128, 0, 255})
    for (int64_t wZp : {-128, 0, 127, 255})
      for (int sign = 0; sign < 4; ++sign) {
        bool xs = sign & 1, ws = sign & 2;
        DW c{8, 12, 37, 5, 5, 1 + sign % 2, 1 + sign % 2, 1, 1, 0,
             xs, ws, xZp, wZp, seed++, true};
        EXPECT_TRUE(check(c));
      }
  // Zero points no 8-bit type has (the summing by the definition).
  DW c{4, 9, 11, 3, 3, 1, 1, 1, 1, 0, false, true, 300, -400, 5, false};
  EXPECT_TRUE(check(c));
}

int32_t requantRef(int32_t acc, int32_t bias, int32_t m, int32_t n,
                   int32_t zp, int32_t lo, int32_t hi, const uint8_t *table) {
  int32_t a = static_cast<int32_t>(static_cast<uint32_t>(acc) +
                                   static_cast<uint32_t>(bias));
  int64_t v = static_cast<int64_t>(a) * m;
  if (n > 0)
    v = (v + (int64_t(1) << (n - 1))) >> n; // arithmetic shift
  v += zp;
  v = v < lo ? lo : v > hi ? hi : v;
  uint8_t b = static_cast<uint8_t>(v);
  return table ? table[b] : b;
}

struct OutRange {
  int32_t zp, lo, hi;
};
const OutRange kRanges[] = {
    {0, -128, 127}, {-3, -128, 127}, {128, 0, 255}, {17, 17, 255}, {5, 0, 9}};

::testing::AssertionResult checkRequantized(const DW &c, const OutRange &r,
                                            bool withBias, bool withTable) {
  Data d = makeData(c);
  std::mt19937 rng(c.seed + 1);
  int64_t rs = c.w + c.rowPad, cs = c.h * rs;
  int64_t oh = c.oh(), ow = c.ow(), n = oh * ow;
  std::vector<uint8_t> table(256);
  for (uint8_t &v : table)
    v = static_cast<uint8_t>(rng());
  std::vector<int32_t> bias(c.c), mult(c.c), shift(c.c);
  for (int64_t f = 0; f < c.c; ++f) {
    bias[f] = static_cast<int32_t>(rng() % 20001) - 10000;
    mult[f] = (1 << 30) + static_cast<int32_t>(rng() % (1u << 30));
    // mostly the 32-bit form's shifts, some below it; small shifts saturate
    shift[f] = f % 5 == 4 ? 12 + f % 13 : 33 + f % 10;
  }
  std::vector<uint8_t> out(c.c * n, 0x5A);
  qcc_rt_qdwconv_s8_rq(c.c, c.c, c.h, c.w, c.kh, c.kw, oh, ow, c.sy, c.sx,
                       c.dy, c.dx, d.x.data(), cs, rs, c.xSigned, c.xZp,
                       d.wt.data(), c.wSigned, c.wZp,
                       withBias ? bias.data() : nullptr, mult.data(),
                       shift.data(), r.zp, r.lo, r.hi,
                       withTable ? table.data() : nullptr, out.data());
  for (int64_t f = 0; f < c.c; ++f)
    for (int64_t p = 0; p < n; ++p) {
      int32_t want = requantRef(d.ref[f * n + p], withBias ? bias[f] : 0,
                                mult[f], shift[f], r.zp, r.lo, r.hi,
                                withTable ? table.data() : nullptr);
      if (out[f * n + p] != static_cast<uint8_t>(want))
        return ::testing::AssertionFailure()
               << describe(c) << ": channel " << f << " pixel " << p
               << " is " << int(out[f * n + p]) << ", expected " << want;
    }
  return ::testing::AssertionSuccess();
}

TEST(QDWConv, Requantized) {
  uint32_t seed = 500;
  int i = 0;
  for (const auto &s : kShapes)
    for (int sign = 0; sign < 4; ++sign, ++i) {
      DW c{s[0], s[1], s[2], s[3],  s[4], s[5], s[6], s[7], s[8], s[9],
           !!(sign & 1), !!(sign & 2), 0, 0, seed++};
      c.xZp = c.xSigned ? -3 : 131;
      c.wZp = sign == 3 ? 5 : 0;
      EXPECT_TRUE(checkRequantized(c, kRanges[i % 5], i % 3 != 0, i % 2 == 0));
    }
}

TEST(QDWConv, RequantizedLongRows) {
  // Rows longer than the requantized chunk (2048 sums) come in pieces; rows
  // that do not divide it leave partial chunks.
  uint32_t seed = 700;
  DW wide{2, 3, 2100, 3, 3, 1, 1, 1, 1, 0, false, true, 7, 0, seed++};
  EXPECT_TRUE(checkRequantized(wide, kRanges[2], true, true));
  DW odd{3, 60, 61, 3, 3, 1, 1, 1, 1, 0, true, true, -5, 0, seed++};
  EXPECT_TRUE(checkRequantized(odd, kRanges[0], true, false));
}

} // namespace
