/*===- QGemmTernary.h - integer GEMM over ternary weights -----------*- C
-*-===*\
|*                                                                            *|
|* The matrix product of qcc's ternary path (--weights=ternary): weights in   *|
|* {-1, 0, +1}, activations 8-bit, no multiplication by a weight anywhere.    *|
|* Orientation and result strides as in QGemm.h (X [M][K] rows of             *|
|* activations, W one row of K weights per output column j).                  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QCC_RUNTIME_QGEMMTERNARY_H
#define QCC_RUNTIME_QGEMMTERNARY_H

#include <stddef.h>
#include <stdint.h>

/* Tiled 2-bit form the kernel reads. Rows are taken in blocks of 32 (N
 * rounded up), the reduction in bytes of 4 weights (K rounded up to a
 * multiple of 4). Block b, byte column kb holds 32 bytes, byte r for row
 * 32b + r; its bits 2i..2i+1 are the code c = t + 1 of weight k = 4kb + i
 * (the 2-bit canonical packing of each row, transposed in blocks of 32 rows).
 * Padding rows and columns hold code 1 (weight 0). Code 3 is invalid and
 * must not occur. Size: qcc_rt_ternary_tiled_size(N, K) bytes. */
size_t qcc_rt_ternary_tiled_size(int64_t N, int64_t K);

/* Packs weights t[j][k] in {-1, 0, 1} (int8, row j at t + j*ldt) into the
 * tiled form. Returns 0, or -1 (writing nothing further) at the first value
 * outside {-1, 0, 1}. */
int qcc_rt_ternary_tile(int64_t N, int64_t K, const int8_t *t, int64_t ldt,
                        uint8_t *out);

/* Ternary product:
 *
 *   C[i][j] = sum_k (X[i][k] - xZp) * t[j][k]
 *
 * X elements int8 when xSigned != 0, else uint8 (row i at X + i*ldx); W in
 * the tiled form above; result (i, j) at C + i*rsC + j*csC. Exact int32
 * with two's-complement wraparound (only K > 2^22 can wrap). */
void qcc_rt_qgemm_ternary(int64_t M, int64_t N, int64_t K, const void *X,
                          int64_t ldx, int64_t xSigned, int64_t xZp,
                          const uint8_t *W, int32_t *C, int64_t rsC,
                          int64_t csC);

#endif /* QCC_RUNTIME_QGEMMTERNARY_H */
