/*===- BlockLinear.h - linear layers on GGUF block-quantized weights -*- C -*-===*\
|*                                                                            *|
|* y[t][n] = sum_k x[t][k] * W[n][k] with W kept in one of GGUF's block       *|
|* formats (the file's bytes, never dequantized) and x quantized on the fly:  *|
|* per block of G activations (G = 32 for Q4_0/Q4_1/Q5_0/Q5_1/Q8_0, 256 for  *|
|* the k-quants Q2_K..Q6_K, the group for qcc's low-bit Q2_G64/Q3_G64/       *|
|* Q3_G192) amax = max |x|, d = amax / 127,                                   *|
|* q = rint(x * (127 / amax)) (ties to even; q = 0 when amax = 0; a block     *|
|* with a non-finite amax gives d = NaN). Each weight block then contributes  *|
|* exact int32 sums of code products (and of activation codes, for formats    *|
|* with offsets or mins) scaled by float factors: docs/numerics.md gives the  *|
|* terms per format, the order the reference combines them in and the         *|
|* tolerance every kernel meets.                                              *|
|*                                                                            *|
|* Paths (chosen by the build's instruction set): x86-64 AVX2 (vpmaddubsw +   *|
|* vpmaddwd), AVX-512 VNNI (256-bit vpdpbusd), AArch64 sdot when the CPU has  *|
|* dotprod, and portable C. T = 1 is a matrix-vector product streaming W's    *|
|* rows (split over OpenMP threads); T > 1 decodes each weight block once for *|
|* up to four tokens.                                                         *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_BLOCKLINEAR_H
#define QCC_RUNTIME_BLOCKLINEAR_H

#include <stdint.h>

/* Formats: GGUF's tensor type numbers (ggml_type); from 100 on, qcc's own
 * (the low-bit layouts 110-112 in include/qcc/ModelFile/BlockFormats.h).
 * QCC_BLOCK_Q4_1_G128 is Q4_1's w = d q + m with one f16 d and m per group
 * of 128 weights: a row of K (a multiple of 32) is ceil(K / 128) groups,
 * each f16 d, f16 m, then the nibbles of its 32-weight sub-blocks in Q4_1's
 * order (byte i: element i low, i + 16 high); the last group holds K mod
 * 128 weights when K is not a multiple of 128. Row bytes: 4 ceil(K / 128)
 * + K / 2 (4.25 bits per weight when K is a multiple of 128). Activations
 * are quantized per 32 as for Q4_1. */
enum {
  QCC_BLOCK_Q4_0 = 2,
  QCC_BLOCK_Q4_1 = 3,
  QCC_BLOCK_Q5_0 = 6,
  QCC_BLOCK_Q5_1 = 7,
  QCC_BLOCK_Q8_0 = 8,
  QCC_BLOCK_Q2_K = 10,
  QCC_BLOCK_Q3_K = 11,
  QCC_BLOCK_Q4_K = 12,
  QCC_BLOCK_Q5_K = 13,
  QCC_BLOCK_Q6_K = 14,
  QCC_BLOCK_Q4_1_G128 = 100,
  QCC_BLOCK_Q2_G64 = 110,
  QCC_BLOCK_Q3_G64 = 111,
  QCC_BLOCK_Q3_G192 = 112,
};

#ifndef QCC_BLOCK_LINEAR_NAME
#define QCC_BLOCK_LINEAR_NAME qcc_rt_block_linear
#endif

/* X: T rows of K floats (row t at X + t*ldx); W: N rows of K/blockSize
 * blocks in `format`'s byte layout, row n at W + n * (K/blockSize) *
 * blockBytes (Q4_1_G128: the row bytes above); Y[t*ldy + n]. K must be a
 * multiple of the format's block size (the compiler checks it); an unknown
 * format fills Y with NaN. */
void QCC_BLOCK_LINEAR_NAME(int64_t T, int64_t N, int64_t K, const float *X,
                           int64_t ldx, const uint8_t *W, int64_t format,
                           float *Y, int64_t ldy);

/* The same product on weights stored with their rows interleaved by 8
 * (`qnn.block_linear {row_interleave = 8}`, written by the compiler's
 * qcc-interleave-block-weights for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K
 * and Q6_K when N % 8 == 0): rows 8g .. 8g+7 form group g at
 * W + g * 8 * rowBytes, and block b of the group takes the 8 * blockBytes
 * bytes at offset b * 8 * blockBytes: the 8 rows' f16 scales d (16 bytes;
 * Q6_K's d is the last 2 bytes of its GGUF block), for Q4_1/Q5_1 then their
 * f16 minimums m and for Q4_K/Q5_K their f16 dmin (16 bytes), then the rest
 * of each row's block in GGUF's order in chunks of 4: chunk c holds bytes
 * 4c..4c+3 of row 0's rest, then of row 1's, ... row 7's (32 bytes per
 * chunk; Q4_0: 4 chunks of nibbles; Q5_0/Q5_1: the 32-bit fifth-bit mask,
 * then 4 of nibbles; Q8_0: 8; Q4_K: 3 of 6-bit scales, 32 of nibbles; Q5_K:
 * 3 of scales, 8 of fifth bits, 32 of nibbles; Q6_K: 32 of low nibbles, 16
 * of 2-bit highs, 4 of int8 scales). Other formats, or N % 8 != 0, fill Y
 * with NaN. */
#ifndef QCC_BLOCK_LINEAR_X8_NAME
#define QCC_BLOCK_LINEAR_X8_NAME qcc_rt_block_linear_x8
#endif
void QCC_BLOCK_LINEAR_X8_NAME(int64_t T, int64_t N, int64_t K, const float *X,
                              int64_t ldx, const uint8_t *W, int64_t format,
                              float *Y, int64_t ldy);

#endif /* QCC_RUNTIME_BLOCKLINEAR_H */
