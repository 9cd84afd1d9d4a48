//===- BlockEncoders.cpp - GGUF block formats as qcc outputs --------------===//
//
// Compiled with -ffp-contract=off: the round-to-nearest encoders reproduce
// the reference arithmetic (one rounding per operation) byte for byte.
//
//===----------------------------------------------------------------------===//

#include "qcc/Quant/BlockEncoders.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qcc::quant {

uint16_t floatToHalfBits(float x) {
  uint32_t f;
  std::memcpy(&f, &x, 4);
  uint32_t sign = (f >> 16) & 0x8000u;
  uint32_t exp = (f >> 23) & 0xffu, man = f & 0x7fffffu;
  if (exp == 0xff) // infinity or NaN (quiet)
    return (uint16_t)(sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0u));
  int e = (int)exp - 127 + 15;
  if (e >= 31)
    return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) { // subnormal half (or zero)
    if (e < -10)
      return (uint16_t)sign;
    man |= 0x800000u;
    int shift = 14 - e; // 14 .. 24
    uint32_t half = man >> shift, rest = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1)))
      ++half;
    return (uint16_t)(sign | half);
  }
  uint32_t half = ((uint32_t)e << 10) | (man >> 13), rest = man & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
    ++half; // may carry into the exponent, up to infinity: correct
  return (uint16_t)(sign | half);
}

float halfBitsToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31,
           man = h & 1023, bits;
  if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (!man) {
    bits = sign;
  } else {
    int e = -1;
    do {
      ++e;
      man <<= 1;
    } while (!(man & 1024));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 1023) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

void storeHalf(uint8_t *p, float x) {
  uint16_t h = floatToHalfBits(x);
  p[0] = (uint8_t)(h & 0xff);
  p[1] = (uint8_t)(h >> 8);
}

float roundedHalf(float x) { return halfBitsToFloat(floatToHalfBits(x)); }

/// Codes of 32 weights into 16 bytes: weight i low nibble, i + 16 high.
void packNibbles32(const uint8_t *codes, uint8_t *out) {
  for (int i = 0; i < 16; ++i)
    out[i] = (uint8_t)(codes[i] | (codes[i + 16] << 4));
}

/// A sub-block's affine fit w ~= scale * code - offset with codes in
/// [0, nmax], scale >= 0 and offset >= 0 (the range always holds 0, as the
/// k-quants' unsigned mins require). Tries a grid of ranges [lo, hi] shrunk
/// from the data's, and for each the least-squares (scale, offset) given
/// the codes it rounds to; keeps the smallest squared error.
void fitAffine(const float *x, int n, int nmax, float &scale, float &offset) {
  float lo = 0.0f, hi = 0.0f;
  for (int i = 0; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  if (hi == lo) {
    scale = 0.0f;
    offset = -lo;
    return;
  }
  double bestErr = INFINITY;
  scale = (hi - lo) / (float)nmax;
  offset = -lo;
  std::vector<int> l(n);
  for (int step = 0; step <= 12; ++step) {
    // Shrink the top and the bottom of the range alternately, up to 30%.
    float shrinkHi = 1.0f - 0.05f * (float)((step + 1) / 2);
    float shrinkLo = 1.0f - 0.05f * (float)(step / 2);
    float h = hi * shrinkHi, b = lo * shrinkLo;
    if (h <= b)
      continue;
    float inv = (float)nmax / (h - b);
    double sl = 0, sll = 0, sx = 0, slx = 0;
    for (int i = 0; i < n; ++i) {
      int q = (int)std::lround((x[i] - b) * inv);
      l[i] = std::clamp(q, 0, nmax);
      sl += l[i];
      sll += (double)l[i] * l[i];
      sx += x[i];
      slx += (double)l[i] * x[i];
    }
    // Least squares of x ~= a * l + c over a, c; then c <= 0 enforced.
    double det = n * sll - sl * sl, a, c;
    if (det > 0) {
      a = (n * slx - sl * sx) / det;
      c = (sx - a * sl) / n;
    } else {
      a = (h - b) / nmax;
      c = b;
    }
    if (c > 0) {
      c = 0;
      a = sll > 0 ? slx / sll : 0;
    }
    if (a <= 0)
      continue;
    double err = 0;
    for (int i = 0; i < n; ++i) {
      double e = a * l[i] + c - x[i];
      err += e * e;
    }
    if (err < bestErr) {
      bestErr = err;
      scale = (float)a;
      offset = (float)-c;
    }
  }
}

/// A sub-block's symmetric fit w ~= scale * q, q in [-nmax - 1, nmax]
/// (scale may be negative: the extreme value takes the wide end).
float fitSymmetric(const float *x, int n, int nmax) {
  float amax = 0, extreme = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      extreme = x[i];
    }
  if (amax == 0)
    return 0.0f;
  double bestErr = INFINITY;
  float best = extreme / (float)-(nmax + 1);
  for (int step = -4; step <= 8; ++step) {
    float scale = extreme / ((float)-(nmax + 1) + 0.25f * (float)step);
    if (!(std::fabs(scale) > 0))
      continue;
    double sqx = 0, sqq = 0;
    for (int i = 0; i < n; ++i) {
      int q = std::clamp((int)std::lround(x[i] / scale), -nmax - 1, nmax);
      sqx += (double)q * x[i];
      sqq += (double)q * q;
    }
    if (sqq == 0)
      continue;
    double s = sqx / sqq, err = 0;
    for (int i = 0; i < n; ++i) {
      int q = std::clamp((int)std::lround(x[i] / scale), -nmax - 1, nmax);
      double e = s * q - x[i];
      err += e * e;
    }
    if (err < bestErr) {
      bestErr = err;
      best = (float)s;
    }
  }
  return best;
}

