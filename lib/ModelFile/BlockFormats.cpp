//===- BlockFormats.cpp - reference dequantization of GGUF blocks ---------===//
//
// The block layouts are documented in BlockFormats.h. This file is compiled
// with -ffp-contract=off: a fused multiply-add would round once where the
// reference rounds twice, and the results must stay bit-equal on every
// target (AArch64 contracts by default).
//
//===----------------------------------------------------------------------===//

#include "qcc/ModelFile/BlockFormats.h"
#include "qcc/ModelFile/TensorData.h"

#include <cstring>

using namespace qcc::modelfile;

namespace {

float loadHalf(const uint8_t *p) {
  return halfToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

uint32_t loadU32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

/// Nibble `hi` (0 low, 1 high) of byte b.
unsigned nibble(uint8_t b, unsigned hi) { return (b >> (4 * hi)) & 0xf; }

/// The 2-bit code of weight `w` (0..255) in the "halves of 128, four shifts
/// of 32" arrangement shared by Q2_K, Q3_K and TQ2_0 (bytes: 64 of them).
unsigned crumb128(const uint8_t *bytes, unsigned w) {
  unsigned half = w / 128, shift = (w % 128) / 32, i = w % 32;
  return (bytes[32 * half + i] >> (2 * shift)) & 3;
}

/// Bit k of byte i for weight 32k + i (Q3_K's mask, Q5_K's fifth bits).
unsigned bitPlane32(const uint8_t *bytes, unsigned w) {
  return (bytes[w % 32] >> (w / 32)) & 1;
}

/// The 4-bit code of weight `w` in Q4_K/Q5_K's arrangement: chunks of 64
/// weights over 32 bytes, low nibbles first.
unsigned nibble64(const uint8_t *bytes, unsigned w) {
  unsigned chunk = w / 64, hi = (w % 64) / 32, i = w % 32;
  return nibble(bytes[32 * chunk + i], hi);
}

/// Q4_K/Q5_K's 6-bit scale and min of sub-block j from the 12 packed bytes.
void kScaleMin(const uint8_t *p, unsigned j, unsigned &scale, unsigned &min) {
  if (j < 4) {
    scale = p[j] & 63;
    min = p[j + 4] & 63;
  } else {
    scale = (p[j + 4] & 0xf) | ((p[j - 4] >> 6) << 4);
    min = (p[j + 4] >> 4) | ((p[j] >> 6) << 4);
  }
}

} // namespace

void blocks::dequantizeQ4_0(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 18, dst += 32) {
    float d = loadHalf(src);
    const uint8_t *qs = src + 2;
    for (unsigned w = 0; w < 32; ++w) {
      int code = static_cast<int>(nibble(qs[w % 16], w / 16)) - 8;
      dst[w] = d * static_cast<float>(code);
    }
  }
}

void blocks::dequantizeQ4_1(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 20, dst += 32) {
    float d = loadHalf(src), m = loadHalf(src + 2);
    const uint8_t *qs = src + 4;
    for (unsigned w = 0; w < 32; ++w) {
      float scaled = d * static_cast<float>(nibble(qs[w % 16], w / 16));
      dst[w] = scaled + m;
    }
  }
}

void blocks::dequantizeQ5_0(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 22, dst += 32) {
    float d = loadHalf(src);
    uint32_t high = loadU32(src + 2);
    const uint8_t *qs = src + 6;
    for (unsigned w = 0; w < 32; ++w) {
      unsigned code = nibble(qs[w % 16], w / 16) | (((high >> w) & 1) << 4);
      dst[w] = d * static_cast<float>(static_cast<int>(code) - 16);
    }
  }
}

void blocks::dequantizeQ5_1(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 24, dst += 32) {
    float d = loadHalf(src), m = loadHalf(src + 2);
    uint32_t high = loadU32(src + 4);
    const uint8_t *qs = src + 8;
    for (unsigned w = 0; w < 32; ++w) {
      unsigned code = nibble(qs[w % 16], w / 16) | (((high >> w) & 1) << 4);
      float scaled = d * static_cast<float>(code);
      dst[w] = scaled + m;
    }
  }
}

void blocks::dequantizeQ8_0(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 34, dst += 32) {
    float d = loadHalf(src);
    for (unsigned w = 0; w < 32; ++w)
      dst[w] = static_cast<float>(static_cast<int8_t>(src[2 + w])) * d;
  }
}

void blocks::dequantizeQ2_K(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 84, dst += 256) {
    const uint8_t *scales = src, *qs = src + 16;
    float d = loadHalf(src + 80), dmin = loadHalf(src + 82);
    for (unsigned w = 0; w < 256; ++w) {
      uint8_t sm = scales[w / 16];
      float dl = d * static_cast<float>(sm & 0xf);
      float ml = dmin * static_cast<float>(sm >> 4);
      float scaled = dl * static_cast<float>(crumb128(qs, w));
      dst[w] = scaled - ml;
    }
  }
}

