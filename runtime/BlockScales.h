/*===- BlockScales.h - the packed sub-block scales of GGUF's k-quants -*- C -*-===*\
|*                                                                            *|
|* Shared by the row-major kernels (BlockLinear.c) and the row-interleaved    *|
|* ones (BlockLinearX8K.c, whose portable path decodes one row at a time).    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_BLOCKSCALES_H
#define QCC_RUNTIME_BLOCKSCALES_H

#include <stdint.h>

/* Q3_K's sixteen 6-bit scales (12 bytes: low 4 bits of scale j in byte
 * j % 8, high nibble for j >= 8; its top 2 bits in byte 8 + j % 4 at bit
 * 2 (j / 4)), minus their bias of 32. */
static inline void k3scales(const uint8_t *p, int8_t *sc) {
  for (int j = 0; j < 16; ++j) {
    int low = j < 8 ? p[j] & 15 : p[j - 8] >> 4;
    int high = (p[8 + j % 4] >> (2 * (j / 4))) & 3;
    sc[j] = (int8_t)((low | high << 4) - 32);
  }
}

/* Q4_K/Q5_K's 6-bit scales and mins of the 8 sub-blocks. */
static inline void kscales(const uint8_t *p, uint8_t *sc, uint8_t *mn) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = p[j] & 63;
    mn[j] = p[j + 4] & 63;
  }
  for (int j = 4; j < 8; ++j) {
    sc[j] = (p[j + 4] & 0xf) | ((p[j - 4] >> 6) << 4);
    mn[j] = (p[j + 4] >> 4) | ((p[j] >> 6) << 4);
  }
}

#endif /* QCC_RUNTIME_BLOCKSCALES_H */