/// Q4_K/Q5_K's 12 bytes of eight 6-bit scales and mins.
void packKScales(const int *sc, const int *mn, uint8_t *p) {
  for (int j = 0; j < 4; ++j) {
    p[j] = (uint8_t)(sc[j] | ((sc[j + 4] >> 4) << 6));
    p[j + 4] = (uint8_t)(mn[j] | ((mn[j + 4] >> 4) << 6));
    p[j + 8] = (uint8_t)((sc[j + 4] & 0xf) | ((mn[j + 4] & 0xf) << 4));
  }
}

/// One Q4_K (nmax 15) or Q5_K (nmax 31) super-block: codes[256] and the
/// header (d, dmin, 12 scale bytes) at out.
void encodeKAffine(const float *x, int nmax, uint8_t *header, int *codes) {
  float scales[8], offsets[8];
  float maxScale = 0, maxOffset = 0;
  for (int j = 0; j < 8; ++j) {
    fitAffine(x + 32 * j, 32, nmax, scales[j], offsets[j]);
    maxScale = std::max(maxScale, scales[j]);
    maxOffset = std::max(maxOffset, offsets[j]);
  }
  float d = roundedHalf(maxScale / 63.0f);
  float dmin = roundedHalf(maxOffset / 63.0f);
  int sc[8], mn[8];
  for (int j = 0; j < 8; ++j) {
    sc[j] = d > 0 ? std::clamp((int)std::lround(scales[j] / d), 0, 63) : 0;
    mn[j] =
        dmin > 0 ? std::clamp((int)std::lround(offsets[j] / dmin), 0, 63) : 0;
  }
  storeHalf(header, d);
  storeHalf(header + 2, dmin);
  packKScales(sc, mn, header + 4);
  for (int j = 0; j < 8; ++j) {
    float dl = d * (float)sc[j], ml = dmin * (float)mn[j];
    for (int i = 0; i < 32; ++i) {
      int q = dl > 0 ? (int)std::lround((x[32 * j + i] + ml) / dl) : 0;
      codes[32 * j + i] = std::clamp(q, 0, nmax);
    }
  }
}

/// Q4_K/Q5_K's nibbles: weights 64c + i and 64c + 32 + i share byte 32c + i.
void packNibbles64(const int *codes, uint8_t *qs) {
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 32; ++i)
      qs[32 * c + i] = (uint8_t)((codes[64 * c + i] & 0xf) |
                                 ((codes[64 * c + 32 + i] & 0xf) << 4));
}

} // namespace