void blocks::dequantizeQ3_K(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 110, dst += 256) {
    const uint8_t *mask = src, *qs = src + 32, *sc = src + 96;
    float d = loadHalf(src + 108);
    for (unsigned w = 0; w < 256; ++w) {
      unsigned j = w / 16;
      unsigned low4 = nibble(sc[j % 8], j / 8);
      unsigned high2 = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
      int scale = static_cast<int>(low4 | (high2 << 4)) - 32;
      float dl = d * static_cast<float>(scale);
      int code =
          static_cast<int>(crumb128(qs, w)) - (bitPlane32(mask, w) ? 0 : 4);
      dst[w] = dl * static_cast<float>(code);
    }
  }
}

void blocks::dequantizeQ4_K(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 144, dst += 256) {
    float d = loadHalf(src), dmin = loadHalf(src + 2);
    const uint8_t *packed = src + 4, *qs = src + 16;
    for (unsigned j = 0; j < 8; ++j) {
      unsigned scale, min;
      kScaleMin(packed, j, scale, min);
      float dl = d * static_cast<float>(scale);
      float ml = dmin * static_cast<float>(min);
      for (unsigned w = 32 * j; w < 32 * j + 32; ++w) {
        float scaled = dl * static_cast<float>(nibble64(qs, w));
        dst[w] = scaled - ml;
      }
    }
  }
}

void blocks::dequantizeQ5_K(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 176, dst += 256) {
    float d = loadHalf(src), dmin = loadHalf(src + 2);
    const uint8_t *packed = src + 4, *qh = src + 16, *qs = src + 48;
    for (unsigned j = 0; j < 8; ++j) {
      unsigned scale, min;
      kScaleMin(packed, j, scale, min);
      float dl = d * static_cast<float>(scale);
      float ml = dmin * static_cast<float>(min);
      for (unsigned w = 32 * j; w < 32 * j + 32; ++w) {
        unsigned code = nibble64(qs, w) | (bitPlane32(qh, w) << 4);
        float scaled = dl * static_cast<float>(code);
        dst[w] = scaled - ml;
      }
    }
  }
}

void blocks::dequantizeQ6_K(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 210, dst += 256) {
    const uint8_t *ql = src, *qh = src + 128, *sc = src + 192;
    float d = loadHalf(src + 208);
    for (unsigned w = 0; w < 256; ++w) {
      unsigned half = w / 128, r = w % 128;
      unsigned low4 = nibble(ql[64 * half + r % 64], r / 64);
      unsigned high2 = crumb128(qh, w);
      int code = static_cast<int>(low4 | (high2 << 4)) - 32;
      float dl = d * static_cast<float>(static_cast<int8_t>(sc[w / 16]));
      dst[w] = dl * static_cast<float>(code);
    }
  }
}

void blocks::dequantizeTQ1_0(const uint8_t *src, float *dst, size_t numBlocks) {
  static const uint8_t pow3[5] = {1, 3, 9, 27, 81};
  for (size_t b = 0; b < numBlocks; ++b, src += 54, dst += 256) {
    float d = loadHalf(src + 52);
    for (unsigned w = 0; w < 256; ++w) {
      uint8_t byte;
      unsigned k;
      if (w < 160) {
        byte = src[w % 32];
        k = w / 32;
      } else if (w < 240) {
        byte = src[32 + (w - 160) % 16];
        k = (w - 160) / 16;
      } else {
        byte = src[48 + (w - 240) % 4];
        k = (w - 240) / 4;
      }
      // Multiplying by 3^k mod 256 moves trit k to the top of the fraction;
      // * 3 >> 8 reads it out.
      uint8_t shifted = static_cast<uint8_t>(byte * pow3[k]);
      int trit = (shifted * 3) >> 8;
      dst[w] = d * static_cast<float>(trit - 1);
    }
  }
}

void blocks::dequantizeTQ2_0(const uint8_t *src, float *dst, size_t numBlocks) {
  for (size_t b = 0; b < numBlocks; ++b, src += 66, dst += 256) {
    float d = loadHalf(src + 64);
    for (unsigned w = 0; w < 256; ++w)
      dst[w] = d * static_cast<float>(static_cast<int>(crumb128(src, w)) - 1);
  }
}

void blocks::dequantizeLowBit(const uint8_t *src, float *dst, size_t numBlocks,
                              int bits, int group) {
  size_t bytes = 4 + group / 4 + (bits == 3 ? group / 8 : 0);
  for (size_t b = 0; b < numBlocks; ++b, src += bytes, dst += group) {
    float d = loadHalf(src), m = loadHalf(src + 2);
    const uint8_t *low = src + 4, *third = src + 4 + group / 4;
    for (int w = 0; w < group; ++w) {
      int c = w / 64, k = (w % 64) / 16, i = w % 16;
      unsigned code = (low[16 * c + i] >> (2 * k)) & 3;
      if (bits == 3)
        code |= ((third[w / 8] >> (w % 8)) & 1) << 2;
      dst[w] = d * static_cast<float>(code) + m;
    }
  }
}
