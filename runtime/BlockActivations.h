/*===- BlockActivations.h - activation blocks of the block-format kernels -*- C -*-===*\
|*                                                                            *|
|* Shared by the row-major kernels (BlockLinear.c) and the row-interleaved    *|
|* ones (BlockLinearX8.c): both quantize the activations with this one        *|
|* function, so every path multiplies the same codes (BlockLinear.h gives the *|
|* rule), and read f16 scales with h2f.                                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_BLOCKACTIVATIONS_H
#define QCC_RUNTIME_BLOCKACTIVATIONS_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

/* The quantized activations of one token: codes, one scale per block of G,
 * the codes' sums per 16 and, per block, its scale times its codes' sum
 * (what the 32-element formats' offsets and minimums multiply). */
typedef struct {
  const int8_t *q;
  const float *d;
  const int16_t *s;
  const float *sx;
} Act;

static inline float h2f(const uint8_t *p) {
  uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
#if defined(__F16C__)
  return _cvtsh_ss(h);
#elif defined(__aarch64__)
  __fp16 f;
  memcpy(&f, &h, 2);
  return (float)f;
#else
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 31,
           man = h & 1023, bits;
  if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else if (exp) {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  } else if (!man) {
    bits = sign;
  } else { /* subnormal: normalize */
    int e = -1;
    do {
      ++e;
      man <<= 1;
    } while (!(man & 1024));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 1023) << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
#endif
}

/* The activation blocks of one row of K floats (see BlockLinear.h). */
static inline void qcc_block_quantize_row(const float *x, int64_t K, int G, int8_t *q, float *d,
                        int16_t *s, float *sx) {
  for (int64_t b = 0; b < K / G; ++b) {
    const float *xb = x + b * G;
    float amax = 0;
    int bad = 0;
    for (int i = 0; i < G; ++i) {
      float a = fabsf(xb[i]);
      bad |= !(a <= FLT_MAX);
      amax = a > amax ? a : amax;
    }
    int8_t *qb = q + b * G;
    if (bad) {
      d[b] = NAN;
      memset(qb, 0, (size_t)G);
    } else {
      float id = amax > 0 ? 127.0f / amax : 0.0f;
      d[b] = amax / 127.0f;
      for (int i = 0; i < G; ++i) {
        float v = rintf(xb[i] * id);
        v = v > 127.0f ? 127.0f : v < -127.0f ? -127.0f : v;
        qb[i] = (int8_t)v;
      }
    }
  }
  for (int64_t j = 0; j < K / 16; ++j) {
    int32_t sum = 0;
    for (int i = 0; i < 16; ++i)
      sum += q[16 * j + i];
    s[j] = (int16_t)sum;
  }
  for (int64_t b = 0; b < K / G; ++b) {
    int32_t sum = 0;
    for (int j = 0; j < G / 16; ++j)
      sum += s[b * (G / 16) + j];
    sx[b] = d[b] * (float)sum;
  }
}

#endif /* QCC_RUNTIME_BLOCKACTIVATIONS_H */