std::vector<uint8_t> encodeQ4_0(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 32 * 18);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float *v = x + 32 * b;
    float amax = 0, max = 0;
    for (int i = 0; i < 32; ++i)
      if (std::fabs(v[i]) > amax) {
        amax = std::fabs(v[i]);
        max = v[i];
      }
    float d = max / -8.0f, id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t codes[32];
    for (int i = 0; i < 32; ++i) {
      float t = std::trunc(v[i] * id + 8.5f);
      codes[i] = (uint8_t)std::min(15.0f, t);
    }
    uint8_t *p = out.data() + 18 * b;
    storeHalf(p, d);
    packNibbles32(codes, p + 2);
  }
  return out;
}

std::vector<uint8_t> encodeQ4_1(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 32 * 20);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float *v = x + 32 * b;
    float lo = v[0], hi = v[0];
    for (int i = 1; i < 32; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    float d = (hi - lo) / 15.0f, id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t codes[32];
    for (int i = 0; i < 32; ++i) {
      float t = std::trunc((v[i] - lo) * id + 0.5f);
      codes[i] = (uint8_t)std::clamp(t, 0.0f, 15.0f);
    }
    uint8_t *p = out.data() + 20 * b;
    storeHalf(p, d);
    storeHalf(p + 2, lo);
    packNibbles32(codes, p + 4);
  }
  return out;
}

/// Q5_0/Q5_1's fifth bits: bit i of the little-endian word is code i's 16.
static void packFifthBits(const uint8_t *codes, uint8_t *qh) {
  uint32_t h = 0;
  for (int i = 0; i < 32; ++i)
    h |= (uint32_t)(codes[i] >> 4) << i;
  for (int k = 0; k < 4; ++k)
    qh[k] = (uint8_t)(h >> (8 * k));
}

std::vector<uint8_t> encodeQ5_0(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 32 * 22);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float *v = x + 32 * b;
    float amax = 0, max = 0;
    for (int i = 0; i < 32; ++i)
      if (std::fabs(v[i]) > amax) {
        amax = std::fabs(v[i]);
        max = v[i];
      }
    float d = max / -16.0f, id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t codes[32], low[32];
    for (int i = 0; i < 32; ++i) {
      float t = std::trunc(v[i] * id + 16.5f);
      codes[i] = (uint8_t)std::min(31.0f, t);
      low[i] = codes[i] & 0xf;
    }
    uint8_t *p = out.data() + 22 * b;
    storeHalf(p, d);
    packFifthBits(codes, p + 2);
    packNibbles32(low, p + 6);
  }
  return out;
}

std::vector<uint8_t> encodeQ5_1(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 32 * 24);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float *v = x + 32 * b;
    float lo = v[0], hi = v[0];
    for (int i = 1; i < 32; ++i) {
      lo = std::min(lo, v[i]);
      hi = std::max(hi, v[i]);
    }
    float d = (hi - lo) / 31.0f, id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t codes[32], low[32];
    for (int i = 0; i < 32; ++i) {
      float t = std::trunc((v[i] - lo) * id + 0.5f);
      codes[i] = (uint8_t)std::clamp(t, 0.0f, 31.0f);
      low[i] = codes[i] & 0xf;
    }
    uint8_t *p = out.data() + 24 * b;
    storeHalf(p, d);
    storeHalf(p + 2, lo);
    packFifthBits(codes, p + 4);
    packNibbles32(low, p + 8);
  }
  return out;
}

std::vector<uint8_t> encodeQ8_0(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 32 * 34);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float *v = x + 32 * b;
    float amax = 0;
    for (int i = 0; i < 32; ++i)
      amax = std::max(amax, std::fabs(v[i]));
    float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
    uint8_t *p = out.data() + 34 * b;
    storeHalf(p, d);
    for (int i = 0; i < 32; ++i) // ties away from zero
      p[2 + i] = (uint8_t)(int8_t)std::round(v[i] * id);
  }
  return out;
}

std::vector<uint8_t> encodeQ4_K(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 256 * 144);
  int codes[256];
  for (int64_t b = 0; b < n / 256; ++b) {
    uint8_t *p = out.data() + 144 * b;
    encodeKAffine(x + 256 * b, 15, p, codes);
    packNibbles64(codes, p + 16);
  }
  return out;
}

