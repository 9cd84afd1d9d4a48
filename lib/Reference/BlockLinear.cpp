//===- BlockLinear.cpp - reference of the block-quantized linear layer ----===//
//
// Every weight block is decoded to integer codes c_e, integer sub-scales
// sc_e, offsets o_e and integer mins mn_e with two float factors d and dm,
// so that its weights are d * sc_e * (c_e - o_e) + dm * mn_e; the block's
// term against activation codes q_e of scale dx is then
//   d * dx * sum sc_e (c_e - o_e) q_e  +  dm * dx * sum mn_e q_e
// with both sums exact integers.
//
//===----------------------------------------------------------------------===//

#include "qcc/Reference/BlockLinear.h"

#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>

namespace qcc::reference {

namespace {

float loadHalf(const uint8_t *p) {
  uint16_t h = static_cast<uint16_t>(p[0] | (p[1] << 8));
  uint32_t sign = static_cast<uint32_t>(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 31, man = h & 1023, bits;
  if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (!man) {
    bits = sign;
  } else {
    // Subnormal: man * 2^-24 exactly.
    float f = std::ldexp(static_cast<float>(man), -24);
    return sign ? -f : f;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// One weight block in integer form (see the file comment).
struct Decoded {
  int c[256], sc[256], o[256], mn[256];
  double d = 0, dm = 0;
};

void kScaleMin(const uint8_t *p, int j, int &scale, int &min) {
  if (j < 4) {
    scale = p[j] & 63;
    min = p[j + 4] & 63;
  } else {
    scale = (p[j + 4] & 0xf) | ((p[j - 4] >> 6) << 4);
    min = (p[j + 4] >> 4) | ((p[j] >> 6) << 4);
  }
}

/// Legacy 32-element blocks: nibbles of qs (low nibbles are elements 0-15,
/// high ones 16-31) plus an optional fifth bit from the 32-bit qh.
void legacyCodes(const uint8_t *qs, const uint8_t *qh, Decoded &b) {
  uint32_t high = 0;
  if (qh)
    high = qh[0] | (qh[1] << 8) | (qh[2] << 16) | ((uint32_t)qh[3] << 24);
  for (int e = 0; e < 32; ++e) {
    b.c[e] = (qs[e % 16] >> (4 * (e / 16))) & 15;
    if (qh)
      b.c[e] |= ((high >> e) & 1) << 4;
    b.sc[e] = 1;
    b.mn[e] = 0;
  }
}

/// qcc's low-bit blocks of `group` (BlockFormats.h, dequantizeLowBit):
/// w = d * code + m, so sc = 1, o = 0, mn = 1 and dm = m.
void lowBitCodes(const uint8_t *p, int bits, int group, Decoded &b) {
  b.d = loadHalf(p);
  b.dm = loadHalf(p + 2);
  const uint8_t *low = p + 4, *third = p + 4 + group / 4;
  for (int e = 0; e < group; ++e) {
    int c = e / 64, k = (e % 64) / 16, i = e % 16;
    b.c[e] = (low[16 * c + i] >> (2 * k)) & 3;
    if (bits == 3)
      b.c[e] |= ((third[e / 8] >> (e % 8)) & 1) << 2;
    b.sc[e] = 1;
    b.o[e] = 0;
    b.mn[e] = 1;
  }
}

void decode(int format, const uint8_t *p, Decoded &b) {
  auto fillOffset = [&](int n, int o) {
    for (int e = 0; e < n; ++e)
      b.o[e] = o;
  };
  switch (static_cast<BlockFormat>(format)) {
  case BlockFormat::Q8_0:
    b.d = loadHalf(p);
    for (int e = 0; e < 32; ++e) {
      b.c[e] = static_cast<int8_t>(p[2 + e]);
      b.sc[e] = 1;
      b.mn[e] = 0;
    }
    fillOffset(32, 0);
    return;
  case BlockFormat::Q4_0:
    b.d = loadHalf(p);
    legacyCodes(p + 2, nullptr, b);
    fillOffset(32, 8);
    return;
  case BlockFormat::Q5_0:
    b.d = loadHalf(p);
    legacyCodes(p + 6, p + 2, b);
    fillOffset(32, 16);
    return;
  case BlockFormat::Q4_1:
  case BlockFormat::Q5_1: {
    bool five = format == static_cast<int>(BlockFormat::Q5_1);
    b.d = loadHalf(p);
    b.dm = loadHalf(p + 2);
    legacyCodes(p + (five ? 8 : 4), five ? p + 4 : nullptr, b);
    fillOffset(32, 0);
    for (int e = 0; e < 32; ++e)
      b.mn[e] = 1;
    return;
  }
  case BlockFormat::Q4_K:
  case BlockFormat::Q5_K: {
    bool five = format == static_cast<int>(BlockFormat::Q5_K);
    b.d = loadHalf(p);
    b.dm = -static_cast<double>(loadHalf(p + 2));
    const uint8_t *qh = p + 16, *qs = p + (five ? 48 : 16);
    for (int j = 0; j < 8; ++j) {
      int scale, min;
      kScaleMin(p + 4, j, scale, min);
      for (int i = 0; i < 32; ++i) {
        int e = 32 * j + i;
        b.c[e] = (qs[32 * (j / 2) + i] >> (4 * (j % 2))) & 15;
        if (five)
          b.c[e] |= ((qh[i] >> j) & 1) << 4;
        b.sc[e] = scale;
        b.mn[e] = min;
      }
    }
    fillOffset(256, 0);
    return;
  }
  case BlockFormat::Q6_K: {
    const uint8_t *ql = p, *qh = p + 128;
    const int8_t *sc = reinterpret_cast<const int8_t *>(p + 192);
    b.d = loadHalf(p + 208);
    for (int e = 0; e < 256; ++e) {
      int half = e / 128, r = e % 128;
      int low = (ql[64 * half + r % 64] >> (4 * (r / 64))) & 15;
      int high = (qh[32 * half + r % 32] >> (2 * (r / 32))) & 3;
      b.c[e] = low | (high << 4);
      b.sc[e] = sc[e / 16];
      b.mn[e] = 0;
    }
    fillOffset(256, 32);
    return;
  }
  case BlockFormat::Q2_K:
  case BlockFormat::Q3_K: {
    // Weight 128h + 32k + i: low 2 bits from bits [2k, 2k+2) of code byte
    // 32h + i; Q3_K's third bit is bit 4h + k of mask byte i.
    bool three = format == static_cast<int>(BlockFormat::Q3_K);
    const uint8_t *qs = p + (three ? 32 : 16);
    if (three) {
      b.d = loadHalf(p + 108);
    } else {
      b.d = loadHalf(p + 80);
      b.dm = -static_cast<double>(loadHalf(p + 82));
    }
    for (int e = 0; e < 256; ++e) {
      int h = e / 128, k = (e % 128) / 32, i = e % 32, j = e / 16;
      b.c[e] = (qs[32 * h + i] >> (2 * k)) & 3;
      if (three) {
        b.c[e] |= ((p[i] >> (4 * h + k)) & 1) << 2;
        const uint8_t *s = p + 96;
        int low = j < 8 ? s[j] & 15 : s[j - 8] >> 4;
        int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
        b.sc[e] = (low | high << 4) - 32;
        b.mn[e] = 0;
      } else {
        b.sc[e] = p[j] & 15;
        b.mn[e] = p[j] >> 4;
      }
    }
    fillOffset(256, three ? 4 : 0);
    return;
  }
  case BlockFormat::Q2_G64:
    lowBitCodes(p, 2, 64, b);
    return;
  case BlockFormat::Q3_G64:
    lowBitCodes(p, 3, 64, b);
    return;
  case BlockFormat::Q3_G192:
    lowBitCodes(p, 3, 192, b);
    return;
  case BlockFormat::Q4_1_G128: // blockLinear decodes its sub-blocks as Q4_1
    return;
  }
}

} // namespace

BlockShape getBlockShape(int format) {
  switch (static_cast<BlockFormat>(format)) {
  case BlockFormat::Q4_0:
    return {32, 18};
  case BlockFormat::Q4_1:
    return {32, 20};
  case BlockFormat::Q5_0:
    return {32, 22};
  case BlockFormat::Q5_1:
    return {32, 24};
  case BlockFormat::Q8_0:
    return {32, 34};
  case BlockFormat::Q4_K:
    return {256, 144};
  case BlockFormat::Q5_K:
    return {256, 176};
  case BlockFormat::Q6_K:
    return {256, 210};
  case BlockFormat::Q2_K:
    return {256, 84};
  case BlockFormat::Q3_K:
    return {256, 110};
  case BlockFormat::Q2_G64:
    return {64, 20};
  case BlockFormat::Q3_G64:
    return {64, 28};
  case BlockFormat::Q3_G192:
    return {192, 76};
  case BlockFormat::Q4_1_G128:
    return {32, 16};
  }
  return {};
}

int64_t rowBytes(int format, int64_t k) {
  if (format == static_cast<int>(BlockFormat::Q4_1_G128))
    return 4 * ((k + 127) / 128) + k / 2;
  BlockShape shape = getBlockShape(format);
  return k / shape.blockSize * shape.blockBytes;
}

void quantizeActivations(const float *x, int64_t k, int g, int8_t *q,
                         float *d) {
  for (int64_t b = 0; b < k / g; ++b) {
    const float *xb = x + b * g;
    float amax = 0;
    bool bad = false;
    for (int i = 0; i < g; ++i) {
      float a = std::fabs(xb[i]);
      bad |= !(a <= FLT_MAX);
      amax = a > amax ? a : amax;
    }
    int8_t *qb = q + b * g;
    if (bad) {
      d[b] = std::numeric_limits<float>::quiet_NaN();
      std::memset(qb, 0, g);
      continue;
    }
    float id = amax > 0 ? 127.0f / amax : 0.0f;
    d[b] = amax / 127.0f;
    for (int i = 0; i < g; ++i) {
      float v = std::rint(xb[i] * id);
      v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
      qb[i] = static_cast<int8_t>(v);
    }
  }
}

void blockLinear(int format, int64_t tokens, int64_t rows, int64_t k,
                 const float *x, const uint8_t *w, float *y,
                 std::vector<double> *absSum) {
  BlockShape shape = getBlockShape(format);
  int g = shape.blockSize;
  int64_t nb = k / g, rowLen = rowBytes(format, k);
  const bool g128 = format == static_cast<int>(BlockFormat::Q4_1_G128);
  uint8_t q41[20];
  std::vector<int8_t> q(tokens * k);
  std::vector<float> d(tokens * nb);
  for (int64_t t = 0; t < tokens; ++t)
    quantizeActivations(x + t * k, k, g, q.data() + t * k, d.data() + t * nb);
  if (absSum)
    absSum->assign(tokens * rows, 0.0);
  Decoded blk;
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t t = 0; t < tokens; ++t) {
      double acc = 0, abs = 0;
      for (int64_t b = 0; b < nb; ++b) {
        const uint8_t *row = w + n * rowLen;
        if (g128) {
          // Sub-block b is a Q4_1 block with its group's d and m.
          const uint8_t *group = row + 68 * (b / 4);
          std::memcpy(q41, group, 4);
          std::memcpy(q41 + 4, group + 4 + 16 * (b % 4), 16);
          decode(static_cast<int>(BlockFormat::Q4_1), q41, blk);
        } else {
          decode(format, row + b * shape.blockBytes, blk);
        }
        const int8_t *qx = q.data() + t * k + b * g;
        int64_t isum = 0, msum = 0, iabs = 0, mabs = 0;
        for (int e = 0; e < g; ++e) {
          isum += (int64_t)blk.sc[e] * (blk.c[e] - blk.o[e]) * qx[e];
          msum += (int64_t)blk.mn[e] * qx[e];
          iabs += (int64_t)std::abs(blk.sc[e]) *
                  (std::abs(blk.c[e]) + blk.o[e]) * std::abs(qx[e]);
          mabs += (int64_t)blk.mn[e] * std::abs(qx[e]);
        }
        double dx = d[t * nb + b];
        acc += blk.d * dx * (double)isum + blk.dm * dx * (double)msum;
        abs += std::fabs(blk.d * dx) * (double)iabs +
               std::fabs(blk.dm * dx) * (double)mabs;
      }
      y[t * rows + n] = static_cast<float>(acc);
      if (absSum)
        (*absSum)[t * rows + n] = abs;
    }
}

} // namespace qcc::reference
