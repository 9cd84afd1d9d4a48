//===- LowBitEncoders.cpp - qcc's sub-4-bit block formats -----------------===//

#include "qcc/Quant/LowBitEncoders.h"

#include "qcc/Quant/BlockEncoders.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qcc::quant {

namespace {

float roundedHalf(float x) { return halfBitsToFloat(floatToHalfBits(x)); }

void storeHalf(uint8_t *p, float x) {
  uint16_t h = floatToHalfBits(x);
  p[0] = (uint8_t)(h & 0xff);
  p[1] = (uint8_t)(h >> 8);
}

/// Writes one block: d, m, the low-2-bit plane and (3 bits) the third-bit
/// plane of `group` codes.
void storeBlock(uint8_t *p, float d, float m, const uint8_t *codes, int bits,
                int group) {
  storeHalf(p, d);
  storeHalf(p + 2, m);
  uint8_t *low = p + 4, *third = p + 4 + group / 4;
  std::memset(low, 0, (size_t)(lowBitBlockBytes(bits, group) - 4));
  for (int w = 0; w < group; ++w) {
    int c = w / 64, k = (w % 64) / 16, i = w % 16;
    low[16 * c + i] |= (uint8_t)((codes[w] & 3) << (2 * k));
    if (bits == 3)
      third[w / 8] |= (uint8_t)(((codes[w] >> 2) & 1) << (w % 8));
  }
}

/// Codes of x against (d, m), and the least-squares (a, c) for them with
/// their squared error.
struct Fit {
  double a = 0, c = 0, err = INFINITY;
};

Fit refit(const float *x, int n, int nmax, double d, double m, int *codes) {
  double inv = 1.0 / d, sl = 0, sll = 0, sx = 0, slx = 0;
  for (int i = 0; i < n; ++i) {
    int q = (int)std::lround(((double)x[i] - m) * inv);
    codes[i] = std::clamp(q, 0, nmax);
    sl += codes[i];
    sll += (double)codes[i] * codes[i];
    sx += x[i];
    slx += (double)codes[i] * x[i];
  }
  Fit f;
  double det = n * sll - sl * sl;
  if (det > 0) {
    f.a = (n * slx - sl * sx) / det;
    f.c = (sx - f.a * sl) / n;
  } else {
    f.a = d;
    f.c = m;
  }
  if (!(f.a > 0))
    return Fit{};
  f.err = 0;
  for (int i = 0; i < n; ++i) {
    double e = f.a * codes[i] + f.c - x[i];
    f.err += e * e;
  }
  return f;
}

} // namespace

int64_t lowBitBlockBytes(int bits, int group) {
  return 4 + group / 4 + (bits == 3 ? group / 8 : 0);
}

std::vector<uint8_t> encodeLowBit(const float *x, int64_t n, int bits,
                                  int group) {
  const int nmax = (1 << bits) - 1;
  const int64_t blockBytes = lowBitBlockBytes(bits, group);
  std::vector<uint8_t> out(n / group * blockBytes);
  std::vector<int> l(group);
  std::vector<uint8_t> codes(group);
  for (int64_t b = 0; b < n / group; ++b) {
    const float *xb = x + b * group;
    float lo = xb[0], hi = xb[0];
    for (int i = 1; i < group; ++i) {
      lo = std::min(lo, xb[i]);
      hi = std::max(hi, xb[i]);
    }
    float d = 0, m = roundedHalf(lo);
    if (hi > lo) {
      // Ranges [lo + s r, hi - t r] for s, t in {0, .05, .1, .15}: clipping
      // a few outliers of a group buys resolution for the rest, which pays
      // at 2 and 3 bits.
      double r = (double)hi - lo;
      Fit best;
      for (int s = 0; s < 4; ++s)
        for (int t = 0; t < 4; ++t) {
          double bl = lo + 0.05 * s * r, bh = hi - 0.05 * t * r;
          Fit f = refit(xb, group, nmax, (bh - bl) / nmax, bl, l.data());
          if (f.err < best.err)
            best = f;
        }
      for (int it = 0; it < 2 && best.err < INFINITY; ++it) {
        Fit f = refit(xb, group, nmax, best.a, best.c, l.data());
        if (!(f.err < best.err))
          break;
        best = f;
      }
      if (best.err == INFINITY) {
        best.a = r / nmax;
        best.c = lo;
      }
      d = roundedHalf((float)best.a);
      m = roundedHalf((float)best.c);
    }
    for (int i = 0; i < group; ++i) {
      int q = d > 0 ? (int)std::lround(((double)xb[i] - m) / d) : 0;
      codes[i] = (uint8_t)std::clamp(q, 0, nmax);
    }
    storeBlock(out.data() + b * blockBytes, d, m, codes.data(), bits, group);
  }
  return out;
}

std::vector<uint8_t> packLowBit(const QuantizedWeights &q, int group) {
  if ((q.bits != 2 && q.bits != 3) || q.symmetric || q.groupSize != group ||
      group % 64 || q.cols % group)
    return {};
  const int64_t blocks = q.cols / group,
                blockBytes = lowBitBlockBytes(q.bits, group);
  std::vector<uint8_t> out(q.rows * blocks * blockBytes);
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t b = 0; b < blocks; ++b) {
      GroupParams g = q.params(r, b);
      storeBlock(out.data() + (r * blocks + b) * blockBytes, g.scale,
                 g.offset - (float)g.zeroPoint * g.scale,
                 &q.codes[r * q.cols + b * group], q.bits, group);
    }
  return out;
}

} // namespace qcc::quant