std::vector<uint8_t> encodeQ5_K(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 256 * 176);
  int codes[256];
  for (int64_t b = 0; b < n / 256; ++b) {
    uint8_t *p = out.data() + 176 * b;
    encodeKAffine(x + 256 * b, 31, p, codes);
    uint8_t *qh = p + 16; // weight 32k + i: bit k of byte i
    for (int w = 0; w < 256; ++w)
      if (codes[w] & 16)
        qh[w % 32] |= (uint8_t)(1u << (w / 32));
    packNibbles64(codes, p + 48);
  }
  return out;
}

std::vector<uint8_t> encodeQ6_K(const float *x, int64_t n) {
  std::vector<uint8_t> out(n / 256 * 210);
  for (int64_t b = 0; b < n / 256; ++b) {
    const float *v = x + 256 * b;
    uint8_t *p = out.data() + 210 * b;
    float scales[16], amax = 0, extreme = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = fitSymmetric(v + 16 * j, 16, 31);
      if (std::fabs(scales[j]) > amax) {
        amax = std::fabs(scales[j]);
        extreme = scales[j];
      }
    }
    // Signed 8-bit sub-scales in [-128, 127]: the largest takes -128.
    float d = roundedHalf(extreme / -128.0f);
    int codes[256];
    for (int j = 0; j < 16; ++j) {
      int sc =
          d != 0 ? std::clamp((int)std::lround(scales[j] / d), -128, 127) : 0;
      p[192 + j] = (uint8_t)(int8_t)sc;
      float dl = d * (float)sc;
      for (int i = 0; i < 16; ++i) {
        int q = dl != 0 ? (int)std::lround(v[16 * j + i] / dl) : 0;
        codes[16 * j + i] = std::clamp(q, -32, 31) + 32;
      }
    }
    storeHalf(p + 208, d);
    uint8_t *ql = p, *qh = p + 128;
    for (int w = 0; w < 256; ++w) {
      int half = w / 128, r = w % 128;
      ql[64 * half + r % 64] |= (uint8_t)((codes[w] & 0xf) << (4 * (r / 64)));
      qh[32 * half + r % 32] |= (uint8_t)((codes[w] >> 4) << (2 * (r / 32)));
    }
  }
  return out;
}

std::vector<uint8_t> packQ4_1(const QuantizedWeights &q) {
  if (q.bits != 4 || q.symmetric || q.cols % 32 || q.groupSize % 32)
    return {};
  const int64_t blocks = q.cols / 32;
  std::vector<uint8_t> out(q.rows * blocks * 20);
  uint8_t codes[32];
  for (int64_t r = 0; r < q.rows; ++r)
    for (int64_t b = 0; b < blocks; ++b) {
      GroupParams g = q.params(r, b * 32 / q.groupSize);
      uint8_t *p = out.data() + (r * blocks + b) * 20;
      storeHalf(p, g.scale);
      storeHalf(p + 2, g.offset - (float)g.zeroPoint * g.scale);
      std::memcpy(codes, &q.codes[r * q.cols + b * 32], 32);
      packNibbles32(codes, p + 4);
    }
  return out;
}

std::vector<uint8_t> packQ4_1G128(const QuantizedWeights &q) {
  // A row shorter than 128 is one group of its own length (the quantizers'
  // per-row group), i.e. one short group of the layout.
  bool g128 = q.groupSize == 128 || (q.groupSize == q.cols && q.cols < 128);
  if (q.bits != 4 || q.symmetric || q.cols % 32 || !g128)
    return {};
  const int64_t groups = q.numGroups(), rowBytes = 4 * groups + q.cols / 2;
  std::vector<uint8_t> out(q.rows * rowBytes);
  for (int64_t r = 0; r < q.rows; ++r) {
    uint8_t *p = out.data() + r * rowBytes;
    for (int64_t g = 0; g < groups; ++g) {
      GroupParams gp = q.params(r, g);
      storeHalf(p, gp.scale);
      storeHalf(p + 2, gp.offset - (float)gp.zeroPoint * gp.scale);
      p += 4;
      for (int64_t c = g * 128; c < std::min(q.cols, g * 128 + 128);
           c += 32, p += 16)
        packNibbles32(&q.codes[r * q.cols + c], p);
    }
  }
  return out;
}

} // namespace qcc::quant
